"""The credit-dispute store (issue 16): disputes on reported items and the customers' explanatory statements
(个人声明, Art. 16) — the port, the records and the memory fake.

A dispute is inserted once (a retry with the same content is a no-op) and then only its closing fields move. The
claim text is stored only with the customer's consent and never logged; a statement is text the customer asked to
have shown on their report.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Protocol

from creditloop.app.ports import UnitOfWork
from creditloop.core.errors import IdempotencyConflict, NotFound
from creditloop.reporting.disputes import Correction


@dataclass(frozen=True, slots=True)
class CreditDispute:
    dispute_id: str
    line_id: str
    customer_id: str
    months: tuple[str, ...]  # 'YYYY-MM', ascending
    field: str  # status | balance | overdue
    channel: str  # customer | agent
    jurisdiction: str
    filed_on: date
    due_on: date  # the investigation's deadline (filed_on + the jurisdiction's days)
    consent: bool
    claim: str | None  # only with consent
    lang: str
    holds_collections: bool  # it disputes what is owed now: collection contact is held while it is open
    status: str = "open"  # open | closed
    outcome: str | None = None
    closed_on: date | None = None
    corrected_value: str | None = None

    def open_on(self, day: date) -> bool:
        """Open at the end of ``day``."""
        return self.filed_on <= day and (self.closed_on is None or self.closed_on > day)

    def days_left(self, day: date) -> int | None:
        """Days to the investigation deadline as of ``day`` (negative: overdue); None once closed."""
        return None if self.status != "open" else (self.due_on - day).days

    def overdue_on(self, day: date) -> bool:
        """Still open after its deadline day."""
        left = self.days_left(day)
        return left is not None and left < 0

    def corrections(self) -> tuple[Correction, ...]:
        if self.outcome != "corrected" or self.corrected_value is None or self.closed_on is None:
            return ()
        return tuple(
            Correction(self.dispute_id, self.line_id, m, self.field, self.corrected_value, self.closed_on)
            for m in self.months
        )


@dataclass(frozen=True, slots=True)
class CreditStatement:
    statement_id: str
    customer_id: str
    line_id: str | None  # None: about the whole report
    text: str
    lang: str
    added_on: date


CLOSING = ("status", "outcome", "closed_on", "corrected_value")


class DisputeStore(Protocol):
    def add(self, dispute: CreditDispute) -> None:
        """Insert-only: the same dispute again is a no-op, another under its id IdempotencyConflict."""
        ...

    def get(self, dispute_id: str) -> CreditDispute | None: ...

    def close(self, dispute: CreditDispute) -> None:
        """Write the closing fields (``CLOSING``) of a stored dispute."""
        ...

    def disputes(self, *, line_id: str | None = None, customer_id: str | None = None) -> list[CreditDispute]:
        """By dispute id, optionally of one line or customer."""
        ...

    def add_statement(self, statement: CreditStatement) -> None:
        """Insert-only, as ``add``."""
        ...

    def statements(self, customer_id: str) -> list[CreditStatement]: ...


def dispute_store(uow: UnitOfWork) -> DisputeStore:
    store = getattr(uow, "credit_disputes", None)
    if store is None:
        raise TypeError(f"{type(uow).__name__} has no credit-dispute store")
    return store  # type: ignore[no-any-return]


class MemoryDisputeStore:
    """The fake: writes are staged until commit and dropped on rollback, like the SQL store's."""

    def __init__(self) -> None:
        self._disputes: dict[str, CreditDispute] = {}
        self._statements: dict[str, CreditStatement] = {}
        self._before: list[tuple[dict[str, Any], str, Any]] = []

    def _stage(self, items: dict[str, Any], key: str) -> None:
        self._before.append((items, key, items.get(key)))

    def add(self, dispute: CreditDispute) -> None:
        known = self._disputes.get(dispute.dispute_id)
        if known is not None:
            if known != dispute:
                raise IdempotencyConflict(f"dispute {dispute.dispute_id!r} is stored with another content")
            return
        self._stage(self._disputes, dispute.dispute_id)
        self._disputes[dispute.dispute_id] = dispute

    def get(self, dispute_id: str) -> CreditDispute | None:
        return self._disputes.get(dispute_id)

    def close(self, dispute: CreditDispute) -> None:
        known = self._disputes.get(dispute.dispute_id)
        if known is None:
            raise NotFound(f"no dispute {dispute.dispute_id!r}", field="dispute_id")
        self._stage(self._disputes, dispute.dispute_id)
        self._disputes[dispute.dispute_id] = replace(known, **{k: getattr(dispute, k) for k in CLOSING})

    def disputes(self, *, line_id: str | None = None, customer_id: str | None = None) -> list[CreditDispute]:
        found = (
            d
            for d in self._disputes.values()
            if (line_id is None or d.line_id == line_id) and (customer_id is None or d.customer_id == customer_id)
        )
        return sorted(found, key=lambda d: d.dispute_id)

    def add_statement(self, statement: CreditStatement) -> None:
        known = self._statements.get(statement.statement_id)
        if known is not None:
            if known != statement:
                raise IdempotencyConflict(f"statement {statement.statement_id!r} is stored with another content")
            return
        self._stage(self._statements, statement.statement_id)
        self._statements[statement.statement_id] = statement

    def statements(self, customer_id: str) -> list[CreditStatement]:
        found = (s for s in self._statements.values() if s.customer_id == customer_id)
        return sorted(found, key=lambda s: (s.added_on, s.statement_id))

    def publish(self) -> None:
        self._before.clear()

    def discard(self) -> None:
        for items, key, before in reversed(self._before):
            if before is None:
                items.pop(key, None)
            else:
                items[key] = before
        self._before.clear()
