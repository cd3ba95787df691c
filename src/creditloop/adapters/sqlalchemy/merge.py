"""SQLite ledger files built in bulk: a simulation block's scratch file, and the merge of blocks into one ledger.

A block's file runs without secondary indexes and with a keyless postings table (both restored wherever a file
is kept; the merged file keeps its indexes and grows them block by block). The merge copies each block into the
merged ledger in block order and proves, as it goes, that what landed is what the block's own audit read
(``LedgerFigures``): the same number of postings and entries and the same per-account sums of postings, read
back from the merged file's inserted range. The merged ledger is then the union of the audited blocks without a
second scan of its postings (issue #12; ``ledger/checks.py`` holds the invariants).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

from creditloop.core.errors import InvariantViolation
from creditloop.ledger.checks import CheckError, counts_equal, parts_add_up

_SIGNED = "sum(CASE side WHEN 'D' THEN amount_minor ELSE -amount_minor END)"


@dataclass(slots=True)
class LedgerFigures:
    """What an audit of a ledger file reads: per-account sums of its postings (not its running totals), its
    running totals, its row counts and how many of its daily reconciliations failed."""

    sums: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    postings: int = 0
    entries: int = 0
    failed_reconciliations: int = 0


def ledger_figures(conn: sa.Connection) -> LedgerFigures:
    """One pass over the file's postings (grouped by account) and the small tables."""
    figures = _postings_figures(conn, f"SELECT account, {_SIGNED}, count(*) FROM postings GROUP BY account")
    figures.totals = _totals(conn, "account_totals")
    figures.entries = conn.exec_driver_sql("SELECT count(*) FROM journal_entries").scalar_one()
    figures.failed_reconciliations = conn.exec_driver_sql(_FAILED).scalar_one()
    return figures


_FAILED = "SELECT count(*) FROM reconciliations WHERE NOT ok"


def _postings_figures(conn: sa.Connection, sql: str, *params: object) -> LedgerFigures:
    """Per-account sums and the row count from one grouped pass (``sql``: account, signed sum, count)."""
    figures = LedgerFigures()
    for account, signed, n in conn.exec_driver_sql(sql, params):
        figures.sums[account] = int(signed)
        figures.postings += n
    return figures


def _totals(conn: sa.Connection, table: str) -> dict[str, int]:
    sql = f"SELECT account, sum(balance_minor) FROM {table} GROUP BY account"  # fixed names; a total is its slots' sum
    return {a: int(v) for a, v in conn.exec_driver_sql(sql)}


# ------------------------------------------------------------------------------------------ scratch files


# Tables a running block queries by their secondary indexes: the application history's snapshots read each key's
# index (issue #13), so those indexes stay while a block runs.
# Tables a block queries by line or status while it runs (the simulator's hardship workflow and collections).
_QUERIED_WHILE_RUNNING = (
    "application_history",
    "hardship_requests",
    "hardship_plans",
    "collection_contacts",
    "collection_flags",
    "collection_promises",
)


def drop_secondary_indexes(conn: sa.Connection) -> list[str]:
    """Drop the SQLite file's explicit indexes (not the keys', nor those a block queries); returns their CREATE
    statements."""
    kept = ", ".join(f"'{t}'" for t in _QUERIED_WHILE_RUNNING)  # fixed names
    rows = conn.exec_driver_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name NOT IN ({kept})"
    ).all()
    for name, _sql in rows:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    conn.commit()
    return [sql for _name, sql in rows]


def create_indexes(conn: sa.Connection, statements: list[str]) -> None:
    for sql in statements:
        conn.exec_driver_sql(sql)
    conn.commit()


_POSTINGS_SQL = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'postings'"
_POSTINGS_KEY = re.compile(r"CONSTRAINT pk_postings PRIMARY KEY \(entry_id, idx\),\s*")


def drop_postings_key(conn: sa.Connection) -> str:
    """Rebuild the (still empty) postings table of a block's scratch file without its primary key; returns the
    keyed table's CREATE statement.

    Postings go in entry order but their key (entry id, index) sorts by line, so every day-end's postings were
    random inserts into the key's B-tree, the largest single write of a block. Nothing in a block reads
    postings by key (retries, corrections and audits that do are not part of a simulation), and a posting is
    only written for a journal entry that was just inserted under the entries' own key, so a block cannot make
    a duplicate. The key is still checked wherever the file is kept: the merge inserts into a keyed table
    and a single block kept as the ledger gets its key back (``restore_postings_key``)."""
    keyed: str = conn.exec_driver_sql(_POSTINGS_SQL).scalar_one()
    if conn.exec_driver_sql("SELECT count(*) FROM postings").scalar_one():
        raise InvariantViolation("the postings key is only dropped from an empty scratch file")
    keyless, found = _POSTINGS_KEY.subn("", keyed)
    if found != 1:  # pragma: no cover - the schema's key constraint was renamed: update the pattern
        raise InvariantViolation(f"postings key constraint not found in {keyed!r}")
    conn.exec_driver_sql("DROP TABLE postings")
    conn.exec_driver_sql(keyless)
    conn.commit()
    return keyed


