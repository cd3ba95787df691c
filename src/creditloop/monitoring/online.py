"""The online engine of the behaviour features: one account's state, updated on each event, asked for its latest
features by the reference evaluator (``monitoring/features.py``) — the same values the nightly batch computes
in SQL (``adapters/warehouse/behaviour_sql.py``) on the panel those events make (a test holds them equal).

The state keeps the account's last ``fs.history_months`` closed months (panel rows), the values of the
features that read all history (``first_where``, once found; ``streak`` without ``months``), and the open
month's accumulators. The closed months' derived columns (``derive_rows``) are kept too: only a month end
changes them, so an event costs the feature aggregates, not the derivation. Events fold into the open month;
``month_end`` closes it into a panel row:

- ``purchase(amount_minor, on)``: ``spend_minor`` += amount;
- ``plan_opened(on)``: ``new_plans`` += 1;
- ``payment(amount_minor, on, source)``: ``paid_minor`` += amount, ``payments`` += 1, ``last_payment_on`` = on,
  ``payment_source`` = the source of the month's largest payment (the first on a tie);
- ``statement(due_minor, min_due_minor, on)``: ``statement_due_minor``, ``min_due_minor`` (the month's latest;
  ``min_due_minor`` None for a product without a minimum payment);
- ``month_end(on, dpd, balance_minor, limit_minor, shock=, other_lenders=)``: closes the month as the row of
  ``month_end_on`` = on, with the rest as given.

A month without a purchase has ``spend_minor`` 0; without a payment ``paid_minor`` and ``payments`` 0 and
``payment_source`` null (``last_payment_on`` carries the previous month's); without a statement both statement
columns are null. Payments of the month count toward its statement (the panel's ``paid_minor``). Months must
be contiguous (``month_end`` refuses a skipped month) and events are not back-dated into a closed month.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from creditloop.core.errors import ValidationError
from creditloop.monitoring.features import Feature, FeatureSet, derive_rows, feature_value
from creditloop.monitoring.panel import COLUMNS_BY_NAME

Row = dict[str, Any]


def _amount(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(f"{field} must be a non-negative integer amount in minor units", field=field)
    return value


def _next_month(on: date) -> tuple[int, int]:
    return (on.year + on.month // 12, on.month % 12 + 1)


class AccountState:
    """One account's behaviour state for a feature set: fold events, close months, ask for features."""

    def __init__(self, account_id: str, fs: FeatureSet) -> None:
        self.account_id = account_id
        self.fs = fs
        self.rows: list[Row] = []  # the last history_months closed months, oldest first
        self._derived: list[Row] = []  # the same rows with the feature set's derived columns
        self.found: dict[str, float | None] = {}  # first_where features whose row has come
        self.streaks: dict[str, int] = {f.name: 0 for f in fs.features if f.agg == "streak" and f.months is None}
        self.open: Row = {}
        self._keep = fs.history_months
        self._first = [f for f in fs.features if f.agg == "first_where"]
        self._reset_open()

    def _reset_open(self) -> None:
        self.open = {"spend_minor": 0, "new_plans": 0, "paid_minor": 0, "payments": 0, "largest_payment": -1}

    def _check_on(self, on: date) -> None:
        if self.rows and on <= self.rows[-1]["month_end_on"]:
            raise ValidationError(f"an event on {on} falls in a month already closed", field="on")

    # ------------------------------------------------------------------------------------------- events

    def purchase(self, amount_minor: int, on: date) -> None:
        self._check_on(on)
        self.open["spend_minor"] += _amount(amount_minor, "amount_minor")

    def plan_opened(self, on: date) -> None:
        self._check_on(on)
        self.open["new_plans"] += 1

    def payment(self, amount_minor: int, on: date, source: str | None) -> None:
        self._check_on(on)
        amount = _amount(amount_minor, "amount_minor")
        self.open["paid_minor"] += amount
        self.open["payments"] += 1
        self.open["last_payment_on"] = max(on, self.open.get("last_payment_on") or on)
        if amount > self.open["largest_payment"]:
            self.open["largest_payment"], self.open["payment_source"] = amount, source

    def statement(self, due_minor: int, min_due_minor: int | None, on: date) -> None:
        """``min_due_minor`` None: a product without a minimum payment (the panel's null)."""
        self._check_on(on)
        self.open["statement_due_minor"] = _amount(due_minor, "due_minor")
        self.open["min_due_minor"] = None if min_due_minor is None else _amount(min_due_minor, "min_due_minor")

    def month_end(
        self,
        on: date,
        dpd: int,
        balance_minor: int | None,
        limit_minor: int | None,
        *,
        shock: bool | None = None,
        other_lenders: int | None = None,
    ) -> Row:
        """Close the open month as the panel row of ``on`` and return that row."""
        if self.rows:
            last = self.rows[-1]["month_end_on"]
            if (on.year, on.month) != _next_month(last):
                raise ValidationError(f"month_end {on}: the month after {last} is missing", field="month_end_on")
        if isinstance(dpd, bool) or not isinstance(dpd, int) or dpd < 0:
            raise ValidationError("dpd must be a non-negative integer", field="dpd")
        o = self.open
        row: Row = {
            "account_id": self.account_id,
            "month_end_on": on,
            "dpd": dpd,
            "limit_minor": None if limit_minor is None else _amount(limit_minor, "limit_minor"),
            "balance_minor": None if balance_minor is None else _amount(balance_minor, "balance_minor"),
            "statement_due_minor": o.get("statement_due_minor"),
            "min_due_minor": o.get("min_due_minor"),
            "paid_minor": o["paid_minor"],
            "spend_minor": o["spend_minor"],
            "new_plans": o["new_plans"],
            "payments": o["payments"],
            "last_payment_on": o.get("last_payment_on") or (self.rows[-1]["last_payment_on"] if self.rows else None),
            "payment_source": o.get("payment_source"),
            "shock": shock,
            "other_lenders": other_lenders,
        }
        self.rows.append(row)
        self._derived = derive_rows(self.rows, self.fs)  # only a closed month changes them: kept between events
        self._carry()
        del self.rows[: -self._keep]
        del self._derived[: -self._keep]
        self._reset_open()
        return dict(row)

    def _carry(self) -> None:
        """Update the features that read all history, from the newest row."""
        derived = self._derived
        t = len(derived) - 1
        for f in self._first:
            if f.name not in self.found and _holds(f.where, derived, t):
                self.found[f.name] = feature_value(Feature(f.name, "latest", f.expr), derived, t)
        for name in self.streaks:
            holds = _holds(self.fs.feature(name).expr, derived, t)
            self.streaks[name] = self.streaks[name] + 1 if holds else 0

    # ----------------------------------------------------------------------------------------- features

    def features(self) -> dict[str, float | None]:
        """Every feature as of the last closed month (all None before the first month closes)."""
        if not self.rows:
            return dict.fromkeys(self.fs.names)
        t = len(self._derived) - 1
        values = {f.name: feature_value(f, self._derived, t) for f in self.fs.features}
        for f in self._first:
            values[f.name] = self.found.get(f.name)
        for name, n in self.streaks.items():
            values[name] = float(n)
        return values

    # ------------------------------------------------------------------------------------------- storage

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready document (dates as ISO text) a service can keep in a table."""
        return {
            "account_id": self.account_id,
            "feature_set": f"{self.fs.feature_set_id}@{self.fs.version}",
            "rows": [{k: _out(v) for k, v in r.items()} for r in self.rows],
            "found": dict(self.found),
            "streaks": dict(self.streaks),
            "open": {k: _out(v) for k, v in self.open.items()},
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any], fs: FeatureSet) -> AccountState:
        want = f"{fs.feature_set_id}@{fs.version}"
        if doc.get("feature_set") != want:
            raise ValidationError(f"state of {doc.get('feature_set')!r}, not {want!r}", field="feature_set")
        state = cls(str(doc["account_id"]), fs)
        state.rows = [{k: _in(k, v) for k, v in r.items()} for r in doc["rows"]]
        state._derived = derive_rows(state.rows, fs)
        state.found = dict(doc["found"])
        state.streaks.update(doc["streaks"])
        state.open = {k: _in(k, v) for k, v in doc["open"].items()}
        return state


def _holds(expr: Any, derived: list[dict[str, Any]], t: int) -> bool:
    """Python's ``v is True`` of ``expr`` at row t (``and`` of one argument is exactly that)."""
    return feature_value(Feature("_", "latest", {"op": "and", "args": [expr]}), derived, t) == 1.0


def _out(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def _in(name: str, value: object) -> object:
    column = COLUMNS_BY_NAME.get(name)
    if value is not None and column is not None and column.kind == "date":
        return date.fromisoformat(str(value))
    return value


__all__ = ["AccountState"]
