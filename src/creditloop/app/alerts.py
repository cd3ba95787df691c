"""The early-warning alert store (issue 14): the port, the stored alert and the memory fake.

An alert is stored once when raised and then only moves along its lifecycle (``monitoring.alert_rules.AlertCase``:
open → actioned → closed with an outcome). De-duplication and cool-down read the store: the rules see, per line and
rule, the last raising date and whether an alert is still open (``rule_states``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Protocol

from creditloop.app.ports import UnitOfWork
from creditloop.core.errors import IdempotencyConflict, NotFound
from creditloop.monitoring.alert_rules import AlertCase, AlertOutcome, AlertStatus, RuleState


@dataclass(frozen=True, slots=True)
class StoredAlert:
    alert_id: str
    line_id: str
    rule_id: str
    rule_set_id: str
    rule_set_version: str
    raised_on: date
    severity: str
    reasons: tuple[str, ...]
    features: Mapping[str, float | None] = field(hash=False)  # the indicators as of raising (numbers only)
    score: float | None = None  # the behaviour score's PD when a model was given
    status: str = AlertStatus.OPEN.value
    actioned_on: date | None = None
    action: str | None = None
    closed_on: date | None = None
    outcome: str | None = None

    def case(self) -> AlertCase:
        return AlertCase(
            self.alert_id, self.line_id, self.rule_id, self.raised_on, AlertStatus(self.status), self.actioned_on,
            self.action, self.closed_on, None if self.outcome is None else AlertOutcome(self.outcome),
        )  # fmt: skip

    def moved(self, case: AlertCase) -> StoredAlert:
        """This alert with the lifecycle fields of ``case`` (the transition was checked by ``AlertCase``)."""
        return replace(
            self, status=case.status.value, actioned_on=case.actioned_on, action=case.action, closed_on=case.closed_on,
            outcome=None if case.outcome is None else case.outcome.value,
        )  # fmt: skip

    @property
    def is_closed(self) -> bool:
        return self.status == AlertStatus.CLOSED.value


@dataclass(frozen=True, slots=True)
class AlertQuery:
    line_id: str | None = None
    status: str | None = None
    after: str | None = None
    limit: int | None = None

    def admits(self, a: StoredAlert) -> bool:
        """The filter (not the limit), for the memory store."""
        of_scope = a.line_id == self.line_id if self.line_id is not None else not a.is_closed
        return of_scope and self.status in (None, a.status) and (self.after is None or a.alert_id > self.after)


class AlertStore(Protocol):
    def add(self, alert: StoredAlert) -> None:
        """Store a raised alert; the same alert again is a no-op, another under its id IdempotencyConflict."""
        ...

    def update(self, alert: StoredAlert) -> None:
        """Write the lifecycle fields of a stored alert (NotFound when it was never added)."""
        ...

    def get(self, alert_id: str) -> StoredAlert | None: ...

    def for_line(self, line_id: str) -> list[StoredAlert]:
        """Every alert of a line, by (raised_on, alert_id)."""
        ...

    def unclosed(self) -> list[StoredAlert]:
        """Open and actioned alerts, by (line_id, raised_on, alert_id)."""
        ...

    def raised_between(self, first: date, last: date) -> list[StoredAlert]:
        """Alerts raised on ``first`` .. ``last`` (inclusive), whatever their status, by (raised_on, alert_id)."""
        ...

    def listed(self, query: AlertQuery) -> list[StoredAlert]:
        """One page of the API's list, by alert_id: the line's alerts (``line_id``) or the unclosed ones, of
        ``status`` if given, with alert_id > ``after``, at most ``limit`` (the store's own LIMIT)."""
        ...


class AlertingUnitOfWork(UnitOfWork, Protocol):
    """A unit of work with the alert store (the memory and SQL units of work)."""

    @property
    def alerts(self) -> AlertStore: ...


def rule_states(alerts: Iterable[StoredAlert]) -> dict[str, RuleState]:
    """Per rule: its last raising date and whether one of its alerts is still open (not closed)."""
    out: dict[str, RuleState] = {}
    for a in alerts:
        prior = out.get(a.rule_id, RuleState())
        last = a.raised_on if prior.last_raised_on is None else max(prior.last_raised_on, a.raised_on)
        out[a.rule_id] = RuleState(last, prior.open or not a.is_closed)
    return out


def _same_raising(a: StoredAlert, b: StoredAlert) -> bool:
    keys = ("line_id", "rule_id", "rule_set_id", "rule_set_version", "raised_on", "severity", "reasons")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


class MemoryAlertStore:
    """The fake: writes are staged until commit and dropped on rollback, like the SQL store's."""

    def __init__(self) -> None:
        self._items: dict[str, StoredAlert] = {}
        self._before: dict[str, StoredAlert | None] = {}  # alert id -> committed value (None: new)

    def add(self, alert: StoredAlert) -> None:
        known = self._items.get(alert.alert_id)
        if known is not None:
            if not _same_raising(known, alert):
                raise IdempotencyConflict(f"alert {alert.alert_id!r} is already stored with another raising")
            return
        self._before.setdefault(alert.alert_id, None)
        self._items[alert.alert_id] = alert

    def update(self, alert: StoredAlert) -> None:
        known = self._items.get(alert.alert_id)
        if known is None:
            raise NotFound(f"alert {alert.alert_id!r} is not stored", field="alert_id")
        self._before.setdefault(alert.alert_id, known)
        self._items[alert.alert_id] = alert

    def publish(self) -> None:
        self._before.clear()

    def discard(self) -> None:
        for alert_id, before in self._before.items():
            if before is None:
                del self._items[alert_id]
            else:
                self._items[alert_id] = before
        self._before.clear()

    def get(self, alert_id: str) -> StoredAlert | None:
        return self._items.get(alert_id)

    def for_line(self, line_id: str) -> list[StoredAlert]:
        found = (a for a in self._items.values() if a.line_id == line_id)
        return sorted(found, key=lambda a: (a.raised_on, a.alert_id))

    def unclosed(self) -> list[StoredAlert]:
        found = (a for a in self._items.values() if not a.is_closed)
        return sorted(found, key=lambda a: (a.line_id, a.raised_on, a.alert_id))

    def raised_between(self, first: date, last: date) -> list[StoredAlert]:
        found = (a for a in self._items.values() if first <= a.raised_on <= last)
        return sorted(found, key=lambda a: (a.raised_on, a.alert_id))

    def listed(self, query: AlertQuery) -> list[StoredAlert]:
        return sorted((a for a in self._items.values() if query.admits(a)), key=lambda a: a.alert_id)[: query.limit]
