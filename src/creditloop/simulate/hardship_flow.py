"""Hardship in the simulator through the production workflow (issue 15): request -> options -> accept -> track.

The outreach files a ``SubmitHardshipRequest`` as an agent on the customer's behalf: the reason is the customer's
ground-truth cause (an individual job loss, the scenario's shock, else ``other``), the income is this month's
simulated income and the expenses are what the simulator's repayment capacity leaves out (living costs and other
lenders' payments), with consent and no free text. ``GenerateHardshipOptions`` ranks the policy's options; the
customer answers the presented ones by the acceptance model below and an agent of the least role with authority
accepts through ``AcceptHardshipOption`` (which restructures through the ``Restructure`` command). Every step is a
bus command, so it is audited like production; plan tracking and the broken-plan rule run at each day-end
(``TrackHardshipPlans``, as ``jobs.day_end_steps`` does).

Acceptance model (an assumption, fixed before measuring): the customer considers only the presented options
(``present_top``) that are affordable under the policy (payment within its share of disposable income) and takes
the first of them with the probability of the old path's ``behaviour.accepts_hardship`` (0.2 + 0.7 x willingness;
0.05 for a strategic defaulter who has walked away). No affordable option: the customer declines.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from creditloop.app import hardship_commands as h
from creditloop.app.bus import MessageBus
from creditloop.app.hardship_handlers import OptionsResult
from creditloop.app.hardship_store import StoredPlan
from creditloop.collections.options import OptionValue
from creditloop.core.errors import DomainError
from creditloop.simulate import behaviour as b
from creditloop.simulate.population import Customer
from creditloop.simulate.scenario import Scenario

PLAN_COLUMNS = ("plan_id", "request_id", "line_id", "option_id", "kind", "accepted_on", "status", "broken_on")


def reason_of(cu: Customer, month: int, scenario: Scenario) -> str:
    """The customer's true cause as a request category (collections.hardship_requests.CATEGORIES)."""
    if cu.job_loss_until >= month:
        return "job_loss_or_pay_cut"
    shock = scenario.shock
    if cu.shock_cut and shock is not None and shock.income_factor(month, Decimal(str(cu.shock_cut))) < 1:
        return "epidemic_or_lockdown" if scenario.name == "pandemic" else "job_loss_or_pay_cut"
    return "other"


def expenses_minor(cu: Customer, income_minor: int) -> int:
    """What the simulator's repayment capacity leaves out of the income: living costs and other debts."""
    return income_minor - b.capacity_minor(cu, income_minor)


def choose(presented: tuple[OptionValue, ...]) -> OptionValue | None:
    """The first presented option that is affordable and within some role's authority."""
    return next((v for v in presented if v.affordable and v.required_role is not None), None)


@dataclass(frozen=True, slots=True)
class Offer:
    """What hardship.parquet records of one outreach."""

    eligible: bool  # at least one option was offered
    accepted: OptionValue | None

    @property
    def periods(self) -> int:
        params: dict[str, Any] = dict(self.accepted.params) if self.accepted else {}
        return int(params.get("periods", params.get("months", 0)) or 0)


class HardshipFlow:
    """The simulator's side of the workflow: files requests, answers offers, runs the day-end tracking."""

    def __init__(self, bus: MessageBus, refused: Counter[str] | Any) -> None:
        self.bus = bus
        self.refused = refused  # the tally's refusal counts (by error code)
        self.counts: Counter[str] = Counter()
        self.active = 0  # plans accepted and not yet broken or completed, as of the last tracking
        self.lines_with_plan: set[str] = set()

    def _send(self, command: object) -> Any:
        try:
            return self.bus.handle(command)
        except DomainError as exc:
            self.refused[exc.code] += 1
            return None

    def offer(
        self, request_id: str, line_id: str, day: date, cu: Customer, income_minor: int, category: str,
        rng: np.random.Generator,
    ) -> Offer | None:  # fmt: skip
        """One outreach; None when the request itself was refused (counted in the tally)."""
        request = h.SubmitHardshipRequest(
            request_id, line_id, day, "agent", category, income_minor, expenses_minor(cu, income_minor), consent=True
        )
        if self._send(request) is None:
            return None
        self.counts["requests"] += 1
        options: OptionsResult | None = self._send(h.GenerateHardshipOptions(request_id, day))
        if options is None or not options.ranked:
            return Offer(False, None)
        self.counts["offered"] += 1
        u = b.accepts_hardship(cu, rng)  # drawn for every offer: the answer stream does not depend on the options
        pick = choose(options.presented)
        if pick is None:
            self.counts["none_affordable"] += 1
            return Offer(True, None)
        if not u:
            self.counts["declined"] += 1
            return Offer(True, None)
        role = pick.required_role
        assert role is not None
        if self._send(h.AcceptHardshipOption(request_id, pick.option_id, role, day)) is None:
            return Offer(True, None)
        self.counts["accepted"] += 1
        self.lines_with_plan.add(line_id)
        self.counts[f"accepted_{pick.kind}"] += 1
        self.active += 1
        return Offer(True, pick)

    def day_end(self, day: date) -> None:
        """The day-end's plan tracking (the broken-plan rule), only while some plan is active."""
        if self.active:
            plans: list[StoredPlan] = self._send(h.TrackHardshipPlans(on=day)) or []
            self.active = sum(1 for p in plans if p.status == "active")

    def plan_rows(self) -> list[dict[str, Any]]:
        store = getattr(self.bus.uow, "hardship", None)
        if store is None:
            return []
        with self.bus.uow:
            plans = store.plans()
        return [{k: getattr(p, k) for k in PLAN_COLUMNS} for p in sorted(plans, key=lambda p: p.plan_id)]

    def summary(self, rows: list[dict[str, Any]]) -> dict[str, int]:
        status = Counter(str(r["status"]) for r in rows)
        return dict(sorted({**self.counts, **{f"plans_{k}": v for k, v in status.items()}}.items()))
