"""The hardship request and plan store (issue 15): the port, the stored records and the memory fake.

A request is stored once (a retry with the same content is a no-op); the options offered on it are written once
per generation. A plan is stored when accepted and then only its tracking fields move. The free text is stored
only when the customer consented; nothing here logs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Protocol

from creditloop.app.ports import UnitOfWork
from creditloop.app.staged_memory import StagedMemory
from creditloop.core.errors import NotFound


@dataclass(frozen=True, slots=True)
class StoredRequest:
    request_id: str
    line_id: str
    channel: str  # customer | agent
    stated_category: str
    category: str  # after the classifier (a stated "other" may be refined)
    category_source: str
    vulnerabilities: tuple[str, ...]
    consent: bool
    text: str | None  # only with consent
    lang: str
    monthly_income_minor: int
    monthly_expenses_minor: int
    requested_on: date
    outcome: str  # hardship | routed_dispute | routed_fraud
    options: tuple[dict[str, Any], ...] = field(default=(), compare=False)  # the ranked offer, as shown
    options_on: date | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class StoredPlan:
    plan_id: str  # the Restructure command's request id
    request_id: str
    line_id: str
    option_id: str
    kind: str
    params: dict[str, Any]
    accepted_on: date
    approved_by: str  # the approving role
    concession_minor: int
    schedule: tuple[tuple[date, int], ...]  # the plan payments (due_on, amount)
    marks: dict[str, Any]  # credit-reporting marks (DOMAIN.md §6.2)
    status: str = "active"
    tracked_on: date | None = None
    paid_minor: int = 0
    missed: int = 0
    days_late: int = 0
    broken_on: date | None = None


TRACKING = ("status", "tracked_on", "paid_minor", "missed", "days_late", "broken_on", "marks")


class HardshipStore(Protocol):
    def add_request(self, request: StoredRequest) -> None:
        """Insert-only: the same request again is a no-op, another under its id IdempotencyConflict."""
        ...

    def get_request(self, request_id: str) -> StoredRequest | None: ...

    def requests(self, *, line_id: str | None = None) -> list[StoredRequest]:
        """Every request (or a line's), in request id order."""
        ...

    def set_options(self, request_id: str, options: tuple[dict[str, Any], ...], on: date) -> None: ...

    def add_plan(self, plan: StoredPlan) -> None:
        """Insert-only, as ``add_request``."""
        ...

    def get_plan(self, plan_id: str) -> StoredPlan | None: ...

    def update_plan(self, plan: StoredPlan) -> None:
        """Write the tracking fields (``TRACKING``) of a stored plan."""
        ...

    def plans(
        self, *, status: str | None = None, line_id: str | None = None, after: str | None = None,
        limit: int | None = None,
    ) -> list[StoredPlan]:  # fmt: skip
        """Plans by plan id, optionally of one status or line; ``after`` (a plan id) and ``limit`` page them."""
        ...

    def awaiting_approval(self, *, after: str | None = None, limit: int | None = None) -> list[StoredRequest]:
        """Requests with options and no plan accepted yet, by request id, a page at a time (keyset)."""
        ...


class HardshipUnitOfWork(UnitOfWork, Protocol):
    @property
    def hardship(self) -> HardshipStore: ...


def same_request(a: StoredRequest, b: StoredRequest) -> bool:
    return a == b  # options are excluded from equality


def same_plan(a: StoredPlan, b: StoredPlan) -> bool:
    keys = ("request_id", "line_id", "option_id", "kind", "params", "accepted_on", "approved_by")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


class MemoryHardshipStore(StagedMemory):
    """The fake: writes are staged until commit and dropped on rollback, like the SQL store's."""

    def __init__(self) -> None:
        super().__init__()
        self._requests: dict[str, StoredRequest] = {}
        self._plans: dict[str, StoredPlan] = {}

    def add_request(self, request: StoredRequest) -> None:
        self._add_once(self._requests, request.request_id, request, "hardship request", same_request)

    def get_request(self, request_id: str) -> StoredRequest | None:
        return self._requests.get(request_id)

    def requests(self, *, line_id: str | None = None) -> list[StoredRequest]:
        found = (r for r in self._requests.values() if line_id is None or r.line_id == line_id)
        return sorted(found, key=lambda r: r.request_id)

    def set_options(self, request_id: str, options: tuple[dict[str, Any], ...], on: date) -> None:
        known = self._requests.get(request_id)
        if known is None:
            raise NotFound(f"no hardship request {request_id!r}", field="request_id")
        self._stage(self._requests, request_id)
        self._requests[request_id] = replace(known, options=options, options_on=on)

    def add_plan(self, plan: StoredPlan) -> None:
        self._add_once(self._plans, plan.plan_id, plan, "plan", same_plan)

    def get_plan(self, plan_id: str) -> StoredPlan | None:
        return self._plans.get(plan_id)

    def update_plan(self, plan: StoredPlan) -> None:
        missing = NotFound(f"plan {plan.plan_id!r} is not stored", field="plan_id")
        self._update(self._plans, plan.plan_id, plan, TRACKING, missing)

    def plans(
        self, *, status: str | None = None, line_id: str | None = None, after: str | None = None,
        limit: int | None = None,
    ) -> list[StoredPlan]:  # fmt: skip
        found = (
            p
            for p in self._plans.values()
            if status in (None, p.status) and line_id in (None, p.line_id) and (after is None or p.plan_id > after)
        )
        return sorted(found, key=lambda p: p.plan_id)[:limit]

    def awaiting_approval(self, *, after: str | None = None, limit: int | None = None) -> list[StoredRequest]:
        accepted = {p.request_id for p in self._plans.values()}
        found = (
            r
            for r in self._requests.values()
            if r.options and r.request_id not in accepted and (after is None or r.request_id > after)
        )
        return sorted(found, key=lambda r: r.request_id)[:limit]
