"""Ports of the service layer: repositories and the unit of work. Adapters implement them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from creditloop.ledger.accounts import Account
from creditloop.ledger.entries import JournalEntry
from creditloop.servicing.credit_line import CreditLine


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One automated decision: what went in (hashed, no personal data), which policy, what came out, why."""

    decision_id: str
    kind: str  # origination | hardship | alert
    subject_id: str
    decided_on: date
    policy_id: str
    policy_version: str
    inputs_hash: str
    outcome: str
    reasons: tuple[str, ...]
    trace: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class DayEndRecord:
    business_date: date
    status: str  # RUNNING | DONE
    lines_closed: int


@dataclass(frozen=True, slots=True)
class ReconciliationRecord:
    business_date: date
    trial_balance_minor: int  # sum of all signed account balances: must be 0
    control: dict[str, int]  # control account -> journal balance
    sub_ledger: dict[str, int]  # control account -> sum of line balances from state
    ok: bool


class LineRepository(Protocol):
    def add(self, line: CreditLine) -> None: ...

    def get(self, line_id: str) -> CreditLine:
        """The line, or NotFound."""
        ...

    def ids(self) -> list[str]: ...

    def __iter__(self) -> Iterator[CreditLine]: ...

    def load_many(self, line_ids: Sequence[str]) -> None:
        """Bring many lines into the unit of work at once (a batch job's chunk)."""
        ...

    def due_for_day_end(self, day: date, limit: int | None = None, after: str | None = None) -> list[str]:
        """Ids of the lines whose day-end on ``day`` would change something (``next_action_on <= day``), in
        id order; ``limit`` and ``after`` (the last id already seen) page through them."""
        ...

    def sub_ledger_totals(self) -> dict[Account, int]:
        """Sum over all lines of their own balances per control account, as the journal signs them."""
        ...


class JournalWriter(Protocol):
    def append(self, entries: Iterable[JournalEntry]) -> None: ...

    def entries(self) -> Iterator[JournalEntry]: ...

    def account_balances(self) -> dict[Account, int]:
        """Signed balance per account over the whole journal (debit positive)."""
        ...

    def line_balances(self, line_id: str) -> dict[Account, int]: ...

    def line_entries(self, line_id: str) -> list[JournalEntry]:
        """One line's entries in the order they were appended."""
        ...


class AuditLog(Protocol):
    def record(self, item: AuditRecord) -> None: ...

    def get(self, decision_id: str) -> AuditRecord | None: ...


class DayEndLog(Protocol):
    def get(self, business_date: date) -> DayEndRecord | None: ...

    def last_done(self) -> date | None: ...

    def mark(self, record: DayEndRecord) -> None: ...

    def reconcile(self, record: ReconciliationRecord) -> None: ...

    def reconciliation(self, business_date: date) -> ReconciliationRecord | None: ...


class UnitOfWork(Protocol):
    # Read-only properties, so implementations may hold narrower concrete types.
    @property
    def lines(self) -> LineRepository: ...

    @property
    def journal(self) -> JournalWriter: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def day_ends(self) -> DayEndLog: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None:
        """Append the touched lines' pending journal entries and save the lines, atomically."""
        ...

    def flush(self) -> None:
        """Move touched lines' pending entries into the journal (inside the open transaction)."""
        ...

    def rollback(self) -> None: ...
