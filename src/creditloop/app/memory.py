"""In-memory unit of work: the fake the unit tests use, with the same semantics as the SQL one.

Lines are stored as serialised documents, so a rollback really discards uncommitted changes.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime

from creditloop.app.alerts import MemoryAlertStore
from creditloop.app.collections_store import MemoryCollectionsStore
from creditloop.app.customer_pii import MemoryCustomerPii
from creditloop.app.dispute_store import MemoryDisputeStore
from creditloop.app.hardship_store import MemoryHardshipStore
from creditloop.app.history import (
    CLUSTER_WINDOW_US,
    EMPLOYER_PEERS_CAP,
    Candidates,
    HistoryRow,
    check_windows,
    horizon_us,
    median_minor,
    row_of,
    snapshot_from_rows,
)
from creditloop.app.ports import AuditRecord, DayEndRecord, ReconciliationRecord, StoredDecision
from creditloop.core.errors import IdempotencyConflict, NotFound, ValidationError
from creditloop.ledger.accounts import Account
from creditloop.ledger.bounds import check_totals
from creditloop.ledger.entries import JournalEntry
from creditloop.products.terms import Product
from creditloop.servicing.credit_line import CreditLine, LineStatus
from creditloop.servicing.events import DomainEvent
from creditloop.servicing.serialization import line_from_dict, line_to_dict
from creditloop.strategy.velocity import CLUSTER_ROWS_CAP, ApplicationKeys, VelocitySnapshot


class MemoryJournal:
    """Appends are staged until the unit of work commits; reads see staged entries too."""

    def __init__(self) -> None:
        self._entries: dict[str, JournalEntry] = {}
        self._staged: dict[str, JournalEntry] = {}
        self._totals: dict[Account, int] = defaultdict(int)
        self._by_line: dict[str, dict[Account, int]] = defaultdict(lambda: defaultdict(int))

    def append(self, entries: Iterable[JournalEntry]) -> None:
        for e in entries:
            known = self._entries.get(e.entry_id) or self._staged.get(e.entry_id)
            if known is not None:
                if known != e:
                    raise IdempotencyConflict(f"journal entry {e.entry_id} exists with another payload")
                continue
            self._staged[e.entry_id] = e
            self._apply(e, 1)

    def _apply(self, e: JournalEntry, sign: int) -> None:
        for p in e.postings:
            self._totals[p.account] += sign * p.signed_minor
            self._by_line[e.line_id][p.account] += sign * p.signed_minor

    def publish(self) -> None:
        if self._staged:  # the same bound as the SQL store, so both refuse the same writes
            check_totals({}, {a.value: v for a, v in self._totals.items()})
        self._entries.update(self._staged)
        self._staged.clear()

    def discard(self) -> None:
        for e in self._staged.values():
            self._apply(e, -1)
        self._staged.clear()

    def entries(self) -> Iterator[JournalEntry]:
        return iter([*self._entries.values(), *self._staged.values()])

    def line_entries(self, line_id: str) -> list[JournalEntry]:
        return [e for e in self.entries() if e.line_id == line_id]

    def account_balances(self) -> dict[Account, int]:
        return dict(self._totals)

    def line_balances(self, line_id: str) -> dict[Account, int]:
        return dict(self._by_line.get(line_id, {}))


class MemoryLines:
    def __init__(
        self, store: dict[str, dict[str, object]], products: Callable[[str], Product], record_events: bool = False
    ) -> None:
        self._store = store
        self._products = products
        self.seen: dict[str, CreditLine] = {}
        self.record_events = record_events  # lines handed out record domain events (someone subscribes)
        self.event_sink: list[DomainEvent] = []  # shared by every recording line, in the order they happened

    def add(self, line: CreditLine) -> None:
        if line.line_id in self._store or line.line_id in self.seen:
            raise IdempotencyConflict(f"line {line.line_id} already exists")
        if self.record_events:
            line.start_recording(self.event_sink, opened=True)
        self.seen[line.line_id] = line

    def existing(self, line_ids: Sequence[str]) -> set[str]:
        return {i for i in line_ids if i in self._store or i in self.seen}

    def get(self, line_id: str) -> CreditLine:
        line = self.seen.get(line_id)
        if line is None:
            doc = self._store.get(line_id)
            if doc is None:
                raise NotFound(f"credit line {line_id!r} not found", field="line_id")
            line = line_from_dict(doc, self._products)
            if self.record_events:
                line.start_recording(self.event_sink)
            self.seen[line_id] = line
        return line

    def ids(self) -> list[str]:
        return sorted(set(self._store) | set(self.seen))

    def customer_line_ids(self, customer_id: str) -> list[str]:
        """The customer's line ids in id order (the customer index)."""
        stored = {i for i, doc in self._store.items() if doc.get("customer_id") == customer_id}
        return sorted(stored | {i for i, line in self.seen.items() if line.customer_id == customer_id})

    def __iter__(self) -> Iterator[CreditLine]:
        for line_id in self.ids():
            yield self.get(line_id)

    def load_many(self, line_ids: Sequence[str]) -> None:
        for line_id in line_ids:
            self.get(line_id)

    def due_for_day_end(self, day: date, limit: int | None = None, after: str | None = None) -> list[str]:
        due = [line.line_id for line in self if line.next_action_on <= day and (after is None or line.line_id > after)]
        return due[:limit] if limit is not None else due

    def in_arrears(self) -> list[str]:
        return [line.line_id for line in self if line.dpd > 0 or line.status is LineStatus.CHARGED_OFF]

    def sub_ledger_totals(self) -> dict[Account, int]:
        totals: dict[Account, int] = defaultdict(int)
        for line in self:
            for account, amount in line.sub_ledger().items():
                totals[account] += amount
        return dict(totals)


