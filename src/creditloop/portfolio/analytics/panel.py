"""The per-account monthly state every analytic starts from (one row per line and month end).

Input columns (``snapshots.parquet`` of a simulation has them all; the ledger's stored monthly panel will be
mapped onto them): ``line_id``, ``month_end_on`` (date), ``vintage`` (``YYYY-MM`` of opening), ``mob`` (months on
book, 1 in the opening month), ``status`` (``ACTIVE``/``FROZEN``/``CHARGED_OFF``/``CLOSED``), ``dpd``,
``balance_minor``, ``charged_off_minor`` (the charged-off amount still owed), ``statement_due_minor``.

What :func:`monthly_state` adds, all from one line's own rows:

- ``state``: ``M0``..``M7`` (China M-buckets from DPD), ``CO`` once charged off, ``CL`` once closed;
  ``state_index`` 0..7, 8 (CO), 9 (CL); ``severity`` the same but CL = 0 (a closed line is not delinquent);
- ``exposure_minor``: what the line owes in that state, the balance, or the charged-off amount once charged off;
- ``worst_severity``: the worst severity so far (ever 30+ is ``>= 2``: M2 is 31-60 DPD, as in ``metrics.py``);
- ``next_*``: the same line one calendar month later (null when there is no such row: the last month observed);
- ``gross_charge_off_minor``: the charged-off amount in the month a line is first seen charged off, else 0
  (a recovery inside that same month is already netted: month ends are all the panel knows);
- ``recovered_minor``: the fall of the charged-off amount from the previous month end, else 0.

ECL reuses this table (per-account state and exposure by month) and the transition counts built on it.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from creditloop.portfolio.metrics import CHARGED_OFF, CLOSED, ROLL_STATES

REQUIRED_COLUMNS: tuple[str, ...] = (
    "line_id",
    "month_end_on",
    "vintage",
    "mob",
    "status",
    "dpd",
    "balance_minor",
    "charged_off_minor",
    "statement_due_minor",
)
CO_INDEX = ROLL_STATES.index(CHARGED_OFF)  # 8
CL_INDEX = ROLL_STATES.index(CLOSED)  # 9
OPEN_MAX_INDEX = CO_INDEX - 1  # M7
# Carried through when present (ECL's exposure at default needs the undrawn limit; staging reads the PDs and the
# past-due amount); every other column is dropped before the window functions so the engines sort only what the
# analytics use.
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "limit_minor",
    "customer_id",
    "past_due_minor",
    "pd",
    "pd_at_origination",
    "restructured",
    "unlikely_to_pay",
)
# Ever 30+ / 60+ / 90+ as the worst severity reached: M2 (31-60 DPD), M3, M4; a charge-off (8) counts in all.
EVER_THRESHOLDS: dict[str, int] = {"ever30": 2, "ever60": 3, "ever90": 4}


class AnalyticsInputError(ValueError):
    """The panel handed to the analytics lacks a column they need (named in the message)."""


def check_columns(table: ir.Table) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise AnalyticsInputError(f"snapshots: missing column(s) {', '.join(missing)} (rule: the panel needs them)")


def _bucket_index(dpd: ir.IntegerValue) -> ir.IntegerValue:
    """0 for current, k for DPD in (30(k-1), 30k], 7 for 181 and over (servicing/delinquency.bucket_index)."""
    cases = [(dpd <= 0, 0)] + [(dpd <= 30 * k, k) for k in range(1, OPEN_MAX_INDEX)]
    return ibis.cases(*cases, else_=OPEN_MAX_INDEX).cast("int64")


def month_number(day: ir.DateValue) -> ir.IntegerValue:
    """Months since year 0: consecutive calendar months differ by exactly 1 on every engine."""
    return (day.year() * 12 + day.month()).cast("int64")


def state_label(index: ir.IntegerValue) -> ir.StringValue:
    return ibis.cases(*[(index == i, name) for i, name in enumerate(ROLL_STATES)], else_=ibis.null("string"))


def monthly_state(table: ir.Table) -> ir.Table:
    """The panel with state, exposure, worst-so-far, next-month state and the month's charge-off and recovery."""
    check_columns(table)
    table = table.select(*REQUIRED_COLUMNS, *(c for c in OPTIONAL_COLUMNS if c in table.columns))
    t = table.mutate(
        month_no=month_number(table.month_end_on),
        state_index=ibis.cases(
            (table.status == "CHARGED_OFF", CO_INDEX),
            (table.status == "CLOSED", CL_INDEX),
            else_=_bucket_index(table.dpd),
        ).cast("int64"),
        exposure_minor=ibis.ifelse(table.status == "CHARGED_OFF", table.charged_off_minor, table.balance_minor).cast(
            "int64"
        ),
    )
    t = t.mutate(severity=ibis.ifelse(t.state_index == CL_INDEX, 0, t.state_index).cast("int64"))
    line = ibis.window(group_by="line_id", order_by="month_no")
    so_far = ibis.cumulative_window(group_by="line_id", order_by="month_no")
    t = t.mutate(
        worst_severity=t.severity.max().over(so_far),
        _next_no=t.month_no.lead().over(line),
        _next_index=t.state_index.lead().over(line),
        _next_exposure=t.exposure_minor.lead().over(line),
        _prev_no=t.month_no.lag().over(line),
        _prev_index=t.state_index.lag().over(line),
        _prev_co=t.charged_off_minor.lag().over(line),
    )
    follows = t._next_no == t.month_no + 1
    after = t._prev_no == t.month_no - 1
    charged_off = t.state_index == CO_INDEX
    was_charged_off = after & (t._prev_index == CO_INDEX)
    t = t.mutate(
        next_state_index=ibis.ifelse(follows, t._next_index, ibis.null("int64")),
        next_exposure_minor=ibis.ifelse(follows, t._next_exposure, ibis.null("int64")),
        gross_charge_off_minor=ibis.ifelse(
            charged_off & ~was_charged_off.fill_null(False), t.charged_off_minor, 0
        ).cast("int64"),
        recovered_minor=ibis.ifelse(
            charged_off & was_charged_off.fill_null(False) & (t._prev_co > t.charged_off_minor),
            t._prev_co - t.charged_off_minor,
            0,
        ).cast("int64"),
    )
    t = t.mutate(
        state=state_label(t.state_index),
        next_state=state_label(t.next_state_index),
        next_severity=ibis.ifelse(t.next_state_index == CL_INDEX, 0, t.next_state_index),
    )
    return t.drop("_next_no", "_next_index", "_next_exposure", "_prev_no", "_prev_index", "_prev_co")


def rate(numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.FloatingValue:
    """``numerator / denominator`` as float64, null for a zero denominator (no lines is not a 0 % rate)."""
    den = denominator.cast("float64")
    return ibis.ifelse(denominator == 0, ibis.null("float64"), numerator.cast("float64") / den)


def indicator(condition: ir.BooleanValue) -> ir.IntegerValue:
    """1 where ``condition`` holds, else 0 (null counts as 0), for counting with ``sum``."""
    return ibis.ifelse(condition.fill_null(False), 1, 0).cast("int64")
