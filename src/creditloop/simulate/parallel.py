"""Run a simulation as independent blocks of customers, on several cores, into one ledger.

Customers never interact, so the population is cut into fixed blocks (``SimConfig.block_size``), each with
its own random stream fixed by the seed (``runner.block_entropy``) and its own single-writer SQLite ledger.
Blocks run in worker processes; each finished ledger is merged, in block order, while later blocks still run,
the Parquet files at the end, and an independent auditor checks the merged ledger against the simulator's
own tally. The same seed gives byte-identical outputs whatever the number of workers.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import queue
import re
import shutil
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from creditloop.core.errors import InvariantViolation, ValidationError
from creditloop.ledger.accounts import Account
from creditloop.simulate.outputs import SCHEMAS
from creditloop.simulate.runner import SimConfig, SimResult, Simulation

Progress = Callable[[int, int], None]  # (customer-months done, customer-months in all)
MAX_WORKERS = 64


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def run_simulation(
    config: SimConfig, out_dir: Path, *, workers: int | None = None, progress: Progress | None = None
) -> SimResult:
    """Simulate ``config`` into ``out_dir`` (ledger.sqlite, Parquet files, summary.json)."""
    workers = default_workers() if workers is None else workers
    if not 1 <= workers <= MAX_WORKERS:
        raise ValidationError(f"workers must be between 1 and {MAX_WORKERS}, got {workers}", field="workers")
    total = config.customers * config.months
    started = time.perf_counter()
    if config.blocks == 1:
        result = run_block(
            config,
            0,
            out_dir,
            None if progress is None else lambda m, _t: progress(m * config.customers, total),
            keep_indexes=True,
        )
        result.timings.update(blocks_s=time.perf_counter() - started, merge_s=0.0)
        return result
    block_root = out_dir / "blocks"
    shutil.rmtree(block_root, ignore_errors=True)
    dirs = [block_root / f"b{b:04d}" for b in range(config.blocks)]
    summaries: dict[int, dict[str, Any]] = {}
    merger = LedgerMerger(out_dir)
    try:
        if workers == 1:
            for b, d in enumerate(dirs):
                summaries[b] = run_block(config, b, d, _block_progress(config, b, progress)).summary
                merger.add(d)
        else:
            summaries = _run_parallel(config, dirs, workers, total, progress, merger.add)
        blocks_done = time.perf_counter()
        result = merge_blocks(config, dirs, out_dir, summaries, merger)
    finally:
        merger.close()
    shutil.rmtree(block_root)
    result.timings.update(blocks_s=blocks_done - started, merge_s=time.perf_counter() - blocks_done)
    return result


def _block_progress(config: SimConfig, block: int, progress: Progress | None) -> Progress | None:
    """Months of one block, run in this process, as customer-months of the whole run."""
    if progress is None:
        return None
    before = block * config.block_size * config.months
    size = len(config.block_customers(block))
    total = config.customers * config.months

    def tick(month: int, _months: int) -> None:
        progress(before + month * size, total)

    return tick


def run_block(
    config: SimConfig, block: int, out_dir: Path, progress: Progress | None, *, keep_indexes: bool = False
) -> SimResult:
    """One block on its own ledger. Its secondary indexes (by line, account, customer, due date) serve queries a
    simulation never makes, so they are dropped while it runs and built once where the ledger is kept."""
    from creditloop.adapters.sqlalchemy.db import check_foreign_keys
    from creditloop.bootstrap import build
    from creditloop.config import Settings

    system = build(Settings(data_dir=out_dir, database_url=None), fresh=True, single_writer=True)
    engine: sa.Engine = system.bus.uow.engine  # type: ignore[attr-defined]
    try:
        with engine.connect() as conn:
            indexes = drop_secondary_indexes(conn)
            keyed_postings = drop_postings_key(conn)
        result = Simulation(config, system.bus, out_dir, block=block).run(progress)
        if keep_indexes:
            with engine.connect() as conn:
                # The file is kept as it is: its keys are checked here, not at a merge.
                restore_postings_key(conn, keyed_postings)
                check_foreign_keys(conn)
                create_indexes(conn, indexes)
        return result
    finally:
        engine.dispose()
        if keep_indexes:
            _as_ledger(out_dir)


def _as_ledger(out_dir: Path) -> None:
    """Leave the file as every ledger is kept: the ordinary engine's connections switch it to WAL."""
    from creditloop.adapters.sqlalchemy.db import make_engine, sqlite_url

    ledger = make_engine(sqlite_url(out_dir.resolve()))
    with ledger.connect():
        pass
    ledger.dispose()


def drop_secondary_indexes(conn: sa.Connection) -> list[str]:
    """Drop the SQLite file's explicit indexes (not the keys'); returns their CREATE statements."""
    rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").all()
    for name, _sql in rows:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    conn.commit()
    return [sql for _name, sql in rows]


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