class MemoryAudit:
    def __init__(self) -> None:
        self.items: dict[str, AuditRecord] = {}

    def record(self, item: AuditRecord) -> None:
        known = self.items.get(item.decision_id)
        if known is not None and known != item:
            raise IdempotencyConflict(f"decision {item.decision_id!r} is already recorded with another outcome")
        self.items[item.decision_id] = item

    def get(self, decision_id: str) -> AuditRecord | None:
        return self.items.get(decision_id)


class MemoryDayEnds:
    def __init__(self) -> None:
        self.runs: dict[date, DayEndRecord] = {}
        self.recs: dict[date, ReconciliationRecord] = {}

    def get(self, business_date: date) -> DayEndRecord | None:
        return self.runs.get(business_date)

    def last_done(self) -> date | None:
        done = [d for d, r in self.runs.items() if r.status == "DONE"]
        return max(done) if done else None

    def mark(self, record: DayEndRecord) -> None:
        self.runs[record.business_date] = record

    def reconcile(self, record: ReconciliationRecord) -> None:
        self.recs[record.business_date] = record

    def reconciliation(self, business_date: date) -> ReconciliationRecord | None:
        return self.recs.get(business_date)


class MemoryUnitOfWork:
    def __init__(self, products: Callable[[str], Product]) -> None:
        self._docs: dict[str, dict[str, object]] = {}
        self._products = products
        self._record_events = False
        self.journal = MemoryJournal()
        self.audit = MemoryAudit()
        self.day_ends = MemoryDayEnds()
        self.applications = MemoryApplicationHistory()
        self.decisions = MemoryDecisionStore()
        self.alerts = MemoryAlertStore()
        self.hardship = MemoryHardshipStore()  # hardship requests and plans (issue 15)
        self.collections = MemoryCollectionsStore()  # collections cases, contact log, promises (issue 15)
        self.credit_disputes = MemoryDisputeStore()  # credit-report disputes and statements (issue 16)
        self.customer_pii = MemoryCustomerPii()  # approved applicants' encrypted data (issue 18)
        self.lines = MemoryLines(self._docs, products)

    def __enter__(self) -> MemoryUnitOfWork:
        self.lines = MemoryLines(self._docs, self._products, self._record_events)
        return self

    def record_events(self) -> None:
        """Have the lines this unit of work hands out record domain events (the message bus has subscribers)."""
        self._record_events = self.lines.record_events = True

    def collect_new_events(self) -> list[DomainEvent]:
        """The domain events the lines it saw recorded since the last collection, in the order they happened."""
        sink = self.lines.event_sink
        out = list(sink)
        sink.clear()  # in place: the lines hold this list
        return out

    def __exit__(self, *exc: object) -> None:
        self.rollback()

    def flush(self) -> None:
        for line in self.lines.seen.values():
            if line.pending_entries:
                self.journal.append(line.drain_entries())

    def commit(self) -> None:
        self.flush()
        for line_id, line in self.lines.seen.items():
            self._docs[line_id] = line_to_dict(line)
        self.journal.publish()
        self.applications.publish()
        self.decisions.publish()
        self.alerts.publish()
        self.hardship.publish()
        self.collections.publish()
        self.credit_disputes.publish()
        self.customer_pii.publish()
        self.lines.seen.clear()

    def rollback(self) -> None:
        self.journal.discard()
        self.applications.discard()
        self.decisions.discard()
        self.alerts.discard()
        self.hardship.discard()
        self.collections.discard()
        self.credit_disputes.discard()
        self.customer_pii.discard()
        self.lines.seen.clear()


