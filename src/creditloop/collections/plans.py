"""Accepted hardship plans: tracking payments against the plan's schedule, the broken-plan rule and the
credit-reporting marks a plan carries (issue 15, item 4; DOMAIN.md §6.2).

Payments count toward the plan in date order, oldest plan payment first (FIFO): plan payment *i* is met once the
payments made since acceptance cover the plan's payments 1..i. An unmet plan payment is *missed* ``grace_days``
after its due date; the plan is broken at ``missed_payments`` missed plan payments, or once its oldest unmet payment
is ``days_late`` days overdue, and completed when everything scheduled is paid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from creditloop.collections.options_policy import BrokenRule, OptionsPolicy
from creditloop.core.dates import add_months

ACTIVE = "active"
COMPLETED = "completed"
BROKEN = "broken"
PLAN_STATES = (ACTIVE, COMPLETED, BROKEN)


@dataclass(frozen=True, slots=True)
class PlanProgress:
    as_of: date
    scheduled_minor: int  # the whole plan
    due_minor: int  # plan payments due on or before as_of
    paid_minor: int  # payments since acceptance, through as_of
    met: int  # plan payments fully covered
    missed: int  # unmet plan payments past their grace
    days_late: int  # days the oldest unmet plan payment is overdue (0 when none is)
    status: str


def track(
    schedule: Sequence[tuple[date, int]], payments: Sequence[tuple[date, int]], as_of: date, rule: BrokenRule
) -> PlanProgress:
    """The plan's state on ``as_of`` from its schedule and the payments made since acceptance."""
    paid = sum(a for d, a in payments if d <= as_of)
    scheduled = sum(a for _, a in schedule)
    cumulative, met, missed, oldest_unmet = 0, 0, 0, None
    due = 0
    for due_on, amount in sorted(schedule):
        cumulative += amount
        if due_on <= as_of:
            due += amount
        if paid >= cumulative:
            met += 1
            continue
        if oldest_unmet is None:
            oldest_unmet = due_on
        if (as_of - due_on).days > rule.grace_days:
            missed += 1
    days_late = 0 if oldest_unmet is None else max(0, (as_of - oldest_unmet).days)
    if paid >= scheduled:
        status = COMPLETED
    elif missed >= rule.missed_payments or days_late >= rule.days_late:
        status = BROKEN
    else:
        status = ACTIVE
    return PlanProgress(as_of, scheduled, due, paid, met, missed, days_late, status)


def granted_marks(
    kind: str, dpd: int, granted_on: date, disaster: bool, policy: OptionsPolicy, dfo_bps: int = 0
) -> dict[str, Any]:
    """How the plan is reported while it runs: Metro 2 Special Comment, China's report, the EU forborne flag.

    EU (DOMAIN.md §4.2.6-7): forborne at or past the non-performing DPD, or a distressed restructuring (the
    diminished financial obligation ``dfo_bps`` over the policy's threshold, 1 %), is non-performing forborne,
    which needs a cure period before the probation; performing forborne starts its probation at once."""
    mark = policy.mark(kind)
    comment = policy.disaster_comment if disaster else mark.metro2_special_comment
    non_performing = dpd >= policy.eu_non_performing_dpd or dfo_bps > policy.eu_dfo_threshold_bps
    cure_ends = add_months(granted_on, policy.eu_cure_months) if non_performing else granted_on
    return {
        "metro2_special_comment": None if comment == "none" else comment,
        "china": mark.china,
        "eu_forborne": "non_performing_forborne" if non_performing else "performing_forborne",
        "eu_probation_ends_on": add_months(cure_ends, policy.eu_probation_months).isoformat(),
        "eu_dfo_bps": dfo_bps,
    }


def diminished_obligation_bps(pv_before_minor: int, pv_after_minor: int) -> int:
    """The EU diminished financial obligation: the fall in present value the plan causes, in bp (rounded down)."""
    if pv_before_minor <= 0:
        return 0
    return max(0, pv_before_minor - pv_after_minor) * 10_000 // pv_before_minor


def broken_marks(marks: dict[str, Any], on: date, policy: OptionsPolicy) -> dict[str, Any]:
    """A broken plan: the special comment ends (the account is reported on its actual status), China reports the
    actual delinquency, and a forborne exposure that re-defaults is non-performing forborne, its clocks restarted."""
    return {
        **marks,
        "metro2_special_comment": None,
        "china": "actual_status",
        "eu_forborne": "non_performing_forborne",
        "eu_probation_ends_on": add_months(on, policy.eu_cure_months + policy.eu_probation_months).isoformat(),
        "broken_on": on.isoformat(),
    }