def create_indexes(conn: sa.Connection, statements: list[str]) -> None:
    for sql in statements:
        conn.exec_driver_sql(sql)
    conn.commit()


def _block_worker(config: SimConfig, block: int, out_dir: str, ticks: Any) -> dict[str, Any]:
    def tick(month: int, _total: int) -> None:
        ticks.put((block, month))

    return run_block(config, block, Path(out_dir), tick).summary


def _run_parallel(
    config: SimConfig,
    dirs: list[Path],
    workers: int,
    total: int,
    progress: Progress | None,
    on_block: Callable[[Path], None],
) -> dict[int, dict[str, Any]]:
    """Blocks on worker processes; each finished block is handed to ``on_block`` in block order while the
    others still run (the parent's core is otherwise idle until the last block ends)."""
    # fork where there is one: no re-import per worker, and scripts need no ``if __name__ == "__main__"``.
    # The parent holds no database connection at this point; it checks the product once for every worker.
    from creditloop.bootstrap import default_policies

    default_policies()
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    summaries: dict[int, dict[str, Any]] = {}
    months_done: dict[int, int] = defaultdict(int)
    with ctx.Manager() as manager, ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        ticks = manager.Queue()
        futures: dict[Future[dict[str, Any]], int] = {
            pool.submit(_block_worker, config, b, str(d), ticks): b for b, d in enumerate(dirs)
        }
        pending = set(futures)
        next_block = 0
        while pending:
            finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for f in finished:
                summaries[futures[f]] = f.result()  # a block's failure names the seed and month
            # Every worker was forked at the first submissions, so the parent may now open the merged ledger.
            while next_block in summaries:
                on_block(dirs[next_block])
                next_block += 1
            while True:
                try:
                    block, month = ticks.get_nowait()
                except queue.Empty:
                    break
                months_done[block] = max(months_done[block], month)
            if progress is not None:
                progress(sum(len(config.block_customers(b)) * m for b, m in months_done.items()), total)
    return summaries


# ------------------------------------------------------------------------------------------------ merging


# Blocks write postings without their key (``drop_postings_key``): inserting them in key order into the keyed table
# sorts each block's postings once and checks the key.
_COPIED_TABLES = (("postings", "entry_id, idx"), ("credit_lines", "line_id"), ("audit_decisions", "decision_id"))


def merge_blocks(
    config: SimConfig, dirs: list[Path], out_dir: Path, summaries: dict[int, dict[str, Any]], merger: LedgerMerger
) -> SimResult:
    """Finish the merged ledger (blocks not yet added, per-date records, indexes), audit it, and write the
    Parquet files (on a second thread meanwhile: Arrow and SQLite both release the GIL) and the summary."""
    with ThreadPoolExecutor(max_workers=1) as side:
        parquet = side.submit(_merge_parquet, dirs, out_dir)
        for d in dirs[merger.added :]:
            merger.add(d)
        engine = merger.finish()
        balances = _audit_merged(engine, config, summaries)
        merger.close()
        _as_ledger(out_dir)
        parquet.result()
    summary = _merge_summaries(config, summaries, balances)
    (out_dir / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8"
    )
    return SimResult(out_dir, summary)