def restore_postings_key(conn: sa.Connection, keyed: str) -> None:
    """Copy a block's keyless postings into the keyed table (``drop_postings_key``), in their insertion order:
    a duplicate key fails here (IntegrityError) before the file is kept."""
    conn.exec_driver_sql("ALTER TABLE postings RENAME TO postings_keyless")
    conn.exec_driver_sql(keyed)
    conn.exec_driver_sql("INSERT INTO postings SELECT * FROM postings_keyless ORDER BY rowid")
    conn.exec_driver_sql("DROP TABLE postings_keyless")
    conn.commit()


def as_wal_ledger(out_dir: Path) -> None:
    """Leave the file as every ledger is kept: the ordinary engine's connections switch it to WAL."""
    from creditloop.adapters.sqlalchemy.db import make_engine, sqlite_url

    ledger = make_engine(sqlite_url(out_dir.resolve()))
    with ledger.connect():
        pass
    ledger.dispose()


# ------------------------------------------------------------------------------------------------ merging


# Blocks write postings without their key (``drop_postings_key``): inserting them in key order into the keyed table
# sorts each block's postings once and checks the key.
# Application ids and decision ids are unique across blocks, as line ids are: a clash fails the merge (its key).
_COPIED_TABLES = (
    ("credit_lines", "line_id"),
    ("audit_decisions", "decision_id"),
    ("application_history", "application_id"),
    ("underwriting_decisions", "decision_id"),
)


class LedgerMerger:
    """Builds one ledger from the blocks' own, block by block in block order.

    Entries keep their ids (line ids are unique across blocks); the journal's insertion order is block by block.
    Per-date day-end runs and reconciliations are summed over the blocks. The file is bulk-loaded as a scratch
    file (no syncing, no write-ahead log), then turned into an ordinary WAL ledger. ``blocks`` holds, per block
    added, the figures read back from the merged file's inserted rows.

    The secondary indexes are kept and grow with each block, while later blocks still run: rows arrive in key
    order with rising row ids, so each index takes appends at a few right edges (postings by account: one per
    account), about the CPU of building it once at the end, but that build was serial, after the last block
    (14 s of a 24 s tail at 20,000 customers, issue #12).
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.added = 0
        self.blocks: list[LedgerFigures] = []
        self._engine: sa.Engine | None = None
        self._conn: sa.Connection | None = None
        self._runs: dict[str, list[Any]] = {}
        self._recs: dict[str, list[Any]] = {}

    def _open(self) -> sa.Connection:
        from creditloop.adapters.sqlalchemy.db import make_engine, migrate, sqlite_url
        from creditloop.adapters.sqlalchemy.purpose import SIMULATION, stamp_purpose

        if self._conn is None:
            for suffix in ("", "-wal", "-shm"):
                (self.out_dir / f"ledger.sqlite{suffix}").unlink(missing_ok=True)
            self._engine = make_engine(sqlite_url(self.out_dir.resolve()), durable=False)
            migrate(self._engine)
            self._conn = self._engine.connect()
            self._conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MB: a 100,000-customer ledger is ~6 GB
            # Blocks write without foreign-key look-ups (scratch files): every merged posting's entry is checked here.
            # (Set before any statement opens a transaction: inside one, SQLite ignores this pragma.)
            self._conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            stamp_purpose(self._conn, SIMULATION)  # synthetic books: servicing commands refuse to write here
            self._conn.commit()
        return self._conn

    def add(self, block_dir: Path, audited: LedgerFigures | None = None) -> None:
        """Copy one block in; with ``audited`` (what the block's own audit read from its file), refuse it unless
        the merged file received exactly those postings and entries (``InvariantViolation``, nothing kept)."""
        conn = self._open()
        figures = _merge_block(conn, block_dir)
        errors = [] if audited is None else _copy_errors(block_dir.name, figures, audited)
        if errors:
            conn.rollback()
            conn.exec_driver_sql("DETACH DATABASE blk")
            raise InvariantViolation(f"merge of {block_dir.name}: " + "; ".join(e.message for e in errors))
        _add_day_ends(conn, self._runs, self._recs)
        conn.commit()  # one block at a time: SQLite detaches only outside a transaction
        conn.exec_driver_sql("DETACH DATABASE blk")
        conn.commit()
        self.blocks.append(figures)
        self.added += 1

    def finish(self) -> sa.Engine:
        conn = self._open()
        _write_day_ends(conn, self._runs, self._recs)
        assert self._engine is not None
        return self._engine

    def figures(self) -> tuple[LedgerFigures, list[CheckError]]:
        """The merged ledger's figures, its postings' sums added up from the blocks' inserted ranges (no scan of
        the postings), and the errors if the merged file is not exactly the union of the blocks added."""
        conn = self._open()
        merged = LedgerFigures(
            totals=_totals(conn, "account_totals"),
            # Row ids and sequence numbers run 1, 2, ... in this fresh file: their maximum is the row count.
            postings=conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM postings").scalar_one(),
            entries=conn.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM journal_entries").scalar_one(),
            failed_reconciliations=conn.exec_driver_sql(_FAILED).scalar_one(),
        )
        sums: dict[str, int] = defaultdict(int)
        for block in self.blocks:
            for account, v in block.sums.items():
                sums[account] += v
        merged.sums = dict(sums)
        errors = [
            *counts_equal("merged postings", merged.postings, sum(b.postings for b in self.blocks)),
            *counts_equal("merged journal entries", merged.entries, sum(b.entries for b in self.blocks)),
            *parts_add_up(merged.totals, (b.totals for b in self.blocks), "merged account totals"),
        ]
        return merged, errors

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _copy_errors(block: str, copied: LedgerFigures, audited: LedgerFigures) -> list[CheckError]:
    return [
        *counts_equal(f"{block} postings copied", copied.postings, audited.postings),
        *counts_equal(f"{block} journal entries copied", copied.entries, audited.entries),
        *parts_add_up(copied.sums, [audited.sums], f"{block} postings copied"),
    ]


def _merge_block(conn: sa.Connection, d: Path) -> LedgerFigures:
    """Insert one block (attached as ``blk``, left attached and uncommitted); the figures of what was inserted,
    the postings' read back from the merged file's new row range, the running totals the block's."""
    conn.exec_driver_sql("ATTACH DATABASE ? AS blk", (str((d / "ledger.sqlite").resolve()),))
    offset = conn.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM journal_entries").scalar_one()
    # Rows go in primary-key order: block k's ids all sort after block k-1's (zero-padded customer numbers), so
    # the key indexes grow at their right edge instead of taking random inserts across millions of rows.
    entries = conn.exec_driver_sql(
        "INSERT INTO journal_entries (entry_id, code, effective_on, line_id, links, reverses, seq) "
        "SELECT entry_id, code, effective_on, line_id, links, reverses, seq + ? FROM blk.journal_entries "
        "ORDER BY entry_id",
        (offset,),
    ).rowcount
    before = conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM postings").scalar_one()
    conn.exec_driver_sql("INSERT INTO postings SELECT * FROM blk.postings ORDER BY entry_id, idx")
    # The new rows only (row ids above the last block's), read back from the merged file while in the page cache;
    # by row id, never through the account index (that would walk every block's postings).
    figures = _postings_figures(
        conn, f"SELECT account, {_SIGNED}, count(*) FROM postings NOT INDEXED WHERE rowid > ? GROUP BY account", before
    )
    figures.totals, figures.entries = _totals(conn, "blk.account_totals"), entries
    for table, key in _COPIED_TABLES:
        conn.exec_driver_sql(f"INSERT INTO {table} SELECT * FROM blk.{table} ORDER BY {key}")  # fixed names
    conn.exec_driver_sql(
        "INSERT INTO account_totals (account, slot, balance_minor) SELECT account, slot, balance_minor FROM "
        "blk.account_totals WHERE true ON CONFLICT (account, slot) DO UPDATE SET balance_minor = "
        "account_totals.balance_minor + excluded.balance_minor"
    )
    return figures


