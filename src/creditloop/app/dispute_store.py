"""The credit-dispute store (issue 16): disputes on reported items and the customers' explanatory statements
(个人声明, Art. 16) — the port, the records and the memory fake.

A dispute is inserted once (a retry with the same content is a no-op) and then only its closing fields move. The
claim text is stored only with the customer's consent and never logged; a statement is text the customer asked to
have shown on their report.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from creditloop.app.ports import UnitOfWork
from creditloop.app.staged_memory import StagedMemory
from creditloop.core.errors import NotFound
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


class MemoryDisputeStore(StagedMemory):
    """The fake: writes are staged until commit and dropped on rollback, like the SQL store's."""

    def __init__(self) -> None:
        super().__init__()
        self._disputes: dict[str, CreditDispute] = {}
        self._statements: dict[str, CreditStatement] = {}

    def add(self, dispute: CreditDispute) -> None:
        self._add_once(self._disputes, dispute.dispute_id, dispute, "dispute", operator.eq)

    def get(self, dispute_id: str) -> CreditDispute | None:
        return self._disputes.get(dispute_id)

    def close(self, dispute: CreditDispute) -> None:
        missing = NotFound(f"no dispute {dispute.dispute_id!r}", field="dispute_id")
        self._update(self._disputes, dispute.dispute_id, dispute, CLOSING, missing)

    def disputes(self, *, line_id: str | None = None, customer_id: str | None = None) -> list[CreditDispute]:
        found = (
            d
            for d in self._disputes.values()
            if (line_id is None or d.line_id == line_id) and (customer_id is None or d.customer_id == customer_id)
        )
        return sorted(found, key=lambda d: d.dispute_id)

    def add_statement(self, statement: CreditStatement) -> None:
        self._add_once(self._statements, statement.statement_id, statement, "statement", operator.eq)

    def statements(self, customer_id: str) -> list[CreditStatement]:
        found = (s for s in self._statements.values() if s.customer_id == customer_id)
        return sorted(found, key=lambda s: (s.added_on, s.statement_id))
