"""SQL unit of work (SQLite, PostgreSQL) with the semantics of ``creditloop.app.memory.MemoryUnitOfWork``.

Lines are stored as JSON documents (``line_to_dict``) plus a few queryable columns; the journal as
entries + postings, with running per-account totals. One unit of work is one connection and one
database transaction. Everything is SQLAlchemy Core with executemany: the simulator writes a month of
day-ends for up to 100k lines in one transaction, so per-line and per-entry work is kept minimal.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import IntegrityError

from creditloop.adapters.sqlalchemy.tables import (
    account_totals,
    audit_decisions,
    credit_lines,
    day_end_runs,
    journal_entries,
    postings,
    reconciliations,
)
from creditloop.app.ports import (
    AuditLog,
    AuditRecord,
    DayEndLog,
    DayEndRecord,
    JournalWriter,
    LineRepository,
    ReconciliationRecord,
)
from creditloop.core.errors import CreditloopError, IdempotencyConflict, NotFound
from creditloop.ledger.accounts import Account
from creditloop.ledger.bounds import check_totals
from creditloop.ledger.entries import EntryCode, JournalEntry, Posting, Side
from creditloop.products.terms import Product
from creditloop.servicing.credit_line import CreditLine
from creditloop.servicing.events import DomainEvent
from creditloop.servicing.serialization import line_from_dict, line_to_dict

# Bound parameters per IN (...) list: well under SQLite's variable limit and PostgreSQL's.
_IN_CHUNK = 500
# Rows fetched per round trip when streaming lines or entries.
_STREAM_CHUNK = 1000

ConnectionSource = Callable[[], Connection]


class ConcurrencyConflict(CreditloopError):
    """A credit line changed in the database after this unit of work loaded it; retry the command."""

    code = "concurrency_conflict"


def _json(value: object) -> str:
    # orjson: the line documents are (de)serialised on every write; it is several times faster than json.
    return orjson.dumps(value, default=str).decode()


def _chunks(items: Sequence[str], size: int = _IN_CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _upsert(
    conn: Connection,
    table: sa.Table,
    rows: list[dict[str, Any]],
    keys: Sequence[str],
    set_: Callable[[Any], dict[str, Any]] | None = None,
) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE, for SQLite and PostgreSQL; ``set_`` gets ``excluded``."""
    if not rows:
        return
    name = conn.dialect.name
    if name == "postgresql":
        stmt: Any = pg_dialect.insert(table)
    elif name == "sqlite":
        stmt = sqlite_dialect.insert(table)
    else:  # pragma: no cover - make_engine refuses other backends
        raise NotImplementedError(f"upsert is not implemented for {name}")
    values = (
        set_(stmt.excluded)
        if set_ is not None
        else {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
    )
    conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=values), rows)


# --------------------------------------------------------------------------------------------- journal


