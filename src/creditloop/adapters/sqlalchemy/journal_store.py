"""The journal in SQL: entries + postings, running per-account totals written at commit.

Each account's running total is split into ``slots`` rows (64 on PostgreSQL, 1 on SQLite, whose single writer gains
nothing): a transaction adds to the slot its first entry's line id hashes to, and an account's total is the sum of
its slots. Commands on different lines then lock different rows (issue 18: one row per account was the API's
bottleneck). Both bounds are checked at the write: the slot's row and the account's sum stay within
``MAX_TOTAL_MINOR``.

Everything is SQLAlchemy Core with executemany on PostgreSQL; on SQLite the simulator's bulk paths go through the
driver's executemany with plain tuples (a month of day-ends for up to 100k lines is one transaction)."""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.exc import IntegrityError

from creditloop.adapters.sqlalchemy.common import (
    STREAM_CHUNK,
    ConcurrencyConflict,
    ConnectionSource,
    chunks,
    to_json,
    upsert,
)
from creditloop.adapters.sqlalchemy.tables import (
    account_totals,
    journal_entries,
    postings,
)
from creditloop.core.errors import IdempotencyConflict
from creditloop.ledger.accounts import Account
from creditloop.ledger.bounds import MAX_TOTAL_MINOR, check_totals
from creditloop.ledger.entries import EntryCode, JournalEntry, Posting, Side

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
TOTAL_SLOTS_POSTGRES = 64

_SQLITE_INSERT_POSTING = "INSERT INTO postings (entry_id, idx, account, side, amount_minor) VALUES (?, ?, ?, ?, ?)"