def _add_day_ends(conn: sa.Connection, runs: dict[str, list[Any]], recs: dict[str, list[Any]]) -> None:
    """Fold the attached block's day-end runs and reconciliations into the per-date sums."""
    for day, status, closed in conn.exec_driver_sql("SELECT * FROM blk.day_end_runs"):
        prior = runs.setdefault(day, [status, 0])
        if status != "DONE":
            prior[0] = status
        prior[1] += closed
    for day, trial, control, sub_ledger, ok in conn.exec_driver_sql(
        "SELECT business_date, trial_balance_minor, control, sub_ledger, ok FROM blk.reconciliations"
    ):
        prior = recs.setdefault(day, [0, defaultdict(int), defaultdict(int), True])
        prior[0] += trial
        for acct, v in json.loads(control).items():
            prior[1][acct] += v
        for acct, v in json.loads(sub_ledger).items():
            prior[2][acct] += v
        prior[3] = prior[3] and bool(ok)


def _write_day_ends(conn: sa.Connection, runs: dict[str, list[Any]], recs: dict[str, list[Any]]) -> None:
    # (Blocks without a day-end, in tests, have nothing to write: an empty executemany is no statement.)
    if runs:
        conn.exec_driver_sql(
            "INSERT INTO day_end_runs (business_date, status, lines_closed) VALUES (?, ?, ?)",
            [(day, status, closed) for day, (status, closed) in sorted(runs.items())],
        )
    if recs:
        conn.exec_driver_sql(
            "INSERT INTO reconciliations (business_date, trial_balance_minor, control, sub_ledger, ok) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (
                    day,
                    trial,
                    orjson.dumps(dict(sorted(control.items()))).decode(),
                    orjson.dumps(dict(sorted(sub.items()))).decode(),
                    ok and trial == 0 and control == sub,
                )
                for day, (trial, control, sub, ok) in sorted(recs.items())
            ],
        )
    conn.commit()
