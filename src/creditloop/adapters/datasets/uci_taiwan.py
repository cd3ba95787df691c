"""UCI "default of credit card clients" (Taiwan, Apr–Sep 2005; CC BY 4.0, UCI id 350) as a behaviour panel.

One row per client and month end 2005-04-30 .. 2005-09-30 (the file's columns run Sep → Apr: index 1 = Sep,
6 = Apr). The mapping, per month t:

- ``account_id``: ``tw-`` + ``ID``.
- ``dpd``: ``PAY_t`` (X6..X11): −2 / −1 / 0 → 0; k ≥ 1 → 30·k ("k months late" read as 30·k days at month end).
  The file's −2 (no use), −1 (paid in full) and 0 (revolving) all become dpd 0: that distinction is lost.
- ``limit_minor``: ``LIMIT_BAL`` (X1) × 100, the same in all six months (limit changes are not in the file).
- ``balance_minor``: ``BILL_AMT_t`` (X12..X17) × 100, floored at 0 (a negative bill is a credit balance).
- ``statement_due_minor``: ``BILL_AMT_{t−1}`` × 100, floored at 0: the statement cut at the end of t−1 falls due
  in t; null in April (the March bill is not in the file). The minimum due is not in the file (null).
- ``paid_minor``: ``PAY_AMT_t`` (X18..X23) × 100: paid in month t, read as paid toward the statement of t−1, so
  the row is point in time (September's row does not see October's payment).
- ``spend_minor``: (bill_t − bill_{t−1} + paid_t) × 100, floored at 0; null in April. It includes interest and
  fees, and refunds net out.
- ``payments``: 1 when ``PAY_AMT_t`` > 0, else 0 (the count within a month is not in the file).
- ``last_payment_on``: the month end of the latest month ≤ t with a payment (the day is not known); null
  before the first payment seen.

``min_due_minor``, ``new_plans``, ``payment_source``, ``shock`` and ``other_lenders`` are not in the file (null).
The file's ``Y`` (default payment next month, i.e. October 2005) is returned separately by :func:`taiwan_target`.
SEX (X2), EDUCATION (X3), MARRIAGE (X4) and AGE (X5) are never read: protected or application attributes that a
behaviour panel does not carry.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from creditloop.adapters.files.panel import check_panel
from creditloop.core.errors import ValidationError

FILE_NAME = "uci_taiwan_default.csv"
# Month ends in panel order (Apr → Sep) and the file's column index of each (1 = Sep ... 6 = Apr).
MONTH_ENDS = (date(2005, 4, 30), date(2005, 5, 31), date(2005, 6, 30), date(2005, 7, 31), date(2005, 8, 31),
              date(2005, 9, 30))  # fmt: skip
FILE_INDEX = (6, 5, 4, 3, 2, 1)
_STATUS = {k: f"X{5 + k}" for k in range(1, 7)}  # PAY_0 = X6 (Sep) .. PAY_6 = X11 (Apr)
_BILL = {k: f"X{11 + k}" for k in range(1, 7)}  # BILL_AMT1 = X12 (Sep) .. BILL_AMT6 = X17 (Apr)
_PAID = {k: f"X{17 + k}" for k in range(1, 7)}  # PAY_AMT1 = X18 (Sep) .. PAY_AMT6 = X23 (Apr)
COLUMNS = ("ID", "X1", *_STATUS.values(), *_BILL.values(), *_PAID.values())


def _read(path: str | Path, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
    p = Path(path)
    if not p.is_file():
        raise ValidationError(f"{p}: the UCI Taiwan file is not there", field="path")
    table = pacsv.read_csv(p, convert_options=pacsv.ConvertOptions(include_columns=list(columns)))
    return {c: table[c].to_numpy().astype(np.int64) for c in columns}


def taiwan_panel(path: str | Path) -> pa.Table:
    """The six-month panel of every client (checked like any panel file)."""
    cols = _read(path, COLUMNS)
    n = len(cols["ID"])
    month_cols: dict[str, list[np.ndarray]] = {name: [] for name in ("dpd", "balance", "due", "paid", "spend")}
    last_paid: list[np.ndarray] = []
    latest = np.full(n, -1)  # index into MONTH_ENDS of the latest month with a payment
    for t, k in enumerate(FILE_INDEX):
        bill = cols[_BILL[k]]
        paid = cols[_PAID[k]]
        prev = cols[_BILL[k + 1]] if k < 6 else None
        month_cols["dpd"].append(np.maximum(cols[_STATUS[k]], 0) * 30)
        month_cols["balance"].append(np.maximum(bill, 0) * 100)
        month_cols["due"].append(np.maximum(prev, 0) * 100 if prev is not None else np.full(n, -1))
        month_cols["paid"].append(paid * 100)
        month_cols["spend"].append(np.maximum(bill - prev + paid, 0) * 100 if prev is not None else np.full(n, -1))
        latest = np.where(paid > 0, t, latest)
        last_paid.append(latest.copy())

    # Row order: client by client, months in order (months outermost above, so interleave here).
    def flat(parts: list[np.ndarray]) -> np.ndarray:
        return np.stack(parts, axis=1).reshape(-1)

    ends = np.array(MONTH_ENDS, dtype="datetime64[D]")
    last_idx = flat(last_paid)
    first_month = np.tile(np.arange(6) == 0, n)
    due, spend = flat(month_cols["due"]), flat(month_cols["spend"])
    table = pa.table(
        {
            "account_id": pa.array(np.char.add("tw-", np.repeat(cols["ID"], 6).astype(str))),
            "month_end_on": pa.array(np.tile(ends, n)),
            "dpd": flat(month_cols["dpd"]),
            "limit_minor": np.repeat(cols["X1"] * 100, 6),
            "balance_minor": flat(month_cols["balance"]),
            "statement_due_minor": pa.array(due, mask=first_month),
            "paid_minor": flat(month_cols["paid"]),
            "spend_minor": pa.array(spend, mask=first_month),
            "payments": (flat(month_cols["paid"]) > 0).astype(np.int64),
            "last_payment_on": pa.array(ends[np.maximum(last_idx, 0)], mask=last_idx < 0),
        }
    )
    return check_panel(table, "uci_taiwan")


def taiwan_target(path: str | Path) -> pa.Table:
    """``account_id, default_next_month``: the file's Y (default in October 2005), one row per client."""
    cols = _read(path, ("ID", "Y"))
    return pa.table(
        {
            "account_id": pa.array(np.char.add("tw-", cols["ID"].astype(str))),
            "default_next_month": cols["Y"].astype(np.int8),
        }
    )
