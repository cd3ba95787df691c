"""The application history on SQLite and PostgreSQL (``app.ports.ApplicationHistory``).

A snapshot is one statement, one round trip: a UNION ALL of index range reads, one per key (identity, phone,
device, employer + address) over the longest window, the latest ``EMPLOYER_PEERS_CAP`` employer peers, the
earliest duplicate and the application's own earlier row, each tagged; ``app.history.snapshot_from_rows`` then
counts exactly as the memory adapter does.

Concurrent deciders: a snapshot and the record that follows must not interleave with another process's, or two
applications of one identity could each miss the other. So the first snapshot of a transaction takes the
history's write lock until the transaction ends: ``BEGIN IMMEDIATE`` on SQLite (SQLite has one writer anyway),
a transaction-scoped advisory lock on PostgreSQL. Deciders therefore queue behind each other's transactions;
keep them short (commit per application or per chunk). Rows are insert-only and keyed by application id, so
two processes recording one application leave one row, never two.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from creditloop.adapters.sqlalchemy.common import ConnectionSource
from creditloop.app.history import (
    EMPLOYER_PEERS_CAP,
    Candidates,
    HistoryRow,
    check_windows,
    horizon_us,
    row_of,
    snapshot_from_rows,
)
from creditloop.strategy.velocity import ApplicationKeys, VelocitySnapshot

# pg_advisory_xact_lock key of the history ("clhistry" in ASCII), distinct from the migration lock.
PG_HISTORY_LOCK = 0x636C6869737472
_NO_KEY = "-"  # stands for an empty key in queries: never a hash, so an index read finds nothing

_COLUMNS = (
    "application_id, applied_at_us, identity_hash, phone_hash, device_hash, employer_address_hash, monthly_income_minor"
)
_KEYED = (
    "SELECT '{tag}' AS tag, " + _COLUMNS + " FROM application_history WHERE {column} = {p} "
    "AND applied_at_us > {p} AND applied_at_us < {p} AND application_id <> {p}"
)
_PEERS = (
    "SELECT * FROM (SELECT 'e' AS tag, " + _COLUMNS + " FROM application_history WHERE employer_hash = {p} "
    "AND applied_at_us < {p} AND identity_hash <> {p} AND application_id <> {p} "
    "ORDER BY applied_at_us DESC, application_id{c} DESC LIMIT " + str(EMPLOYER_PEERS_CAP) + ") peers"
)
_DUPLICATE = (
    "SELECT * FROM (SELECT 'u' AS tag, " + _COLUMNS + " FROM application_history WHERE inputs_hash = {p} "
    "AND applied_at_us < {p} AND application_id <> {p} ORDER BY applied_at_us, application_id{c} LIMIT 1) dup"
)
_OWN = "SELECT 's' AS tag, " + _COLUMNS + " FROM application_history WHERE application_id = {p}"
_KEY_COLUMNS = (("i", "identity_hash"), ("p", "phone_hash"), ("d", "device_hash"), ("a", "employer_address_hash"))


def _snapshot_sql(p: str, collate: str) -> str:
    parts = [_KEYED.format(tag=tag, column=column, p=p) for tag, column in _KEY_COLUMNS]
    parts += [_PEERS.format(p=p, c=collate), _DUPLICATE.format(p=p, c=collate), _OWN.format(p=p)]
    return " UNION ALL ".join(parts)


# PostgreSQL compares text by the database's collation; "C" orders ids by code point, as Python and SQLite do.
_SQL = {"sqlite": _snapshot_sql("?", ""), "postgresql": _snapshot_sql("%s", ' COLLATE "C"')}
_INSERT_COLUMNS = (
    "application_id, applied_at_us, identity_hash, phone_hash, device_hash, employer_hash, employer_address_hash, "
    "inputs_hash, monthly_income_minor"
)
_INSERT = {
    name: f"INSERT INTO application_history ({_INSERT_COLUMNS}) VALUES ({', '.join([p] * 9)}) "
    "ON CONFLICT (application_id) DO NOTHING"
    for name, p in (("sqlite", "?"), ("postgresql", "%s"))
}


class SqlApplicationHistory:
    """``ApplicationHistory`` over the unit of work's connection (rows commit with the rest of the command).

    ``serialise=False`` skips the write lock: for a single writer that owns the file (a simulation block)."""

    def __init__(self, connection: ConnectionSource, *, serialise: bool = True) -> None:
        self._connection = connection
        self.serialise = serialise
        self._locked: Any = None  # the PostgreSQL transaction that holds the history lock

    def snapshot(
        self, keys: ApplicationKeys, windows_days: tuple[int, ...], reuse_window_days: int
    ) -> VelocitySnapshot:
        windows = check_windows(windows_days, reuse_window_days)
        row = row_of(keys)
        conn = self._connection()
        if self.serialise:
            self._lock(conn)
        t = row.applied_at_us
        since = t - horizon_us(windows, reuse_window_days)
        own = row.application_id
        params: list[object] = []
        for key in (row.identity, row.phone, row.device, row.employer_address):
            params += [key or _NO_KEY, since, t, own]
        params += [row.employer or _NO_KEY, t, row.identity, own, row.inputs_hash, t, own, own]
        rows = conn.exec_driver_sql(_SQL[conn.dialect.name], tuple(params)).all()
        return snapshot_from_rows(row, _candidates(rows), windows, reuse_window_days)

    def record(self, keys: ApplicationKeys) -> None:
        self.record_many((keys,))

    def record_many(self, many: Sequence[ApplicationKeys]) -> None:
        """Record a batch in one statement (executemany); each row is idempotent on its application id."""
        rows = [row_of(k) for k in many]
        if not rows:
            return
        conn = self._connection()
        values = [
            (
                r.application_id,
                r.applied_at_us,
                r.identity,
                r.phone,
                r.device,
                r.employer,
                r.employer_address,
                r.inputs_hash,
                r.monthly_income_minor,
            )
            for r in rows
        ]
        conn.exec_driver_sql(_INSERT[conn.dialect.name], values if len(values) > 1 else values[0])

    def _lock(self, conn: Connection) -> None:
        """Hold the history's write lock until this transaction ends (once per transaction)."""
        if conn.dialect.name == "sqlite":
            dbapi = conn.connection.dbapi_connection
            # pysqlite opens its transaction at the first write: open it now, as a writer, before the reads.
            if dbapi is not None and not dbapi.in_transaction:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        tx = conn.get_transaction()
        if tx is None or tx is not self._locked:
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (PG_HISTORY_LOCK,))
            self._locked = conn.get_transaction()


def _candidates(rows: Sequence[Any]) -> Candidates:
    by: dict[str, list[HistoryRow]] = {"i": [], "p": [], "d": [], "a": []}
    incomes: list[int] = []
    duplicate: str | None = None
    same_id = False
    for tag, app_id, at, identity, phone, device, employer_address, income in rows:
        if tag == "e":
            incomes.append(int(income))
        elif tag == "u":
            duplicate = app_id
        elif tag == "s":
            same_id = True
        else:
            by[tag].append(HistoryRow(app_id, int(at), identity, phone, device, "", employer_address, "", int(income)))
    return Candidates(by["i"], by["p"], by["d"], by["a"], incomes, duplicate, same_id)
