"""The furnished month kept as a columnar file (issue 16), so that next month is one month of panel rows, not 24.

One Parquet file per month, ``furnished-YYYY-MM.parquet`` in the furnisher's directory: per line (sorted by id) the
24-month grid as the panel's columns derive it (this month first; before dispute corrections and repairs, which the
per-account path applies every month to the lines that have them), and the month's facts it was derived from —
DPD (0 when nothing is owed), balance, what fell due (minimum, else total), what was paid by the due date, and
whether the line's row was stored. Next month reads this file, rolls each grid by one and checks the facts against
the panel rows of this month as they are stored now: a line whose row was restated since (a backdated command) is
furnished by the per-account path. The file is written to a temporary name and renamed, so a reader sees a whole
file or none.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import NDArray

from creditloop.core.dates import month_key
from creditloop.core.errors import DomainError
from creditloop.reporting.credit_record import HISTORY_MONTHS

FACTS = ("dpd", "balance", "asked", "paid")
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GridMonth:
    """A month's derived grids: ``ids`` sorted, ``grid`` n x 24 ASCII bytes, ``facts`` n-vectors named by ``FACTS``,
    ``stored``: the line's row for the month was stored."""

    ids: NDArray[np.str_]
    grid: NDArray[np.uint8]
    facts: dict[str, NDArray[np.int64]]
    stored: NDArray[np.bool_]


def grid_path(directory: Path, day: date) -> Path:
    return directory / f"furnished-{month_key(day)}.parquet"


def write_grid(directory: Path, day: date, month: GridMonth) -> Path:
    path = grid_path(directory, day)
    width = HISTORY_MONTHS
    grid = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(width), len(month.ids), [None, pa.py_buffer(np.ascontiguousarray(month.grid).tobytes())]
    )
    table = pa.table(
        {"line_id": pa.array(month.ids.tolist(), pa.string()), "grid": grid, "stored": month.stored}
        | {name: month.facts[name] for name in FACTS}
    )
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, tmp)
        tmp.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        message = f"the month's grid could not be kept in {directory}: {exc.strerror}"
        raise DomainError(message, code="grid_not_kept") from exc
    return path


def read_grid(directory: Path, day: date) -> GridMonth | None:
    """The month's file, or None when it was not kept."""
    path = grid_path(directory, day)
    if not path.exists():
        return None
    try:
        table = pq.read_table(path)
        return _month(table)
    except (OSError, KeyError, ValueError, pa.ArrowException) as exc:  # unreadable or another layout: rebuild
        log.warning("kept grid %s not readable (%s): the month is rebuilt from the stored window", path, exc)
        return None


def _month(table: pa.Table) -> GridMonth:
    if table.schema.field("grid").type != pa.binary(HISTORY_MONTHS):
        raise ValueError(f"grid is not {HISTORY_MONTHS} bytes wide")
    ids = np.asarray(table.column("line_id").to_pylist(), dtype=str)
    if not bool(np.all(ids[:-1] < ids[1:])):
        raise ValueError("line ids are not sorted and unique")
    raw = table.column("grid").combine_chunks()
    start = raw.offset * HISTORY_MONTHS
    flat = np.frombuffer(raw.buffers()[1], dtype=np.uint8)[start : start + len(ids) * HISTORY_MONTHS]
    grid = flat.reshape(-1, HISTORY_MONTHS)
    facts = {name: table.column(name).to_numpy().astype(np.int64) for name in FACTS}
    return GridMonth(ids, grid.copy(), facts, table.column("stored").to_numpy().astype(bool))
