"""The furnished month's kept grid file (issue 16, ``adapters/warehouse/furnish_grid.py``): written and read back
exactly; a file that cannot be read as one (corrupt, another width, unsorted ids) is ignored so the month is rebuilt
from the stored window; a directory that cannot be written is a clear refusal naming it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from creditloop.adapters.warehouse.furnish_grid import FACTS, GridMonth, grid_path, read_grid, write_grid
from creditloop.core.errors import DomainError

DAY = date(2024, 9, 30)


def _month() -> GridMonth:
    grid = np.frombuffer(b"NN*/////////////////////" + b"21NNNNNNNNNNNNNNNNNNNNNN", dtype=np.uint8).reshape(2, 24)
    facts = {name: np.asarray([i, 10 * i + 7], dtype=np.int64) for i, name in enumerate(FACTS)}
    return GridMonth(np.asarray(["A1", "B2"]), grid.copy(), facts, np.asarray([True, False]))


def test_a_kept_grid_reads_back_as_written(tmp_path: Path) -> None:
    written = write_grid(tmp_path, DAY, _month())
    assert written == grid_path(tmp_path, DAY) and written.name == "furnished-2024-09.parquet"
    back = read_grid(tmp_path, DAY)
    assert back is not None
    assert back.ids.tolist() == ["A1", "B2"] and bytes(back.grid[1]) == b"21" + b"N" * 22
    assert all(back.facts[n].tolist() == _month().facts[n].tolist() for n in FACTS)
    assert back.stored.tolist() == [True, False]
    assert read_grid(tmp_path, date(2024, 8, 31)) is None  # not kept


def test_a_file_that_is_not_a_kept_grid_is_ignored(tmp_path: Path) -> None:
    grid_path(tmp_path, DAY).write_bytes(b"not parquet")
    assert read_grid(tmp_path, DAY) is None
    narrow = {"line_id": ["A"], "grid": pa.array([b"NN"], pa.binary(2)), "stored": [True]}
    pq.write_table(pa.table(narrow | {n: [0] for n in FACTS}), grid_path(tmp_path, DAY))
    assert read_grid(tmp_path, DAY) is None  # another width
    month = _month()
    write_grid(tmp_path, DAY, GridMonth(month.ids[::-1].copy(), month.grid, month.facts, month.stored))
    assert read_grid(tmp_path, DAY) is None  # ids out of order: searchsorted would misplace lines


def test_a_directory_that_cannot_be_written_is_refused(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("x")
    with pytest.raises(DomainError) as exc:
        write_grid(blocked / "grids", DAY, _month())
    assert exc.value.code == "grid_not_kept"
