"""The collections store (issue 15): the port, its records and the memory fake.

- **cases**: the customer's IANA zone, the conduct jurisdiction, and opaque contact ids (the dialer maps them to
  numbers; no phone number or name is stored here), the debtor's and the third parties' the debtor gave;
- **contact log**: every contact attempt, allowed (with its outcome) or refused (with the rule codes), insert
  only; kept at least two years, then purged by ``PurgeContactRecords`` (never a younger record);
- **flags**: disputes and complaints (open until closed), opt-outs and agreed contact windows;
- **promises** to pay with their day-end status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol

from creditloop.app.ports import UnitOfWork
from creditloop.collections.ptp import Promise
from creditloop.core.errors import IdempotencyConflict, NotFound

FLAG_KINDS = ("dispute", "complaint", "opt_out", "agreed_window")


@dataclass(frozen=True, slots=True)
class CaseRecord:
    line_id: str
    zone: str
    jurisdiction: str  # cn | us: which conduct policy applies
    debtor_contacts: tuple[str, ...]
    third_parties: tuple[str, ...]
    opened_on: date

    def party_of(self, contact_id: str) -> str:
        if contact_id in self.debtor_contacts:
            return "debtor"
        return "third_party" if contact_id in self.third_parties else "unrelated"


@dataclass(frozen=True, slots=True)
class ContactRecord:
    record_id: str
    line_id: str
    contact_id: str
    party: str
    channel: str
    purpose: str
    at: datetime  # UTC instant
    local_on: date  # the customer's local date (what the daily caps count)
    allowed: bool
    outcome: str | None  # None: refused by the conduct rules, no contact happened
    codes: tuple[str, ...]  # the rules that refused it
    policy: str  # conduct policy id@version
    agent: str  # the lender or an agency
    script_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", self.at.astimezone(UTC))  # one instant, one spelling in every store


@dataclass(frozen=True, slots=True)
class Flag:
    flag_id: str
    line_id: str
    kind: str  # dispute | complaint | opt_out | agreed_window | referral (an early-warning referral)
    opened_at: datetime
    contact_id: str | None = None
    channel: str | None = None  # opt_out: a channel or "*"
    window: str | None = None  # agreed_window: "HH:MM-HH:MM" local
    closed_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "opened_at", self.opened_at.astimezone(UTC))
        if self.closed_at is not None:
            object.__setattr__(self, "closed_at", self.closed_at.astimezone(UTC))

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class CollectionsStore(Protocol):
    def put_case(self, case: CaseRecord) -> None: ...

    def get_case(self, line_id: str) -> CaseRecord | None: ...

    def cases(self) -> list[CaseRecord]: ...

    def add_contact(self, record: ContactRecord) -> None:
        """Insert only: the same record again is a no-op, another under its id IdempotencyConflict."""
        ...

    def get_contact(self, record_id: str) -> ContactRecord | None: ...

    def contacts_for(self, line_id: str) -> list[ContactRecord]:
        """A case's contact log by (at, record_id)."""
        ...

    def purge_before(self, policy: str, cutoff: datetime) -> int:
        """Delete the contact records of ``policy`` made before ``cutoff``; the number deleted."""
        ...

    def put_flag(self, flag: Flag) -> None: ...

    def get_flag(self, flag_id: str) -> Flag | None: ...

    def flags_for(self, line_id: str) -> list[Flag]: ...

    def open_flags(self, kind: str) -> list[Flag]:
        """The open flags of one kind, over all lines, by (line_id, opened_at, flag_id)."""
        ...

    def put_promise(self, promise: Promise) -> None: ...

    def get_promise(self, promise_id: str) -> Promise | None: ...

    def promises_for(self, line_id: str) -> list[Promise]: ...

    def open_promises(self) -> list[Promise]: ...


class CollectingUnitOfWork(UnitOfWork, Protocol):
    @property
    def collections(self) -> CollectionsStore: ...


class MemoryCollectionsStore:
    """The fake: writes are staged until commit and dropped on rollback, like the SQL store's rows."""

    _TABLES = ("_cases", "_contacts", "_flags", "_promises")

    def __init__(self) -> None:
        self._cases: dict[str, CaseRecord] = {}
        self._contacts: dict[str, ContactRecord] = {}
        self._flags: dict[str, Flag] = {}
        self._promises: dict[str, Promise] = {}
        self._saved: dict[str, dict[str, object]] | None = None

    def _touch(self) -> None:
        if self._saved is None:
            self._saved = {t: dict(getattr(self, t)) for t in self._TABLES}

    def publish(self) -> None:
        self._saved = None

    def discard(self) -> None:
        if self._saved is not None:
            for t in self._TABLES:
                setattr(self, t, self._saved[t])
        self._saved = None

    def put_case(self, case: CaseRecord) -> None:
        self._touch()
        self._cases[case.line_id] = case

    def get_case(self, line_id: str) -> CaseRecord | None:
        return self._cases.get(line_id)

    def cases(self) -> list[CaseRecord]:
        return [self._cases[k] for k in sorted(self._cases)]

    def add_contact(self, record: ContactRecord) -> None:
        known = self._contacts.get(record.record_id)
        if known is not None:
            if known != record:
                raise IdempotencyConflict(f"contact attempt {record.record_id!r} is already recorded differently")
            return
        self._touch()
        self._contacts[record.record_id] = record

    def get_contact(self, record_id: str) -> ContactRecord | None:
        return self._contacts.get(record_id)

    def contacts_for(self, line_id: str) -> list[ContactRecord]:
        found = (r for r in self._contacts.values() if r.line_id == line_id)
        return sorted(found, key=lambda r: (r.at, r.record_id))

    def purge_before(self, policy: str, cutoff: datetime) -> int:
        old = [k for k, r in self._contacts.items() if r.policy == policy and r.at < cutoff]
        if old:
            self._touch()
        for k in old:
            del self._contacts[k]
        return len(old)

    def put_flag(self, flag: Flag) -> None:
        self._touch()
        self._flags[flag.flag_id] = flag

    def get_flag(self, flag_id: str) -> Flag | None:
        return self._flags.get(flag_id)

    def flags_for(self, line_id: str) -> list[Flag]:
        return sorted((f for f in self._flags.values() if f.line_id == line_id), key=lambda f: (f.opened_at, f.flag_id))

    def open_flags(self, kind: str) -> list[Flag]:
        found = (f for f in self._flags.values() if f.kind == kind and f.is_open)
        return sorted(found, key=lambda f: (f.line_id, f.opened_at, f.flag_id))

    def put_promise(self, promise: Promise) -> None:
        self._touch()
        self._promises[promise.promise_id] = promise

    def get_promise(self, promise_id: str) -> Promise | None:
        return self._promises.get(promise_id)

    def promises_for(self, line_id: str) -> list[Promise]:
        found = (p for p in self._promises.values() if p.line_id == line_id)
        return sorted(found, key=lambda p: (p.made_on, p.promise_id))

    def open_promises(self) -> list[Promise]:
        return sorted((p for p in self._promises.values() if p.is_open), key=lambda p: (p.line_id, p.promise_id))


def store_of(uow: UnitOfWork) -> CollectionsStore:
    store = getattr(uow, "collections", None)
    if store is None:
        raise TypeError(f"{type(uow).__name__} has no collections store")
    return store  # type: ignore[no-any-return]


def require_case(uow: UnitOfWork, line_id: str) -> CaseRecord:
    case = store_of(uow).get_case(line_id)
    if case is None:
        raise NotFound(f"no collections case for line {line_id!r} (open one first)", field="line_id")
    return case