# SQLite numbers ``seq`` inside the statement, under the write lock (no identity on a non-key column).
_SQLITE_INSERT_ENTRY = (
    "INSERT INTO journal_entries (entry_id, code, effective_on, line_id, links, reverses, seq) "
    "VALUES (?, ?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM journal_entries))"
)
_SQLITE_INSERT_ENTRY_SEQ = (
    "INSERT INTO journal_entries (entry_id, code, effective_on, line_id, links, reverses, seq) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_SQLITE_LAST_SEQ = "SELECT max(seq) FROM journal_entries"
_SQLITE_INSERT_POSTING = "INSERT INTO postings (entry_id, idx, account, side, amount_minor) VALUES (?, ?, ?, ?, ?)"


class SqlJournal:
    """Append-only journal. Entries go to the database at once (inside the transaction); the per-account
    totals are written at commit, last, so PostgreSQL holds those hot rows' locks as briefly as possible.
    """

    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection
        self._pending_totals: dict[Account, int] = defaultdict(int)

    def reset(self) -> None:
        self._pending_totals.clear()

    def append(self, entries: Iterable[JournalEntry]) -> None:
        batch: dict[str, JournalEntry] = {}
        for e in entries:
            known = batch.get(e.entry_id)
            if known is not None:
                if known != e:
                    raise IdempotencyConflict(f"journal entry {e.entry_id} exists with another payload")
                continue
            batch[e.entry_id] = e
        if not batch:
            return
        conn = self._connection()
        # Retries are rare: find which ids exist (also those appended earlier in this transaction) and
        # compare the stored entry with the new one; only new entries are written.
        existing = self._existing_ids(conn, list(batch))
        if existing:
            for stored in self._load(conn, sorted(existing)):
                if stored != batch[stored.entry_id]:
                    raise IdempotencyConflict(f"journal entry {stored.entry_id} exists with another payload")
                del batch[stored.entry_id]
            if not batch:
                return
        if conn.dialect.name == "sqlite":
            self._append_sqlite(conn, batch.values())
            return
        entry_rows: list[dict[str, Any]] = []
        posting_rows: list[dict[str, Any]] = []
        totals = self._pending_totals
        for e in batch.values():
            entry_rows.append(
                {
                    "entry_id": e.entry_id,
                    "code": e.code.value,
                    "effective_on": e.effective_on,
                    "line_id": e.line_id,
                    "links": _json(sorted(e.links)),
                    "reverses": e.reverses,
                }
            )
            for idx, p in enumerate(e.postings):
                posting_rows.append(
                    {
                        "entry_id": e.entry_id,
                        "idx": idx,
                        "account": p.account.value,
                        "side": p.side.value,
                        "amount_minor": p.amount_minor,
                    }
                )
                totals[p.account] += p.signed_minor
        try:
            conn.execute(self._insert_entries(conn), entry_rows)
        except IntegrityError as exc:  # a concurrent transaction wrote the same entry after our check
            raise ConcurrencyConflict(f"journal entries were written concurrently ({exc.orig})") from exc
        conn.execute(postings.insert(), posting_rows)

    def _append_sqlite(self, conn: Connection, batch: Iterable[JournalEntry]) -> None:
        """The same rows as the Core path, as plain tuples through the driver's executemany: a month of a
        simulation writes hundreds of thousands of rows, and per-row statement compilation was a quarter of
        its write time. Dates are stored as SQLAlchemy's SQLite Date type stores them (ISO strings)."""
        entry_rows: list[tuple[Any, ...]] = []
        posting_rows: list[tuple[Any, ...]] = []
        totals = self._pending_totals
        debit = Side.DEBIT
        # Codes, accounts and sides are StrEnum members, i.e. str: the driver binds them as their text (the same
        # bytes as ``.value``, whose look-up is slow at millions of rows).
        for e in batch:
            entry_rows.append(
                (
                    e.entry_id,
                    e.code,
                    e.effective_on.isoformat(),
                    e.line_id,
                    _json(sorted(e.links)) if e.links else "[]",
                    e.reverses,
                )
            )
            for idx, p in enumerate(e.postings):
                posting_rows.append((e.entry_id, idx, p.account, p.side, p.amount_minor))
                totals[p.account] += p.amount_minor if p.side is debit else -p.amount_minor
        try:
            # The first row numbers itself inside the statement and takes the write lock; the file then has one
            # writer until commit, so the rest are numbered on from it here: the same ``seq`` values as one
            # ``max(seq) + 1`` per row, without a subquery per row (a simulation writes millions of entries).
            conn.exec_driver_sql(_SQLITE_INSERT_ENTRY, entry_rows[0])
            if len(entry_rows) > 1:
                first = conn.exec_driver_sql(_SQLITE_LAST_SEQ).scalar_one()
                conn.exec_driver_sql(
                    _SQLITE_INSERT_ENTRY_SEQ, [(*row, first + k) for k, row in enumerate(entry_rows[1:], 1)]
                )
        except IntegrityError as exc:
            raise ConcurrencyConflict(f"journal entries were written concurrently ({exc.orig})") from exc
        conn.exec_driver_sql(_SQLITE_INSERT_POSTING, posting_rows)

    @staticmethod
    def _insert_entries(conn: Connection) -> sa.Insert:
        if conn.dialect.name == "sqlite":
            # No identity on a non-key column in SQLite: number inside the statement, under the write lock.
            next_seq = sa.select(sa.func.coalesce(sa.func.max(journal_entries.c.seq), 0) + 1).scalar_subquery()
            return journal_entries.insert().values(seq=next_seq)
        return journal_entries.insert()

    @staticmethod
    def _existing_ids(conn: Connection, ids: list[str]) -> set[str]:
        found: set[str] = set()
        col = journal_entries.c.entry_id
        sqlite = conn.dialect.name == "sqlite"
        for chunk in _chunks(ids):
            if sqlite:  # a plain statement: the expanding IN of a Core select is compiled per chunk
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT entry_id FROM journal_entries WHERE entry_id IN ({marks})"
                found.update(r[0] for r in conn.exec_driver_sql(sql, tuple(chunk)))
            else:
                found.update(conn.execute(sa.select(col).where(col.in_(chunk))).scalars())
        return found

    @staticmethod
    def _load(conn: Connection, ids: list[str]) -> list[JournalEntry]:
        je, p = journal_entries, postings
        out: list[JournalEntry] = []
        for chunk in _chunks(ids):
            rows = conn.execute(sa.select(je).where(je.c.entry_id.in_(chunk)).order_by(je.c.seq)).all()
            legs = _postings_by_entry(
                conn.execute(
                    sa.select(p.c.entry_id, p.c.account, p.c.side, p.c.amount_minor)
                    .where(p.c.entry_id.in_(chunk))
                    .order_by(p.c.entry_id, p.c.idx)
                )
            )
            out.extend(_entry(r, legs[r.entry_id]) for r in rows)
        return out

    def entries(self) -> Iterator[JournalEntry]:
        """Every entry in insertion order, rebuilt exactly; streamed in keyset-paginated chunks."""
        conn = self._connection()
        je, p = journal_entries, postings
        after = 0
        while True:
            rows = conn.execute(sa.select(je).where(je.c.seq > after).order_by(je.c.seq).limit(_STREAM_CHUNK)).all()
            if not rows:
                return
            last = rows[-1].seq
            legs = _postings_by_entry(
                conn.execute(
                    sa.select(p.c.entry_id, p.c.account, p.c.side, p.c.amount_minor)
                    .join(je, je.c.entry_id == p.c.entry_id)
                    .where(je.c.seq > after, je.c.seq <= last)
                    .order_by(je.c.seq, p.c.idx)
                )
            )
            for r in rows:
                yield _entry(r, legs[r.entry_id])
            after = last

    def line_entries(self, line_id: str) -> list[JournalEntry]:
        """One line's entries in insertion order (the input of a re-derivation)."""
        conn = self._connection()
        je, p = journal_entries, postings
        rows = conn.execute(sa.select(je).where(je.c.line_id == line_id).order_by(je.c.seq)).all()
        legs = _postings_by_entry(
            conn.execute(
                sa.select(p.c.entry_id, p.c.account, p.c.side, p.c.amount_minor)
                .join(je, je.c.entry_id == p.c.entry_id)
                .where(je.c.line_id == line_id)
                .order_by(je.c.seq, p.c.idx)
            )
        )
        return [_entry(r, legs[r.entry_id]) for r in rows]

    def account_balances(self) -> dict[Account, int]:
        conn = self._connection()
        out = {
            Account(a): int(b)
            for a, b in conn.execute(sa.select(account_totals.c.account, account_totals.c.balance_minor))
        }
        for account, delta in self._pending_totals.items():
            out[account] = out.get(account, 0) + delta
        return out

    def line_balances(self, line_id: str) -> dict[Account, int]:
        je, p = journal_entries, postings
        signed = sa.case((p.c.side == Side.DEBIT.value, p.c.amount_minor), else_=-p.c.amount_minor)
        stmt = (
            sa.select(p.c.account, sa.func.sum(signed))
            .join(je, je.c.entry_id == p.c.entry_id)
            .where(je.c.line_id == line_id)
            .group_by(p.c.account)
        )
        return {Account(a): int(total) for a, total in self._connection().execute(stmt)}

    def write_totals(self) -> None:
        """Fold the pending deltas into ``account_totals`` (sorted: a stable lock order on PostgreSQL)."""
        if not self._pending_totals:
            return
        deltas = {a.value: d for a, d in sorted(self._pending_totals.items())}
        rows = [{"account": a, "balance_minor": d} for a, d in deltas.items()]
        conn = self._connection()
        col = account_totals.c
        current = conn.execute(sa.select(col.account, col.balance_minor).where(col.account.in_(list(deltas))))
        # Checked before writing: SQLite would silently turn an overflowing sum into a float.
        check_totals({a: int(b) for a, b in current}, deltas)
        _upsert(
            conn,
            account_totals,
            rows,
            ["account"],
            lambda excluded: {"balance_minor": account_totals.c.balance_minor + excluded.balance_minor},
        )
        self._pending_totals.clear()


def _postings_by_entry(rows: Iterable[Any]) -> dict[str, list[Posting]]:
    legs: dict[str, list[Posting]] = defaultdict(list)
    for entry_id, account, side, amount in rows:
        legs[entry_id].append(Posting(Account(account), Side(side), int(amount)))
    return legs


def _entry(row: Any, legs: list[Posting]) -> JournalEntry:
    return JournalEntry(
        entry_id=row.entry_id,
        code=EntryCode(row.code),
        effective_on=row.effective_on,
        line_id=row.line_id,
        postings=tuple(legs),
        links=frozenset(json.loads(row.links)),
        reverses=row.reverses,
    )


# --------------------------------------------------------------------------------------------- lines


_LOAD_COLUMNS = (
    credit_lines.c.line_id,
    credit_lines.c.doc,
    credit_lines.c.principal_minor,
    credit_lines.c.fee_minor,
    credit_lines.c.penalty_minor,
    credit_lines.c.interest_minor,
    credit_lines.c.credit_balance_minor,
)


class SqlLines:
    """Line repository with an identity map; remembers what it loaded for the optimistic check."""

    def __init__(self, connection: ConnectionSource, products: Callable[[str], Product]) -> None:
        self._connection = connection
        self._products = products
        self.seen: dict[str, CreditLine] = {}
        # line_id -> (version, stored balances) as loaded: the version is the optimistic check (quiet
        # day-end stretches do not change a line, so they are neither versioned nor written); the stored
        # balances let sub-ledger totals combine the table's sums with the lines changed in this unit.
        self.loaded: dict[str, tuple[int, tuple[int, int, int, int, int]]] = {}
        self._all_loaded = False
        # Day-end asks every day which lines are due: the answer is cached per line and recomputed only
        # for lines handed out since the last question (a caller can change only a line it was given).
        self._next_action: dict[str, date] = {}
        # The same cache by date, so a day's question reads only the lines due by then, not every line held.
        self._due_by_date: dict[date, set[str]] = {}
        self._handed_out: set[str] = set()
        self.record_events = False  # lines handed out record domain events (the message bus has subscribers)

    def reset(self) -> None:
        self.seen.clear()
        self.loaded.clear()
        self._all_loaded = False
        self._next_action.clear()
        self._due_by_date.clear()
        self._handed_out.clear()

    def keep(self, written: dict[str, tuple[int, tuple[int, int, int, int, int]]]) -> None:
        """After a commit, keep the identity map as the stored state (single-writer mode): the lines just
        written are now what the table holds, so the next unit neither reloads nor re-parses them."""
        self.loaded.update(written)

    def add(self, line: CreditLine) -> None:
        if line.line_id in self.seen or (not self._all_loaded and self._exists(line.line_id)):
            raise IdempotencyConflict(f"line {line.line_id} already exists")
        if self.record_events:
            line.start_recording(opened=True)
        self.seen[line.line_id] = line
        self._handed_out.add(line.line_id)

    def _exists(self, line_id: str) -> bool:
        c = credit_lines.c
        return self._connection().execute(sa.select(c.line_id).where(c.line_id == line_id)).first() is not None

    def get(self, line_id: str) -> CreditLine:
        line = self.seen.get(line_id)
        if line is not None:
            self._handed_out.add(line_id)
            return line
        conn = self._connection()
        stmt = sa.select(*_LOAD_COLUMNS).where(credit_lines.c.line_id == line_id)
        if conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()  # concurrent writers of one line queue here instead of conflicting
        row = conn.execute(stmt).one_or_none()
        if row is None:
            raise NotFound(f"credit line {line_id!r} not found", field="line_id")
        return self._load(row)

    def load_many(self, line_ids: Sequence[str]) -> None:
        """Bring many lines into the identity map with one query per chunk (no row locks: day-end)."""
        wanted = [i for i in line_ids if i not in self.seen]
        conn = self._connection()
        for chunk in _chunks(wanted):
            for row in conn.execute(sa.select(*_LOAD_COLUMNS).where(credit_lines.c.line_id.in_(chunk))):
                self._load(row)

    def _load(self, row: Any) -> CreditLine:
        line = line_from_dict(orjson.loads(row.doc), self._products)
        if self.record_events:
            line.start_recording()
        self.seen[line.line_id] = line
        self._handed_out.add(line.line_id)
        stored = (row.principal_minor, row.fee_minor, row.penalty_minor, row.interest_minor, row.credit_balance_minor)
        self.loaded[line.line_id] = (line.version, stored)
        return line

    def ids(self) -> list[str]:
        if self._all_loaded:
            return sorted(self.seen)
        stored = self._connection().execute(sa.select(credit_lines.c.line_id)).scalars()
        return sorted(set(stored) | set(self.seen))

    def __iter__(self) -> Iterator[CreditLine]:
        if not self._all_loaded:
            self._load_all()
        # Python order (code points), as the memory fake; no dependence on the database collation.
        for line_id in sorted(self.seen):
            yield self.get(line_id)

    def _load_all(self) -> None:
        """One streamed SELECT for every stored line; rows already in the identity map are not parsed.

        Rows are not locked (a day-end touches every line); the optimistic check at commit guards them.
        """
        stmt = sa.select(*_LOAD_COLUMNS).execution_options(yield_per=_STREAM_CHUNK)
        result = self._connection().execute(stmt)
        try:
            for row in result:
                if row.line_id not in self.seen:
                    self._load(row)
        finally:
            result.close()
        self._all_loaded = True

    def due_for_day_end(self, day: date, limit: int | None = None, after: str | None = None) -> list[str]:
        """Lines whose day-end on ``day`` changes something, in line-id order, a page at a time (keyset:
        ``after`` the last id of the previous page): stored ones by index, plus those changed here."""
        if self._all_loaded:  # every stored line is in the identity map: ask the lines themselves
            cache, by_date = self._next_action, self._due_by_date
            for i in self._handed_out:
                new = self.seen[i].next_action_on
                old = cache.get(i)
                if old != new:
                    if old is not None:
                        ids = by_date[old]
                        ids.discard(i)
                        if not ids:
                            del by_date[old]
                    by_date.setdefault(new, set()).add(i)
                    cache[i] = new
            self._handed_out.clear()
            mine = sorted(i for d, ids in by_date.items() if d <= day for i in ids if after is None or i > after)
            return mine[:limit] if limit is not None else mine
        c = credit_lines.c
        stmt = sa.select(c.line_id).where(c.next_action_on <= day).order_by(c.line_id)
        if after is not None:
            stmt = stmt.where(c.line_id > after)
        if limit is not None:
            stmt = stmt.limit(limit)
        stored = list(self._connection().execute(stmt).scalars())
        if not self.seen:
            return stored  # the database's order: the next page starts after this page's last id
        due = {i for i in stored if i not in self.seen}
        due.update(i for i, line in self.seen.items() if line.next_action_on <= day and (after is None or i > after))
        return sorted(due)[:limit] if limit is not None else sorted(due)

    def sub_ledger_totals(self) -> dict[Account, int]:
        """Sum of every line's own balances: the table's sums, corrected for lines changed in this unit."""
        c = credit_lines.c
        row = (
            self._connection()
            .execute(
                sa.select(
                    sa.func.coalesce(sa.func.sum(c.principal_minor), 0),
                    sa.func.coalesce(sa.func.sum(c.fee_minor), 0),
                    sa.func.coalesce(sa.func.sum(c.penalty_minor), 0),
                    sa.func.coalesce(sa.func.sum(c.interest_minor), 0),
                    sa.func.coalesce(sa.func.sum(c.credit_balance_minor), 0),
                )
            )
            .one()
        )
        totals = [int(v) for v in row]
        for line_id, line in self.seen.items():
            prior = self.loaded.get(line_id)
            if prior is not None and prior[0] == line.version:
                continue  # balances change only with the version: the table's row is this line's
            principal, fee, interest = line.balances()  # one pass over the installments for all three
            now = (principal, fee, line.penalty_minor, interest, line.credit_balance_minor)
            before = prior[1] if prior is not None else (0, 0, 0, 0, 0)
            totals = [t - b + n for t, b, n in zip(totals, before, now, strict=True)]
        principal, fee, penalty, interest, credit = totals
        return {
            Account.RECEIVABLE_PRINCIPAL: principal,
            Account.RECEIVABLE_FEE: fee,
            Account.RECEIVABLE_PENALTY: penalty,
            Account.RECEIVABLE_INTEREST: interest,
            Account.CUSTOMER_CREDIT: -credit,
        }

    def save(self) -> dict[str, tuple[int, tuple[int, int, int, int, int]]]:
        """INSERT new lines; UPDATE changed ones only where the stored row is still the one loaded.

        Returns what was written (line id -> version and stored balances)."""
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for line_id, line in self.seen.items():
            prior = self.loaded.get(line_id)
            if prior is None:
                inserts.append(_line_row(line))
            elif line.version != prior[0]:
                row = _line_row(line)
                row["b_line_id"], row["b_version"] = line_id, prior[0]
                updates.append(row)
        written = {r["line_id"]: (r["version"], _stored_balances(r)) for r in (*inserts, *updates)}
        conn = self._connection()
        # SQLite: plain tuples through the driver's executemany (see ``SqlJournal._append_sqlite``).
        sqlite = conn.dialect.name == "sqlite"
        if updates:
            if sqlite:
                done = conn.exec_driver_sql(_SQLITE_UPDATE_LINE, [_sqlite_line_values(r) for r in updates]).rowcount
            else:
                c = credit_lines.c
                stmt = credit_lines.update().where(
                    c.line_id == sa.bindparam("b_line_id"), c.version == sa.bindparam("b_version")
                )
                done = conn.execute(stmt, updates).rowcount
            if done != len(updates):
                raise ConcurrencyConflict(
                    f"{len(updates) - done} credit line(s) changed since they were loaded: "
                    f"{', '.join(self._stale(conn, updates))}"
                )
        if inserts:
            try:
                if sqlite:
                    conn.exec_driver_sql(_SQLITE_INSERT_LINE, [_sqlite_line_values(r) for r in inserts])
                else:
                    conn.execute(credit_lines.insert(), inserts)
            except IntegrityError as exc:  # another transaction created the same line first
                raise IdempotencyConflict(f"{len(inserts)} new line(s): one already exists ({exc.orig})") from exc
        return written

    @staticmethod
    def _stale(conn: Connection, updates: list[dict[str, Any]]) -> list[str]:
        """The lines whose stored document is not the one this unit of work just wrote (error path only)."""
        wrote = {u["line_id"]: u["doc"] for u in updates}
        c = credit_lines.c
        stale: list[str] = []
        for chunk in _chunks(sorted(wrote)):
            for line_id, doc in conn.execute(sa.select(c.line_id, c.doc).where(c.line_id.in_(chunk))):
                if doc != wrote[line_id]:
                    stale.append(line_id)
        return stale[:20]


_LINE_COLUMNS = tuple(c.name for c in credit_lines.columns if c.name != "line_id")
_SQLITE_UPDATE_LINE = (
    f"UPDATE credit_lines SET {', '.join(f'{c} = ?' for c in _LINE_COLUMNS)} WHERE line_id = ? AND version = ?"
)
_SQLITE_INSERT_LINE = (
    f"INSERT INTO credit_lines ({', '.join(_LINE_COLUMNS)}, line_id) "
    f"VALUES ({', '.join('?' for _ in _LINE_COLUMNS)}, ?)"
)


def _sqlite_line_values(row: dict[str, Any]) -> tuple[Any, ...]:
    """Column values in ``_LINE_COLUMNS`` order, the line id, and for an update the version loaded."""
    values = [row[c].isoformat() if isinstance(row[c], date) else row[c] for c in _LINE_COLUMNS]
    if "b_version" in row:
        return (*values, row["line_id"], row["b_version"])
    return (*values, row["line_id"])


def _stored_balances(row: dict[str, Any]) -> tuple[int, int, int, int, int]:
    return (
        row["principal_minor"],
        row["fee_minor"],
        row["penalty_minor"],
        row["interest_minor"],
        row["credit_balance_minor"],
    )


def _line_row(line: CreditLine) -> dict[str, Any]:
    principal, fee, interest = line.balances()
    return {
        "line_id": line.line_id,
        "customer_id": line.customer_id,
        "status": line.status.value,
        "version": line.version,
        "limit_minor": line.limit_minor,
        "principal_minor": principal,
        "fee_minor": fee,
        "penalty_minor": line.penalty_minor,
        "interest_minor": interest,
        "credit_balance_minor": line.credit_balance_minor,
        "charged_off_minor": line.charged_off_minor,
        "dpd": line.dpd,
        "last_closed_on": line.last_closed_on,
        "next_action_on": line.next_action_on,
        "doc": _json(line_to_dict(line)),
    }


# --------------------------------------------------------------------------------------------- logs


_AUDIT_COLUMNS = tuple(c.name for c in audit_decisions.columns)
_SQLITE_RECORD_DECISION = (
    f"INSERT INTO audit_decisions ({', '.join(_AUDIT_COLUMNS)}) VALUES ({', '.join('?' for _ in _AUDIT_COLUMNS)}) "
    "ON CONFLICT (decision_id) DO NOTHING"
)
_SQLITE_GET_DECISION = (
    f"SELECT {', '.join(c.name for c in audit_decisions.columns)} FROM audit_decisions WHERE decision_id = ?"
)


class SqlAudit:
    """Audit log of automated decisions: insert-only. The same record again is a no-op; another record under
    the same id is refused, so a decision once made can never be rewritten."""

    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    def record(self, item: AuditRecord) -> None:
        row = {
            "decision_id": item.decision_id,
            "kind": item.kind,
            "subject_id": item.subject_id,
            "decided_on": item.decided_on,
            "policy_id": item.policy_id,
            "policy_version": item.policy_version,
            "inputs_hash": item.inputs_hash,
            "outcome": item.outcome,
            "reasons": _json(list(item.reasons)),
            "trace": _json(list(item.trace)),
        }
        conn = self._connection()
        # Insert unless the id exists (one statement on the usual path); only then compare with what is stored.
        if conn.dialect.name == "sqlite" and type(item.decided_on) is date:  # the driver directly (as ``get``)
            values = tuple(item.decided_on.isoformat() if c == "decided_on" else row[c] for c in _AUDIT_COLUMNS)
            inserted = conn.exec_driver_sql(_SQLITE_RECORD_DECISION, values).rowcount
        else:
            insert: Any = (pg_dialect if conn.dialect.name == "postgresql" else sqlite_dialect).insert(audit_decisions)
            inserted = conn.execute(insert.on_conflict_do_nothing(index_elements=["decision_id"]), row).rowcount
        if inserted == 1:
            return
        known = self.get(item.decision_id)
        if known != item:
            raise IdempotencyConflict(f"decision {item.decision_id!r} is already recorded with another outcome")

    def get(self, decision_id: str) -> AuditRecord | None:
        t = audit_decisions
        conn = self._connection()
        if conn.dialect.name == "sqlite":  # the driver directly: one lookup per application in a simulation
            r = conn.exec_driver_sql(_SQLITE_GET_DECISION, (decision_id,)).first()
        else:
            r = conn.execute(sa.select(t).where(t.c.decision_id == decision_id)).first()
        if r is None:
            return None
        decided_on = r.decided_on if isinstance(r.decided_on, date) else date.fromisoformat(r.decided_on)
        return AuditRecord(
            decision_id=r.decision_id,
            kind=r.kind,
            subject_id=r.subject_id,
            decided_on=decided_on,
            policy_id=r.policy_id,
            policy_version=r.policy_version,
            inputs_hash=r.inputs_hash,
            outcome=r.outcome,
            reasons=tuple(json.loads(r.reasons)),
            trace=tuple(json.loads(r.trace)),
        )


_SQLITE_LAST_DONE = "SELECT max(business_date) FROM day_end_runs WHERE status = 'DONE'"
_SQLITE_MARK_DAY = (
    "INSERT INTO day_end_runs (business_date, status, lines_closed) VALUES (?, ?, ?) ON CONFLICT (business_date) "
    "DO UPDATE SET status = excluded.status, lines_closed = excluded.lines_closed"
)


class SqlDayEnds:
    """Day-end runs and reconciliation records, one row per business date (upserted)."""

    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    def get(self, business_date: date) -> DayEndRecord | None:
        t = day_end_runs
        r = self._connection().execute(sa.select(t).where(t.c.business_date == business_date)).first()
        return None if r is None else DayEndRecord(r.business_date, r.status, r.lines_closed)

    def last_done(self) -> date | None:
        t = day_end_runs
        conn = self._connection()
        if conn.dialect.name == "sqlite":  # the driver directly: asked every simulated day (dates are ISO text)
            text = conn.exec_driver_sql(_SQLITE_LAST_DONE).scalar_one()
            return None if text is None else date.fromisoformat(text)
        value: date | None = conn.execute(
            sa.select(sa.func.max(t.c.business_date)).where(t.c.status == "DONE")
        ).scalar_one()
        return value

    def mark(self, record: DayEndRecord) -> None:
        conn = self._connection()
        if conn.dialect.name == "sqlite":  # the same upsert as below, without building a statement twice a day
            values = (record.business_date.isoformat(), record.status, record.lines_closed)
            conn.exec_driver_sql(_SQLITE_MARK_DAY, values)
            return
        row = {"business_date": record.business_date, "status": record.status, "lines_closed": record.lines_closed}
        _upsert(conn, day_end_runs, [row], ["business_date"])

    def reconcile(self, record: ReconciliationRecord) -> None:
        row = {
            "business_date": record.business_date,
            "trial_balance_minor": record.trial_balance_minor,
            "control": _json(record.control),
            "sub_ledger": _json(record.sub_ledger),
            "ok": record.ok,
        }
        _upsert(self._connection(), reconciliations, [row], ["business_date"])

    def reconciliation(self, business_date: date) -> ReconciliationRecord | None:
        t = reconciliations
        r = self._connection().execute(sa.select(t).where(t.c.business_date == business_date)).first()
        if r is None:
            return None
        control = {k: int(v) for k, v in json.loads(r.control).items()}
        sub = {k: int(v) for k, v in json.loads(r.sub_ledger).items()}
        return ReconciliationRecord(r.business_date, int(r.trial_balance_minor), control, sub, bool(r.ok))


# --------------------------------------------------------------------------------------------- unit of work


class SqlUnitOfWork:
    """One connection and one transaction per ``with`` block; same semantics as ``MemoryUnitOfWork``.

    Unlike the memory fake, audit records and day-end marks are part of the transaction too: a
    rollback discards them with everything else.
    """

    # Typed as the ports: protocol attributes are invariant, so the concrete types would not match.
    lines: LineRepository
    journal: JournalWriter
    audit: AuditLog
    day_ends: DayEndLog

    def __init__(self, engine: Engine, products: Callable[[str], Product], *, single_writer: bool = False) -> None:
        """``single_writer``: this unit of work is the only writer of the database (a simulation's own
        file). Committed lines then stay in memory for the next unit instead of being reloaded; the
        optimistic version check at save still refuses to overwrite a row someone else changed."""
        self.engine = engine
        self.single_writer = single_writer
        self._conn: Connection | None = None
        self._lines = SqlLines(self._connection, products)
        self._journal = SqlJournal(self._connection)
        self.lines = self._lines
        self.journal = self._journal
        self.audit = SqlAudit(self._connection)
        self.day_ends = SqlDayEnds(self._connection)

    def _connection(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("the unit of work is not open: use it inside `with uow:`")
        return self._conn

    @property
    def connection(self) -> Connection:
        """The open connection (read models may query through it, inside the same transaction)."""
        return self._connection()

    def __enter__(self) -> SqlUnitOfWork:
        if self._conn is not None:
            raise RuntimeError("the unit of work is already open")
        self._conn = self.engine.connect()
        self._conn.begin()
        if self.single_writer:
            if not self._lines._all_loaded:
                self._lines._load_all()  # once: afterwards the identity map is the whole table
        else:
            self._reset()
        return self

    def __exit__(self, *exc: object) -> None:
        conn = self._conn
        if conn is None:
            return
        try:
            if conn.in_transaction():
                conn.rollback()
                self._reset()  # memory may hold changes the database no longer has
        finally:
            self._conn = None
            if not self.single_writer:
                self._reset()
            conn.close()

    def _reset(self) -> None:
        self._lines.reset()
        self._journal.reset()

    def record_events(self) -> None:
        """Have the lines this unit of work hands out record domain events (the message bus has subscribers)."""
        self._lines.record_events = True

    def collect_new_events(self) -> list[DomainEvent]:
        """The domain events the lines it saw recorded since the last collection."""
        return [event for line in self._lines.seen.values() for event in line.collect_events()]

    def flush(self) -> None:
        """Move the touched lines' pending entries into the journal (one batch, one executemany)."""
        pending: list[JournalEntry] = []
        for line in self._lines.seen.values():
            if line.pending_entries:
                pending.extend(line.drain_entries())
        if pending:
            self._journal.append(pending)

    def commit(self) -> None:
        conn = self._connection()
        self.flush()
        written = self._lines.save()
        self._journal.write_totals()
        conn.commit()
        if self.single_writer:
            self._journal.reset()
            self._lines.keep(written)
        else:
            self._reset()  # as the memory fake: the next command reloads what it needs

    def rollback(self) -> None:
        if self._conn is not None:
            self._conn.rollback()
        self._reset()
