"""The application history on SQLite and PostgreSQL (``app.ports.ApplicationHistory``).

A snapshot is one statement, one round trip: a UNION ALL of index range reads, one per key (identity, phone,
device, employer + address) over the longest window, the employer cluster of the last days (``app.history``),
the count and median income of the latest ``EMPLOYER_PEERS_CAP`` employer peers (computed in the database:
returning 200 rows to Python cost more than all the rest), the earliest duplicate and the application's own
earlier row, each tagged; ``app.history.snapshot_from_rows`` then counts exactly as the memory adapter does.
Every read is covered by its index (``tables.application_history``). A batch's chunk goes down one pipeline
(``snapshot_and_record_many``).

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

from creditloop.adapters.sqlalchemy.common import ConnectionSource, driver
from creditloop.app.history import (
    CLUSTER_WINDOW_US,
    EMPLOYER_PEERS_CAP,
    Candidates,
    HistoryRow,
    check_windows,
    horizon_us,
    row_of,
    snapshot_from_rows,
)
from creditloop.strategy.velocity import (
    CLUSTER_IDENTITIES,
    CLUSTER_INCOME_NEAR,
    CLUSTER_INCOME_NEAR_PCT,
    CLUSTER_PHONE_BLOCK,
    CLUSTER_ROWS_CAP,
    ApplicationKeys,
    VelocitySnapshot,
)

# pg_advisory_xact_lock key of the history ("clhistry" in ASCII), distinct from the migration lock.
PG_HISTORY_LOCK = 0x636C6869737472
_NO_KEY = "-"  # stands for an empty key in queries: never a hash, so an index read finds nothing

_COLUMNS = (
    "application_id, applied_at_us, identity_hash, phone_hash, device_hash, employer_address_hash, monthly_income_minor"
)
# Each keyed read returns only what its covering index holds (blanks of the same types stand for the rest):
# identity rows their phones and devices, phone / device / employer-address rows their identities.
_KEYED = (
    "SELECT '{tag}' AS tag, application_id, applied_at_us, {columns}, '', 0 FROM application_history "
    "WHERE {column} = {p} AND applied_at_us > {p} AND applied_at_us <= {p} AND application_id <> {p}"
)
_KEY_COLUMNS = (
    ("i", "identity_hash", "'', phone_hash, device_hash"),
    ("p", "phone_hash", "identity_hash, '', ''"),
    ("d", "device_hash", "identity_hash, '', ''"),
    ("a", "employer_address_hash", "identity_hash, '', ''"),
)
# The employer peers' count and median, computed in the database over the covering index (one row: the count,
# and the sum of the two middle incomes, equal for an odd count, whose half rounded down is ``median_minor``).
_PEERS = (
    "SELECT * FROM (WITH peers AS (SELECT monthly_income_minor AS inc FROM application_history "
    "WHERE employer_hash = {p} AND applied_at_us <= {p} AND identity_hash <> {p} AND application_id <> {p} "
    "ORDER BY employer_hash DESC, applied_at_us DESC, application_id DESC LIMIT " + str(EMPLOYER_PEERS_CAP) + "), "
    "cnt AS (SELECT count(*) AS n FROM peers) "
    "SELECT 'm' AS tag, NULL AS application_id, (SELECT n FROM cnt) AS applied_at_us, '' AS identity_hash, "
    "'' AS phone_hash, '' AS device_hash, '' AS employer_address_hash, "
    "coalesce((SELECT inc FROM peers ORDER BY inc LIMIT 1 OFFSET ((SELECT n FROM cnt) - 1) / 2), 0) "
    "+ coalesce((SELECT inc FROM peers ORDER BY inc LIMIT 1 OFFSET (SELECT n FROM cnt) / 2), 0) "
    "AS monthly_income_minor) peers_median"
)
# The earliest duplicate, read from the covering index only (the other columns are blanks of the same types).
_DUPLICATE = (
    "SELECT * FROM (SELECT 'u' AS tag, application_id, applied_at_us, '', '', '', '', 0 FROM application_history "
    "WHERE inputs_hash = {p} AND applied_at_us <= {p} AND application_id <> {p} "
    "ORDER BY inputs_hash, applied_at_us, application_id LIMIT 1) dup"
)
# The employer cluster's three counts, computed in the database over the latest rows of other identities naming
# this employer in the cluster window (covered by the employer index, which carries the phone block): one row,
# the distinct identities in the instant column, those with an income near this one's in the phone column (as
# text), those on this phone's block in the income column. Returning the rows cost more than counting them here.
_CLUSTER = (
    "SELECT * FROM (WITH c AS (SELECT identity_hash AS ih, phone_block_hash AS pb, monthly_income_minor AS inc "
    "FROM application_history WHERE employer_hash = {p} AND applied_at_us > {p} AND applied_at_us <= {p} "
    "AND identity_hash <> {p} AND application_id <> {p} "
    "ORDER BY employer_hash DESC, applied_at_us DESC, application_id DESC LIMIT " + str(CLUSTER_ROWS_CAP) + ") "
    "SELECT 'e' AS tag, NULL AS application_id, (SELECT count(DISTINCT ih) FROM c) AS applied_at_us, "
    "'' AS identity_hash, CAST((SELECT count(DISTINCT ih) FROM c WHERE CAST({p} AS BIGINT) > 0 AND "
    "abs(inc - CAST({p} AS BIGINT)) * 100 <= " + str(CLUSTER_INCOME_NEAR_PCT) + " * CAST({p} AS BIGINT)) AS TEXT) "
    "AS phone_hash, "
    "'' AS device_hash, '' AS employer_address_hash, "
    "(SELECT count(DISTINCT ih) FROM c WHERE pb <> '' AND pb = {p}) AS monthly_income_minor) cluster"
)
_OWN = "SELECT 's' AS tag, " + _COLUMNS + " FROM application_history WHERE application_id = {p}"


def _snapshot_sql(p: str) -> str:
    parts = [_KEYED.format(tag=tag, column=column, columns=columns, p=p) for tag, column, columns in _KEY_COLUMNS]
    parts += [_PEERS.format(p=p), _CLUSTER.format(p=p), _DUPLICATE.format(p=p), _OWN.format(p=p)]
    return " UNION ALL ".join(parts)


_SQL = {"sqlite": _snapshot_sql("?"), "postgresql": _snapshot_sql("%s")}
_INSERT_COLUMNS = (
    "application_id, applied_at_us, identity_hash, phone_hash, device_hash, employer_hash, employer_address_hash, "
    "inputs_hash, monthly_income_minor, phone_block_hash"
)
_INSERT = {
    name: f"INSERT INTO application_history ({_INSERT_COLUMNS}) VALUES ({', '.join([p] * 10)}) "
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
        params = _params(row, windows, reuse_window_days)
        if conn.dialect.name == "sqlite":  # the driver directly: SQLAlchemy's result set-up cost more than the query
            rows: Any = driver(conn).execute(_SQL["sqlite"], params).fetchall()
        else:
            rows = conn.exec_driver_sql(_SQL[conn.dialect.name], params).all()
        return snapshot_from_rows(row, _candidates(rows, row), windows, reuse_window_days)

    def snapshot_and_record_many(
        self, many: Sequence[ApplicationKeys], windows_days: tuple[int, ...], reuse_window_days: int
    ) -> list[VelocitySnapshot]:
        """``snapshot`` then ``record`` for each application in turn (each sees the ones before it), in one round
        trip on PostgreSQL: the statements go down one pipeline and the server runs them in order."""
        conn = self._connection()
        if conn.dialect.name != "postgresql":  # no round trips to save: SQLite runs in this process
            return self._sqlite_snapshot_and_record_many(conn, many, windows_days, reuse_window_days)
        windows = check_windows(windows_days, reuse_window_days)
        rows = [row_of(k) for k in many]
        if self.serialise:
            self._lock(conn)
        raw: Any = conn.connection.dbapi_connection
        cursors = []
        with raw.pipeline():
            for row in rows:
                cursors.append(raw.execute(_SQL["postgresql"], _params(row, windows, reuse_window_days)))
                raw.execute(_INSERT["postgresql"], _values(row))
        return [
            snapshot_from_rows(row, _candidates(cur.fetchall(), row), windows, reuse_window_days)
            for row, cur in zip(rows, cursors, strict=True)
        ]

    def _sqlite_snapshot_and_record_many(
        self, conn: Connection, many: Sequence[ApplicationKeys], windows_days: tuple[int, ...], reuse_window_days: int
    ) -> list[VelocitySnapshot]:
        """One by one through the driver's cursor: SQLAlchemy's per-statement work cost more than the query."""
        windows = check_windows(windows_days, reuse_window_days)
        rows = [row_of(k) for k in many]
        if self.serialise:
            self._lock(conn)
        cursor = driver(conn).cursor()
        out = []
        try:
            for row in rows:
                found = cursor.execute(_SQL["sqlite"], _params(row, windows, reuse_window_days)).fetchall()
                out.append(snapshot_from_rows(row, _candidates(found, row), windows, reuse_window_days))
                cursor.execute(_INSERT["sqlite"], _values(row))
        finally:
            cursor.close()
        return out

    def forget(self, application_ids: Sequence[str]) -> None:
        """Remove rows recorded in this transaction for applications that were then refused (a batch's undo)."""
        if not application_ids:
            return
        conn = self._connection()
        p = "?" if conn.dialect.name == "sqlite" else "%s"
        conn.exec_driver_sql(
            f"DELETE FROM application_history WHERE application_id = {p}", [(i,) for i in application_ids]
        )

    def record(self, keys: ApplicationKeys) -> None:
        self.record_many((keys,))

    def record_many(self, many: Sequence[ApplicationKeys]) -> None:
        """Record a batch in one statement (executemany); each row is idempotent on its application id."""
        rows = [row_of(k) for k in many]
        if not rows:
            return
        conn = self._connection()
        values = [_values(r) for r in rows]
        if conn.dialect.name == "sqlite":
            driver(conn).executemany(_INSERT["sqlite"], values)
            return
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


def _params(row: HistoryRow, windows: tuple[int, ...], reuse_window_days: int) -> tuple[object, ...]:
    """The snapshot statement's parameters, in the order of its branches."""
    t, own = row.applied_at_us, row.application_id
    since = t - horizon_us(windows, reuse_window_days)
    params: list[object] = []
    for key in (row.identity, row.phone, row.device, row.employer_address):
        params += [key or _NO_KEY, since, t, own]
    employer = row.employer or _NO_KEY
    params += [employer, t, row.identity, own]
    income = row.monthly_income_minor
    params += [
        employer,
        t - CLUSTER_WINDOW_US,
        t,
        row.identity,
        own,
        income,
        income,
        income,
        row.phone_block or _NO_KEY,
    ]
    params += [row.inputs_hash, t, own, own]
    return tuple(params)


def _values(r: HistoryRow) -> tuple[object, ...]:
    return (
        r.application_id,
        r.applied_at_us,
        r.identity,
        r.phone,
        r.device,
        r.employer,
        r.employer_address,
        r.inputs_hash,
        r.monthly_income_minor,
        r.phone_block,
    )


def _candidates(rows: Sequence[Any], own: HistoryRow) -> Candidates:
    """Sort the tagged rows out; a keyed row's own key (not read back: it is the one asked for) is filled in."""
    by: dict[str, list[HistoryRow]] = {"i": [], "p": [], "d": [], "a": []}
    peers = median = 0
    duplicate: str | None = None
    same_id = False
    cluster: dict[str, int] | None = None
    for tag, app_id, at, identity, phone, device, employer_address, income in rows:
        if tag == "m":
            peers, median = int(at), int(income) // 2
        elif tag == "u":
            duplicate = app_id
        elif tag == "s":
            same_id = True
        elif tag == "e":  # the cluster's counts (see _CLUSTER)
            cluster = {CLUSTER_IDENTITIES: int(at), CLUSTER_PHONE_BLOCK: int(income), CLUSTER_INCOME_NEAR: int(phone)}
        else:
            identity = own.identity if tag == "i" else identity
            phone = own.phone if tag == "p" else phone
            device = own.device if tag == "d" else device
            employer_address = own.employer_address if tag == "a" else employer_address
            by[tag].append(HistoryRow(app_id, int(at), identity, phone, device, "", employer_address, "", 0))
    return Candidates(by["i"], by["p"], by["d"], by["a"], peers, median, duplicate, same_id, cluster_counts=cluster)