class LedgerMerger:
    """Builds one ledger from the blocks' own, block by block in block order.

    Entries keep their ids (line ids are unique across blocks); the journal's insertion order is block by block.
    Per-date day-end runs and reconciliations are summed over the blocks. The file is bulk-loaded as a scratch
    file (no syncing, no write-ahead log, secondary indexes built once at the end), then turned into an ordinary
    WAL ledger.
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.added = 0
        self._engine: sa.Engine | None = None
        self._conn: sa.Connection | None = None
        self._indexes: list[str] = []
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
            self._indexes = drop_secondary_indexes(self._conn)
        return self._conn

    def add(self, block_dir: Path) -> None:
        conn = self._open()
        _merge_block(conn, block_dir, self._runs, self._recs)
        self.added += 1

    def finish(self) -> sa.Engine:
        conn = self._open()
        _write_day_ends(conn, self._runs, self._recs)
        create_indexes(conn, self._indexes)
        assert self._engine is not None
        return self._engine

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _merge_block(conn: sa.Connection, d: Path, runs: dict[str, list[Any]], recs: dict[str, list[Any]]) -> None:
    conn.exec_driver_sql("ATTACH DATABASE ? AS blk", (str((d / "ledger.sqlite").resolve()),))
    offset = conn.exec_driver_sql("SELECT coalesce(max(seq), 0) FROM journal_entries").scalar_one()
    # Rows go in primary-key order: block k's ids all sort after block k-1's (zero-padded customer numbers), so
    # the key indexes grow at their right edge instead of taking random inserts across millions of rows.
    conn.exec_driver_sql(
        "INSERT INTO journal_entries (entry_id, code, effective_on, line_id, links, reverses, seq) "
        "SELECT entry_id, code, effective_on, line_id, links, reverses, seq + ? FROM blk.journal_entries "
        "ORDER BY entry_id",
        (offset,),
    )
    for table, key in _COPIED_TABLES:
        conn.exec_driver_sql(f"INSERT INTO {table} SELECT * FROM blk.{table} ORDER BY {key}")  # fixed names
    conn.exec_driver_sql(
        "INSERT INTO account_totals (account, balance_minor) SELECT account, balance_minor FROM "
        "blk.account_totals WHERE true ON CONFLICT (account) DO UPDATE SET balance_minor = "
        "account_totals.balance_minor + excluded.balance_minor"
    )
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
    conn.commit()  # one block at a time: SQLite detaches only outside a transaction
    conn.exec_driver_sql("DETACH DATABASE blk")
    conn.commit()


def _write_day_ends(conn: sa.Connection, runs: dict[str, list[Any]], recs: dict[str, list[Any]]) -> None:
    conn.exec_driver_sql(
        "INSERT INTO day_end_runs (business_date, status, lines_closed) VALUES (?, ?, ?)",
        [(day, status, closed) for day, (status, closed) in sorted(runs.items())],
    )
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


def _audit_merged(engine: sa.Engine, config: SimConfig, summaries: dict[int, dict[str, Any]]) -> dict[str, int]:
    """The merged ledger, checked from its postings (not the running totals) against the blocks' tallies."""
    with engine.connect() as conn:
        sums: dict[str, int] = dict(
            conn.exec_driver_sql(
                "SELECT account, sum(CASE side WHEN 'D' THEN amount_minor ELSE -amount_minor END) "
                "FROM postings GROUP BY account"
            ).all()
        )
        totals: dict[str, int] = dict(conn.exec_driver_sql("SELECT account, balance_minor FROM account_totals").all())
        failed = conn.exec_driver_sql("SELECT count(*) FROM reconciliations WHERE NOT ok").scalar_one()
    paid = sum(s["paid_minor"] for s in summaries.values())
    bought = sum(s["purchased_minor"] - s["refunded_minor"] for s in summaries.values())
    problems = []
    if sum(sums.values()) != 0:
        problems.append(f"trial balance is {sum(sums.values())}, not 0")
    if {k: v for k, v in sums.items() if v} != {k: v for k, v in totals.items() if v}:
        problems.append("account totals differ from the sum of the postings")
    if sums.get(Account.CASH_CLEARING.value, 0) != paid:
        problems.append(f"cash {sums.get(Account.CASH_CLEARING.value, 0)} != paid {paid}")
    if -sums.get(Account.MERCHANT_PAYABLE.value, 0) != bought:
        problems.append(f"merchant payable {-sums.get(Account.MERCHANT_PAYABLE.value, 0)} != purchases less refunds")
    if failed:
        problems.append(f"{failed} merged daily reconciliation(s) failed")
    if problems:
        raise InvariantViolation(f"auditor, merged ledger, seed {config.seed}: " + "; ".join(problems))
    return {k: int(v) for k, v in sums.items()}


def _merge_parquet(dirs: list[Path], out_dir: Path) -> None:
    for name, schema in SCHEMAS.items():
        table = pa.concat_tables([pq.read_table(d / f"{name}.parquet", schema=schema) for d in dirs])
        if name == "events":  # one sequence in event order: by date, then block, then the block's own order
            table = table.sort_by([("occurred_on", "ascending")])  # stable: block order kept within a date
            table = table.set_column(0, "seq", pa.array(range(1, table.num_rows + 1), pa.int64()))
        elif name == "snapshots":
            table = table.sort_by([("month_index", "ascending")])
        pq.write_table(table.cast(schema), out_dir / f"{name}.parquet")


_SUMMED = ("lines_opened", "purchased_minor", "refunded_minor", "paid_minor")
_COUNTS = ("refused", "lender_actions")  # {code: count} per block, added up


def _merge_summaries(
    config: SimConfig, summaries: dict[int, dict[str, Any]], balances: dict[str, int]
) -> dict[str, Any]:
    """The first block's run description, the blocks' totals and counts added up, the merged trial balance."""
    merged = dict(summaries[0])
    for key in _SUMMED:
        merged[key] = sum(s[key] for s in summaries.values())
    for key in _COUNTS:
        if key in merged:
            counts: dict[str, int] = defaultdict(int)
            for s in summaries.values():
                for code, n in s.get(key, {}).items():
                    counts[code] += n
            merged[key] = dict(sorted(counts.items()))
    merged.update(
        customers=config.customers,
        blocks=config.blocks,
        block_size=config.block_size,
        journal_balanced=sum(balances.values()) == 0,
        trial_balance=dict(sorted(balances.items())),
    )
    return merged