class MemoryEventLog:
    """A subscriber that keeps every domain event it is handed, in order, and counts them by type: what jobs
    and tests read to see what happened to the book (registered by ``bootstrap.subscribe_event_log``)."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []
        self.counts: Counter[str] = Counter()

    def __call__(self, event: DomainEvent) -> None:
        self.events.append(event)
        self.counts[type(event).__name__] += 1

    def of_type(self, kind: type[DomainEvent]) -> list[DomainEvent]:
        return [e for e in self.events if type(e) is kind]


class MemoryApplicationHistory:
    """The application history in dicts: per hashed key, rows sorted by (instant, id), found by bisection.

    Records are staged until the unit of work commits (``publish``) and dropped on rollback (``discard``), as the
    SQL store's rows are; snapshots see staged rows, as a transaction sees its own writes."""

    def __init__(self) -> None:
        self._rows: dict[str, HistoryRow] = {}
        self._index: dict[str, dict[str, list[tuple[int, str, HistoryRow]]]] = {f: {} for f in _INDEXED}
        self._staged: list[HistoryRow] = []

    def __len__(self) -> int:
        return len(self._rows)

    def record(self, keys: ApplicationKeys) -> None:
        row = row_of(keys)
        if row.application_id in self._rows:
            return  # the first record of an id is kept; a resubmission is what ``same_id_earlier`` reports
        self._rows[row.application_id] = row
        for f in _INDEXED:
            key = getattr(row, f)
            if key:
                insort(self._index[f].setdefault(key, []), (row.applied_at_us, row.application_id, row))
        self._staged.append(row)

    def snapshot_and_record_many(
        self, many: Sequence[ApplicationKeys], windows_days: tuple[int, ...], reuse_window_days: int
    ) -> list[VelocitySnapshot]:
        out = []
        for keys in many:
            out.append(self.snapshot(keys, windows_days, reuse_window_days))
            self.record(keys)
        return out

    def publish(self) -> None:
        self._staged.clear()

    def discard(self) -> None:
        for row in self._staged:
            del self._rows[row.application_id]
            for f in _INDEXED:
                key = getattr(row, f)
                if key:
                    self._index[f][key].remove((row.applied_at_us, row.application_id, row))
        self._staged.clear()

    def snapshot(
        self, keys: ApplicationKeys, windows_days: tuple[int, ...], reuse_window_days: int
    ) -> VelocitySnapshot:
        windows = check_windows(windows_days, reuse_window_days)
        row = row_of(keys)
        since = row.applied_at_us - horizon_us(windows, reuse_window_days)
        incomes = self._peer_incomes(row)
        found = Candidates(
            by_identity=self._between("identity", row.identity, since, row.applied_at_us),
            by_phone=self._between("phone", row.phone, since, row.applied_at_us),
            by_device=self._between("device", row.device, since, row.applied_at_us),
            by_employer_address=self._between("employer_address", row.employer_address, since, row.applied_at_us),
            employer_peers=len(incomes),
            employer_median_minor=median_minor(sorted(incomes)),
            duplicate_of=self._first_duplicate(row),
            same_id_earlier=row.application_id in self._rows,
            employer_cluster=self._cluster(row),
        )
        return snapshot_from_rows(row, found, windows, reuse_window_days)

    def _between(self, field: str, key: str, since_us: int, until_us: int) -> list[HistoryRow]:
        rows = self._index[field].get(key) if key else None
        if not rows:
            return []
        lo = bisect_right(rows, since_us, key=_instant)
        hi = bisect_right(rows, until_us, key=_instant)  # an earlier record at the same instant counts
        return [r for _at, _id, r in rows[lo:hi]]

    def _peer_incomes(self, row: HistoryRow) -> list[int]:
        rows = self._index["employer"].get(row.employer) if row.employer else None
        if not rows:
            return []
        out: list[int] = []
        for _at, app_id, peer in reversed(rows[: bisect_right(rows, row.applied_at_us, key=_instant)]):
            if peer.identity != row.identity and app_id != row.application_id:
                out.append(peer.monthly_income_minor)
                if len(out) == EMPLOYER_PEERS_CAP:
                    break
        return out

    def _cluster(self, row: HistoryRow) -> list[HistoryRow]:
        """The latest CLUSTER_ROWS_CAP rows of other identities naming this employer in the cluster window."""
        rows = self._index["employer"].get(row.employer) if row.employer else None
        if not rows:
            return []
        t = row.applied_at_us
        lo = bisect_right(rows, t - CLUSTER_WINDOW_US, key=_instant)
        out: list[HistoryRow] = []
        for _at, app_id, peer in reversed(rows[lo : bisect_right(rows, t, key=_instant)]):
            if peer.identity != row.identity and app_id != row.application_id:
                out.append(peer)
                if len(out) == CLUSTER_ROWS_CAP:
                    break
        return out

    def _first_duplicate(self, row: HistoryRow) -> str | None:
        for at, app_id, _r in self._index["inputs_hash"].get(row.inputs_hash, ()):
            if at > row.applied_at_us:
                return None
            if app_id != row.application_id:
                return app_id
        return None