class SqlJournal:
    """Append-only journal. Entries go to the database at once (inside the transaction); the per-account
    totals are written at commit, last, so PostgreSQL holds those hot rows' locks as briefly as possible.
    """

    def __init__(self, connection: ConnectionSource, slots: int | None = None) -> None:
        if slots is not None and not 1 <= slots <= 1000:
            raise ValueError(f"slots must be in [1, 1000], got {slots}")
        self._connection = connection
        self._slots = slots
        self._slot: int | None = None  # this transaction's slot, chosen by its first entry
        self._pending_totals: dict[Account, int] = defaultdict(int)

    def reset(self) -> None:
        self._pending_totals.clear()
        self._slot = None

    def _choose_slot(self, conn: Connection, first: JournalEntry) -> None:
        if self._slot is not None:
            return
        slots = self._slots or (TOTAL_SLOTS_POSTGRES if conn.dialect.name == "postgresql" else 1)
        key = first.line_id or first.entry_id
        self._slot = zlib.crc32(key.encode()) % slots if slots > 1 else 0

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
        self._choose_slot(conn, next(iter(batch.values())))
        if conn.dialect.name != "sqlite":
            self._append_pg(conn, batch)
            return
        # Retries are rare: find which ids exist (also those appended earlier in this transaction) and
        # compare the stored entry with the new one; only new entries are written.
        existing = self._existing_ids(conn, list(batch))
        if existing:
            self._drop_recorded(conn, batch, existing)
            if not batch:
                return
        self._append_sqlite(conn, batch.values())

    def _drop_recorded(self, conn: Connection, batch: dict[str, JournalEntry], recorded: set[str]) -> None:
        """Take the already recorded entries out of ``batch``; one recorded with another payload is a conflict."""
        for stored in self._load(conn, sorted(recorded)):
            if stored != batch[stored.entry_id]:
                raise IdempotencyConflict(f"journal entry {stored.entry_id} exists with another payload")
            del batch[stored.entry_id]

    def _append_pg(self, conn: Connection, batch: dict[str, JournalEntry]) -> None:
        """PostgreSQL: ``INSERT ... ON CONFLICT DO NOTHING RETURNING entry_id`` writes the new entries and names them
        in one round trip (no look-up first: a command's entries are nearly always new); the ones not written were
        recorded before (by an earlier command, or by a concurrent transaction the insert waited for) and are
        compared with what was sent, as on SQLite. Postings and totals follow for the written entries only."""
        entry_rows = [
            {
                "entry_id": e.entry_id,
                "code": e.code.value,
                "effective_on": e.effective_on,
                "line_id": e.line_id,
                "links": to_json(sorted(e.links)),
                "reverses": e.reverses,
            }
            for e in batch.values()
        ]
        stmt = pg_dialect.insert(journal_entries).on_conflict_do_nothing(index_elements=["entry_id"])
        written = set(conn.execute(stmt.returning(journal_entries.c.entry_id), entry_rows).scalars())
        if len(written) < len(batch):
            self._drop_recorded(conn, batch, set(batch) - written)
        posting_rows: list[dict[str, Any]] = []
        totals = self._pending_totals
        for e in batch.values():
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
        if posting_rows:
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
                    to_json(sorted(e.links)) if e.links else "[]",
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
    def _existing_ids(conn: Connection, ids: list[str]) -> set[str]:
        found: set[str] = set()
        col = journal_entries.c.entry_id
        sqlite = conn.dialect.name == "sqlite"
        for chunk in chunks(ids):
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
        for chunk in chunks(ids):
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
            rows = conn.execute(sa.select(je).where(je.c.seq > after).order_by(je.c.seq).limit(STREAM_CHUNK)).all()
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
        col = account_totals.c
        out = {
            Account(a): int(b)
            for a, b in conn.execute(sa.select(col.account, sa.func.sum(col.balance_minor)).group_by(col.account))
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
        """Fold the pending deltas into this transaction's slot of ``account_totals`` (sorted: a stable lock order on
        PostgreSQL); refused, with nothing written, if a slot or an account's sum of slots would pass the bound."""
        if not self._pending_totals:
            return
        slot = self._slot or 0
        deltas = {a.value: d for a, d in sorted(self._pending_totals.items())}
        rows = [{"account": a, "slot": slot, "balance_minor": d} for a, d in deltas.items()]
        conn = self._connection()
        col = account_totals.c
        if conn.dialect.name == "postgresql" and all(abs(d) <= MAX_TOTAL_MINOR for d in deltas.values()):
            # One round trip: add to the slot, read its new value and the account's other slots, check both (a
            # refusal rolls the transaction back). A slot within the bound plus such a delta cannot overflow BIGINT.
            ins = pg_dialect.insert(account_totals).values(rows)
            ins = ins.on_conflict_do_update(
                index_elements=["account", "slot"],
                set_={"balance_minor": col.balance_minor + ins.excluded.balance_minor},
            )
            up = ins.returning(col.account, col.balance_minor).cte("up")
            other = account_totals.alias("other")
            others = (
                sa.select(sa.func.coalesce(sa.func.sum(other.c.balance_minor), 0))
                .where(other.c.account == up.c.account, other.c.slot != slot)
                .scalar_subquery()
            )
            result = conn.execute(sa.select(up.c.account, up.c.balance_minor, others)).all()
            after = {a: (int(b), int(rest)) for a, b, rest in result}
            check_totals({a: after[a][0] - d for a, d in deltas.items()}, deltas)
            check_totals({a: sum(after[a]) - d for a, d in deltas.items()}, deltas)
            self._pending_totals.clear()
            return
        mine: dict[str, int] = {}
        summed: dict[str, int] = {}
        current = sa.select(col.account, col.slot, col.balance_minor).where(col.account.in_(list(deltas)))
        for a, k, b in conn.execute(current):
            summed[a] = summed.get(a, 0) + int(b)
            if k == slot:
                mine[a] = int(b)
        # Checked before writing: SQLite would silently turn an overflowing sum into a float.
        check_totals(mine, deltas)
        check_totals(summed, deltas)
        upsert(
            conn,
            account_totals,
            rows,
            ["account", "slot"],
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
