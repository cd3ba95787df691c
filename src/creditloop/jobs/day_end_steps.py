"""What day-end does for each business date after the lines are closed (issue 15): track every active hardship
plan (the broken-plan rule) and settle promises to pay, in the transaction that marks the date DONE."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from creditloop.app.collections_commands import SettlePromises
from creditloop.app.collections_records import settle_promises
from creditloop.app.hardship_commands import TrackHardshipPlans
from creditloop.app.hardship_handlers import track_plans
from creditloop.app.ports import UnitOfWork
from creditloop.jobs.day_end import ClosingStep


class ClosingCounts:
    """The closing steps and what they did: plans by status as of the last date closed; promises kept and broken
    over every date closed, and those still open after the last."""

    def __init__(self, policies: Any) -> None:
        self._policies = policies
        self.plans: Counter[str] = Counter()
        self.promises: Counter[str] = Counter()

    def steps(self) -> tuple[ClosingStep, ...]:
        return (self.track_plans, self.settle_promises)

    def track_plans(self, uow: UnitOfWork, day: date) -> None:
        self.plans = Counter(p.status for p in track_plans(TrackHardshipPlans(on=day), uow, self._policies))

    def settle_promises(self, uow: UnitOfWork, day: date) -> None:
        counts = settle_promises(SettlePromises(on=day), uow, self._policies)
        self.promises.update(kept=counts["kept"], broken=counts["broken"])
        self.promises["open"] = counts["open"]
