"""The ``forborne`` mark from hardship plan records (issue 16, item 1's special marks; DOMAIN.md §6.2).

A hardship plan (``app.hardship_store.StoredPlan``) is a forbearance measure: the line is reported ``forborne``
(Metro 2 CP) in every month whose end falls on or after the day the plan was accepted and before its forborne
status ends. The status ends with the EU probation the plan's marks carry (``eu_probation_ends_on``, set when the
plan is granted: the cure period, when non-performing, then the probation; restarted when the plan breaks — a
forborne exposure that re-defaults stays forborne, ``collections.plans.broken_marks``). A plan without that date
keeps the mark while it is active. The ``restructured`` mark still comes from the Restructure command on the line's
log (``app.furnishing.marks_at``); a plan adds ``forborne`` beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from creditloop.app.hardship_store import StoredPlan


def forborne_on(plan: StoredPlan, day: date) -> bool:
    """Whether ``plan`` makes the line forborne at month end ``day``."""
    if plan.accepted_on > day:
        return False
    ends = plan.marks.get("eu_probation_ends_on")
    if ends is None:
        return plan.status == "active"
    return day < date.fromisoformat(str(ends))


def forborne(plans: Iterable[StoredPlan], day: date) -> bool:
    return any(forborne_on(p, day) for p in plans)


def plans_of(uow: Any, line_id: str) -> list[StoredPlan]:
    """The line's stored hardship plans; none when the unit of work has no hardship store."""
    store = getattr(uow, "hardship", None)
    return [] if store is None else list(store.plans(line_id=line_id))
