"""Ports of the service layer: repositories and the unit of work. Adapters implement them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

from creditloop.core.errors import ValidationError
from creditloop.ledger.accounts import Account
from creditloop.ledger.entries import JournalEntry
from creditloop.servicing.credit_line import CreditLine
from creditloop.strategy.underwriting import DECISIONS
from creditloop.strategy.velocity import ApplicationKeys, VelocitySnapshot


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

    def customer_line_ids(self, customer_id: str) -> list[str]:
        """The customer's line ids in id order (the customer index)."""
        ...

    def __iter__(self) -> Iterator[CreditLine]: ...

    def load_many(self, line_ids: Sequence[str]) -> None:
        """Bring many lines into the unit of work at once (a batch job's chunk)."""
        ...

    def due_for_day_end(self, day: date, limit: int | None = None, after: str | None = None) -> list[str]:
        """Ids of the lines whose day-end on ``day`` would change something (``next_action_on <= day``), in
        id order; ``limit`` and ``after`` (the last id already seen) page through them."""
        ...

    def in_arrears(self) -> list[str]:
        """Ids of the lines past due (``dpd > 0``) or charged off, in id order: the collections queue's candidates,
        read by the store's columns rather than by loading every line."""
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


@dataclass(frozen=True, slots=True)
class StoredDecision:
    """One underwriting decision as kept for audit and replay (issue #13, item 6); ``decided_at`` is normalised to
    UTC. ``inputs_json`` is what a replay re-decides from, so it holds the form as submitted, personal data
    included: it is never logged, and the retention rule of ``docs/origination/store.md`` applies to it."""

    decision_id: str
    application_id: str
    decided_at: datetime  # UTC instant
    applied_on: date
    policy_id: str
    policy_version: str
    model_id: str | None
    model_version: str | None
    arm: str
    outcome: str  # approve | refer | decline
    limit_minor: int
    pd: float | None
    inputs_hash: str
    inputs_json: str  # canonical JSON of the form + velocity snapshot the decision saw
    decision_json: str  # canonical JSON of the decision
    line_id: str | None = None

    def __post_init__(self) -> None:
        if self.decided_at.tzinfo is None:
            raise ValidationError("decided_at must be an aware instant", field="decided_at")
        if self.outcome not in DECISIONS:
            raise ValidationError(f"outcome must be one of {DECISIONS}, got {self.outcome!r}", field="outcome")
        if self.limit_minor < 0:
            raise ValidationError("limit_minor must not be negative", field="limit_minor")
        if self.pd is not None and not 0.0 <= self.pd <= 1.0:
            raise ValidationError("pd must lie in [0, 1]", field="pd")
        # One instant, one spelling: stores give back what they were given, whichever adapter.
        object.__setattr__(self, "decided_at", self.decided_at.astimezone(UTC))


class ApplicationHistory(Protocol):
    """Keyed hashes of earlier applications: what the velocity, identity-reuse and duplicate checks count."""

    def snapshot(
        self, keys: ApplicationKeys, windows_days: tuple[int, ...], reuse_window_days: int
    ) -> VelocitySnapshot:
        """Counts over applications recorded strictly BEFORE ``keys.applied_at`` (and not ``keys.application_id``
        itself); see ``VelocitySnapshot`` and ``app.history``. Windows are (applied_at - days, applied_at)."""
        ...

    def record(self, keys: ApplicationKeys) -> None:
        """Remember this application (idempotent on application_id: the first record of an id is kept)."""
        ...

    def snapshot_and_record_many(
        self, many: Sequence[ApplicationKeys], windows_days: tuple[int, ...], reuse_window_days: int
    ) -> list[VelocitySnapshot]:
        """``snapshot`` then ``record`` for each in turn (each sees the ones before it): a batch's chunk, in one
        round trip where the store is remote."""
        ...


class DecisionStore(Protocol):
    def save(self, record: StoredDecision) -> None:
        """Insert-only: the same record again is a no-op, another record under its id IdempotencyConflict."""
        ...

    def get(self, decision_id: str) -> StoredDecision | None: ...

    def for_application(self, application_id: str) -> list[StoredDecision]:
        """The decisions made on one application, oldest first."""
        ...

    def list(
        self, *, since: datetime | None = None, arm: str | None = None, limit: int | None = None
    ) -> list[StoredDecision]:
        """Decisions with ``decided_at >= since`` (and of ``arm``), ordered by (decided_at, decision_id)."""
        ...


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

    @property
    def applications(self) -> ApplicationHistory: ...

    @property
    def decisions(self) -> DecisionStore: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None:
        """Append the touched lines' pending journal entries and save the lines, atomically."""
        ...

    def flush(self) -> None:
        """Move touched lines' pending entries into the journal (inside the open transaction)."""
        ...

    def rollback(self) -> None: ...