_INDEXED = ("identity", "phone", "device", "employer", "employer_address", "inputs_hash")


def _instant(entry: tuple[int, str, HistoryRow]) -> int:
    return entry[0]


class MemoryDecisionStore:
    """Insert-only decisions. Saves are staged until commit and dropped on rollback, like the SQL store's."""

    def __init__(self) -> None:
        self._items: dict[str, StoredDecision] = {}
        self._staged: list[str] = []

    def save(self, record: StoredDecision) -> None:
        known = self._items.get(record.decision_id)
        if known is not None:
            if known != record:
                raise IdempotencyConflict(f"decision {record.decision_id!r} is already stored with another record")
            return
        self._items[record.decision_id] = record
        self._staged.append(record.decision_id)

    def publish(self) -> None:
        self._staged.clear()

    def discard(self) -> None:
        for decision_id in self._staged:
            del self._items[decision_id]
        self._staged.clear()

    def get(self, decision_id: str) -> StoredDecision | None:
        return self._items.get(decision_id)

    def get_many(self, decision_ids: Sequence[str]) -> dict[str, StoredDecision]:
        return {i: self._items[i] for i in decision_ids if i in self._items}

    def save_many(self, records: Sequence[StoredDecision]) -> None:
        for record in records:
            self.save(record)

    def for_application(self, application_id: str) -> list[StoredDecision]:
        return sorted((d for d in self._items.values() if d.application_id == application_id), key=_decision_order)

    def list(
        self, *, since: datetime | None = None, arm: str | None = None, limit: int | None = None
    ) -> list[StoredDecision]:
        if since is not None and since.tzinfo is None:
            raise ValidationError("an instant must be aware (UTC)", field="since")
        chosen = sorted(
            (
                d
                for d in self._items.values()
                if (since is None or d.decided_at >= since) and (arm is None or d.arm == arm)
            ),
            key=_decision_order,
        )
        return chosen if limit is None else chosen[:limit]


def _decision_order(d: StoredDecision) -> tuple[datetime, str]:
    return (d.decided_at, d.decision_id)
