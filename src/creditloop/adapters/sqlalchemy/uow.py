"""SQL unit of work (SQLite, PostgreSQL) with the semantics of ``creditloop.app.memory.MemoryUnitOfWork``.

One unit of work is one connection and one database transaction over the stores, each in its own module:
``lines`` (credit line documents), ``journal_store`` (entries, postings, running totals), ``logs`` (audit
decisions, day-end runs, reconciliations), ``history`` (application keys for the velocity checks) and
``decisions`` (underwriting decisions); ``common`` holds what they share. Their names stay importable from
here, where they lived before the split.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine

from creditloop.adapters.sqlalchemy.alerts import SqlAlertStore
from creditloop.adapters.sqlalchemy.collections import SqlCollectionsStore
from creditloop.adapters.sqlalchemy.common import ConcurrencyConflict
from creditloop.adapters.sqlalchemy.decisions import SqlDecisionStore
from creditloop.adapters.sqlalchemy.disputes import SqlDisputeStore
from creditloop.adapters.sqlalchemy.hardship import SqlHardshipStore
from creditloop.adapters.sqlalchemy.history import SqlApplicationHistory
from creditloop.adapters.sqlalchemy.journal_store import SqlJournal
from creditloop.adapters.sqlalchemy.lines import SqlLines
from creditloop.adapters.sqlalchemy.logs import SqlAudit, SqlDayEnds
from creditloop.adapters.sqlalchemy.panel import SqlPanelStore
from creditloop.adapters.sqlalchemy.pii_store import SqlCustomerPii
from creditloop.app.panel_rows import restate_from
from creditloop.app.ports import (
    ApplicationHistory,
    AuditLog,
    DayEndLog,
    DecisionStore,
    JournalWriter,
    LineRepository,
)
from creditloop.ledger.entries import JournalEntry
from creditloop.products.terms import Product
from creditloop.servicing.events import DomainEvent

__all__ = [
    "ConcurrencyConflict",
    "SqlApplicationHistory",
    "SqlAudit",
    "SqlDayEnds",
    "SqlDecisionStore",
    "SqlJournal",
    "SqlLines",
    "SqlUnitOfWork",
]


class SqlUnitOfWork:
    """One connection and one transaction per ``with`` block; same semantics as ``MemoryUnitOfWork``.

    Unlike the memory fake, audit records and day-end marks are part of the transaction too: a
    rollback discards them with everything else (application history and decisions: in both).
    """

    # Typed as the ports: protocol attributes are invariant, so the concrete types would not match.
    lines: LineRepository
    journal: JournalWriter
    audit: AuditLog
    day_ends: DayEndLog
    applications: ApplicationHistory
    decisions: DecisionStore

    def __init__(
        self,
        engine: Engine,
        products: Callable[[str], Product],
        *,
        single_writer: bool = False,
        total_slots: int | None = None,
    ) -> None:
        """``single_writer``: this unit of work is the only writer of the database (a simulation's own
        file). Committed lines then stay in memory for the next unit instead of being reloaded; the
        optimistic version check at save still refuses to overwrite a row someone else changed."""
        self.engine = engine
        self.single_writer = single_writer
        self._conn: Connection | None = None
        self._lines = SqlLines(self._connection, products)
        self._journal = SqlJournal(self._connection, total_slots)  # None: 64 on PostgreSQL, 1 on SQLite
        self.lines = self._lines
        self.journal = self._journal
        self.audit = SqlAudit(self._connection)
        self.day_ends = SqlDayEnds(self._connection)
        # A single writer owns its file: no other process records applications, so no lock is needed.
        self.applications = SqlApplicationHistory(self._connection, serialise=not single_writer)
        self.decisions = SqlDecisionStore(self._connection)
        self.alerts = SqlAlertStore(self._connection)  # early-warning alerts (issue 14)
        self.hardship = SqlHardshipStore(self._connection)  # hardship requests and plans (issue 15)
        self.collections = SqlCollectionsStore(self._connection)  # cases, contact log, promises (issue 15)
        self.credit_disputes = SqlDisputeStore(self._connection)  # credit-report disputes, statements (issue 16)
        self.customer_pii = SqlCustomerPii(self._connection)  # approved applicants' encrypted data (issue 18)
        # Month-end behaviour rows for ``ewi run`` (issue 14). A simulation's own file (single writer) keeps none:
        # ``ewi run`` refuses it, and its own early warning reads the simulation's outputs.
        self.panel: SqlPanelStore | None = None if single_writer else SqlPanelStore(self._connection)

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
        sink = self._lines.event_sink
        out = list(sink)
        sink.clear()  # in place: the lines hold this list
        return out

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
        # A command that changed a month already stored restates the line's panel rows in this transaction.
        restate_from(self.panel, self._lines.seen, self._lines.loaded_events)
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
