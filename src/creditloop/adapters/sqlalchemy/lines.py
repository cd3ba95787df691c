"""Credit lines in SQL: JSON documents (``line_to_dict``) plus a few queryable columns, with an identity map and
an optimistic version check at save."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from creditloop.adapters.sqlalchemy.common import (
    STREAM_CHUNK,
    ConcurrencyConflict,
    ConnectionSource,
    chunks,
    driver,
    to_json,
)
from creditloop.adapters.sqlalchemy.tables import credit_lines
from creditloop.core.errors import IdempotencyConflict, NotFound
from creditloop.ledger.accounts import Account
from creditloop.products.terms import Product
from creditloop.servicing.credit_line import CreditLine, LineStatus
from creditloop.servicing.events import DomainEvent
from creditloop.servicing.serialization import line_from_dict, line_to_dict

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
        # line_id -> length of its command log as loaded: which commands a unit logged (``app.panel_rows.restate``)
        self.loaded_events: dict[str, int] = {}
        self._all_loaded = False
        # Day-end asks every day which lines are due: the answer is cached per line and recomputed only
        # for lines handed out since the last question (a caller can change only a line it was given).
        self._next_action: dict[str, date] = {}
        # The same cache by date, so a day's question reads only the lines due by then, not every line held.
        self._due_by_date: dict[date, set[str]] = {}
        self._handed_out: set[str] = set()
        self.record_events = False  # lines handed out record domain events (the message bus has subscribers)
        self.event_sink: list[DomainEvent] = []  # shared by every recording line, in the order they happened

    def reset(self) -> None:
        self.seen.clear()
        self.loaded.clear()
        self.loaded_events.clear()
        self._all_loaded = False
        self._next_action.clear()
        self._due_by_date.clear()
        self._handed_out.clear()
        self.event_sink.clear()  # what rolled back did not happen

    def keep(self, written: dict[str, tuple[int, tuple[int, int, int, int, int]]]) -> None:
        """After a commit, keep the identity map as the stored state (single-writer mode): the lines just
        written are now what the table holds, so the next unit neither reloads nor re-parses them."""
        self.loaded.update(written)
        self.loaded_events.update((i, len(self.seen[i].events)) for i in written)

    def add(self, line: CreditLine) -> None:
        if line.line_id in self.seen or (not self._all_loaded and self._exists(line.line_id)):
            raise IdempotencyConflict(f"line {line.line_id} already exists")
        if self.record_events:
            line.start_recording(self.event_sink, opened=True)
        self.seen[line.line_id] = line
        self._handed_out.add(line.line_id)

    def add_new(self, line: CreditLine) -> None:
        """``add`` for a line the caller has just found absent (``existing``): no query of its own."""
        if line.line_id in self.seen:
            raise IdempotencyConflict(f"line {line.line_id} already exists")
        if self.record_events:
            line.start_recording(self.event_sink, opened=True)
        self.seen[line.line_id] = line
        self._handed_out.add(line.line_id)

    def _exists(self, line_id: str) -> bool:
        conn = self._connection()
        if conn.dialect.name == "sqlite":  # the driver directly: one look-up per approval
            return driver(conn).execute(_EXISTS_SQLITE, (line_id,)).fetchone() is not None
        return conn.exec_driver_sql(_EXISTS_PG, (line_id,)).first() is not None

    def existing(self, line_ids: Sequence[str]) -> set[str]:
        """Which of ``line_ids`` exist (stored or added in this unit): one query per chunk, for a batch."""
        found = {i for i in line_ids if i in self.seen}
        if self._all_loaded:
            return found
        conn = self._connection()
        for chunk in chunks([i for i in dict.fromkeys(line_ids) if i not in found]):
            found.update(
                conn.execute(sa.select(credit_lines.c.line_id).where(credit_lines.c.line_id.in_(chunk))).scalars()
            )
        return found

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
        for chunk in chunks(wanted):
            for row in conn.execute(sa.select(*_LOAD_COLUMNS).where(credit_lines.c.line_id.in_(chunk))):
                self._load(row)

    def _load(self, row: Any) -> CreditLine:
        line = line_from_dict(orjson.loads(row.doc), self._products)
        if self.record_events:
            line.start_recording(self.event_sink)
        self.seen[line.line_id] = line
        self._handed_out.add(line.line_id)
        stored = (row.principal_minor, row.fee_minor, row.penalty_minor, row.interest_minor, row.credit_balance_minor)
        self.loaded[line.line_id] = (line.version, stored)
        self.loaded_events[line.line_id] = len(line.events)
        return line

    def ids(self) -> list[str]:
        if self._all_loaded:
            return sorted(self.seen)
        stored = self._connection().execute(sa.select(credit_lines.c.line_id)).scalars()
        return sorted(set(stored) | set(self.seen))

    def customer_line_ids(self, customer_id: str) -> list[str]:
        """The customer's line ids in id order, through the ``customer_id`` index (no scan of the book)."""
        query = sa.select(credit_lines.c.line_id).where(credit_lines.c.customer_id == customer_id)
        stored = set(self._connection().execute(query).scalars())
        return sorted(stored | {i for i, line in self.seen.items() if line.customer_id == customer_id})

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
        stmt = sa.select(*_LOAD_COLUMNS).execution_options(yield_per=STREAM_CHUNK)
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

    def in_arrears(self) -> list[str]:
        """Stored lines by their ``dpd`` and ``status`` columns, corrected by the lines changed in this unit."""
        c = credit_lines.c
        stmt = sa.select(c.line_id).where(sa.or_(c.dpd > 0, c.status == LineStatus.CHARGED_OFF.value))
        found = {i for i in self._connection().execute(stmt).scalars() if i not in self.seen}
        found.update(i for i, line in self.seen.items() if line.dpd > 0 or line.status is LineStatus.CHARGED_OFF)
        return sorted(found)

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
        for chunk in chunks(sorted(wrote)):
            for line_id, doc in conn.execute(sa.select(c.line_id, c.doc).where(c.line_id.in_(chunk))):
                if doc != wrote[line_id]:
                    stale.append(line_id)
        return stale[:20]


# Plain SQL: a Core select compiled per new line cost as much as deciding the application.
_EXISTS_SQLITE = "SELECT 1 FROM credit_lines WHERE line_id = ?"
_EXISTS_PG = "SELECT 1 FROM credit_lines WHERE line_id = %s"
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
        "doc": to_json(line_to_dict(line)),
    }
