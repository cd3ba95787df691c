"""The behaviour panel: one row per account and month end — the one input every behaviour feature reads.

Every source becomes this shape before features are computed: the ledger (nightly job), a simulation's
``snapshots.parquet`` + ``events.parquet``, and real monthly panels (UCI Taiwan, Credit Card Approval). A source
that lacks a column leaves it null, and the features that read it are null (a scorecard bins them as missing).

Rules a panel must keep (``adapters/files/panel.py`` enforces them on files, naming the column and the rule):
- ``account_id`` and ``month_end_on`` are never null, and each pair appears once;
- an account's months are contiguous: no calendar month is missing between its first and its last row (a gap
  would make "the last three months" silently mean something else);
- amounts are integer minor units (fen / cents), never negative; counts are non-negative integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal["str", "date", "int", "bool"]


@dataclass(frozen=True, slots=True)
class PanelColumn:
    name: str
    kind: ColumnKind
    required: bool
    doc: str


PANEL_COLUMNS: tuple[PanelColumn, ...] = (
    PanelColumn("account_id", "str", True, "the line or card (never a person's identifier)"),
    PanelColumn("month_end_on", "date", True, "the business date the row describes (a month's last day)"),
    PanelColumn("dpd", "int", True, "days past due at month end (0: current)"),
    PanelColumn("limit_minor", "int", False, "credit limit at month end"),
    PanelColumn("balance_minor", "int", False, "balance owed at month end (principal, fees, penalty)"),
    PanelColumn("statement_due_minor", "int", False, "what the statement of the month asked to be paid"),
    PanelColumn("min_due_minor", "int", False, "the minimum payment of that statement"),
    PanelColumn("paid_minor", "int", False, "paid toward that statement by its due date"),
    PanelColumn("spend_minor", "int", False, "purchases in the month"),
    PanelColumn("new_plans", "int", False, "installment plans opened in the month"),
    PanelColumn("payments", "int", False, "number of payments received in the month"),
    PanelColumn("last_payment_on", "date", False, "date of the latest payment up to month end"),
    PanelColumn("payment_source", "str", False, "the source of the month's largest payment (hashed or a label)"),
    PanelColumn("shock", "bool", False, "the account's sector or region is under a declared shock"),
    PanelColumn("other_lenders", "int", False, "lenders the customer borrows from (consortium signal)"),
)
COLUMNS_BY_NAME = {c.name: c for c in PANEL_COLUMNS}
REQUIRED_COLUMNS = tuple(c.name for c in PANEL_COLUMNS if c.required)
