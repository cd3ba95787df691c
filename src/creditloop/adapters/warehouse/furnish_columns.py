"""Columnar furnishing for a whole book (issue 16: a month for 1,000,000 accounts within a minute on 2 cores).

The same rules as ``reporting.status_codes.pboc_status``, on arrays: one NumPy ``select`` over the month's facts
gives every account's code, the 24-month grid is last month's grid shifted by one with this month's code in front
(a furnisher keeps last month's grid, so a month costs one pass, not 24), and the fixed-width file of
``reporting.furnishing.LAYOUT`` is built as one byte matrix. ``tests/property/test_furnish_columns.py`` checks the
codes and grids against the per-account functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from creditloop.reporting.credit_record import HISTORY_MONTHS
from creditloop.reporting.status_codes import Ending

ENDING_CODES = {0: None, 1: Ending.SETTLED, 2: Ending.OTHER, 3: Ending.GUARANTOR, 4: Ending.ASSETS}
_ENDING_BYTES = {1: "C", 2: "G", 3: "D", 4: "Z"}
U8 = NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class MonthColumns:
    """One month's facts for n accounts (``MonthFacts`` as columns); ``ended`` uses ``ENDING_CODES``."""

    dpd: NDArray[np.int32]
    max_dpd_in_month: NDArray[np.int32]
    due_in_month_minor: NDArray[np.int64]
    balance_minor: NDArray[np.int64]
    charged_off: NDArray[np.bool_]
    ended: NDArray[np.int8]
    opened: NDArray[np.bool_]
    known: NDArray[np.bool_]


def status_codes(m: MonthColumns) -> U8:
    """Every account's PBoC code as one ASCII byte, by the order of ``pboc_status``."""
    n = m.dpd.shape[0]

    def const(ch: str) -> NDArray[np.int64]:
        return np.full(n, ord(ch), dtype=np.int64)

    digit: NDArray[np.int64] = ord("0") + np.minimum(7, (m.dpd.astype(np.int64) + 29) // 30)
    conditions: list[NDArray[np.bool_]] = [~m.opened, ~m.known]
    choices = [const("/"), const("#")]
    for code, letter in _ENDING_BYTES.items():
        conditions.append(m.ended == code)
        choices.append(const(letter))
    conditions += [m.charged_off & (m.balance_minor > 0), m.charged_off, m.dpd > 0, m.max_dpd_in_month > 0]
    choices += [const("B"), const("C"), digit, const("M")]
    conditions.append(m.due_in_month_minor == 0)
    choices.append(const("*"))
    out = np.select(conditions, choices, default=ord("N"))
    return out.astype(np.uint8)


def roll_grid(previous: U8 | None, codes: U8) -> U8:
    """This month's grid (n x 24 bytes, this month first) from last month's (None: a book's first month)."""
    n = codes.shape[0]
    grid = np.full((n, HISTORY_MONTHS), ord("/"), dtype=np.uint8)
    if previous is not None:
        grid[:, 1:] = previous[:, : HISTORY_MONTHS - 1]
    grid[:, 0] = codes
    return grid


def grid_text(grid: U8, row: int) -> str:
    return bytes(grid[row]).decode("ascii")


def text_column(values: NDArray[np.str_] | list[str], width: int) -> U8:
    """Left-aligned, space-padded ASCII text as an n x width byte matrix (longer values are refused)."""
    raw = np.asarray(values, dtype=f"S{width + 1}")
    if raw.size and int(np.char.str_len(raw).max()) > width:
        raise ValueError(f"a value is wider than its field ({width})")
    padded = np.char.ljust(raw, width)
    return np.frombuffer(padded.astype(f"S{width}").tobytes(), dtype=np.uint8).reshape(-1, width)


def number_column(values: NDArray[np.int64], width: int) -> U8:
    """Right-aligned, zero-padded non-negative integers as an n x width byte matrix."""
    if values.size and (int(values.min()) < 0 or int(values.max()) >= 10**width):
        raise ValueError(f"a number does not fit its field ({width} digits, non-negative)")
    digits = np.empty((values.shape[0], width), dtype=np.uint8)
    rest = values.astype(np.int64).copy()
    for i in range(width - 1, -1, -1):
        digits[:, i] = ord("0") + rest % 10
        rest //= 10
    return digits
