"""Run a simulation as independent blocks of customers, on several cores, into one ledger.

Customers never interact, so the population is cut into fixed blocks (``SimConfig.block_size``), each with
its own random stream fixed by the seed (``runner.block_entropy``) and its own single-writer SQLite ledger.
Blocks run in worker processes; each worker audits its finished ledger against the block's own tally with the
named checks of ``ledger/checks.py``, and each audited ledger is merged, in block order, while later blocks
still run (``adapters/sqlalchemy/merge.py``: the merge proves the merged ledger is the union of the audited
blocks), the Parquet files at the end. The same seed gives byte-identical outputs whatever the number of workers.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import queue
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from creditloop.adapters.sqlalchemy.merge import (
    LedgerFigures,
    LedgerMerger,
    as_wal_ledger,
    create_indexes,
    drop_postings_key,
    drop_secondary_indexes,
    ledger_figures,
    restore_postings_key,
)
from creditloop.core.errors import InvariantViolation, ValidationError
from creditloop.ledger import checks
from creditloop.simulate.outputs import SCHEMAS
from creditloop.simulate.runner import SimConfig, SimResult, Simulation

Progress = Callable[[int, int], None]  # (customer-months done, customer-months in all)
MAX_WORKERS = 64
# The SQLite block files and their merge live in the SQL adapter; their names stay importable from here.
__all__ = [
    "LedgerMerger",
    "audit_block",
    "create_indexes",
    "drop_postings_key",
    "drop_secondary_indexes",
    "restore_postings_key",
    "run_block",
    "run_simulation",
]


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
    config = pooled_learning(config, out_dir, workers)
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
    blocks: dict[int, tuple[dict[str, Any], LedgerFigures]] = {}
    merger = LedgerMerger(out_dir)
    try:
        if workers == 1:
            for b, d in enumerate(dirs):
                blocks[b] = _audited_block(config, b, d, _block_progress(config, b, progress))
                merger.add(d, blocks[b][1])
        else:
            blocks = _run_parallel(config, dirs, workers, total, progress, merger.add)
        blocks_done = time.perf_counter()
        result = merge_blocks(config, dirs, out_dir, blocks, merger)
    finally:
        merger.close()
    shutil.rmtree(block_root)
    result.timings.update(blocks_s=blocks_done - started, merge_s=time.perf_counter() - blocks_done)
    return result


def pooled_learning(config: SimConfig, out_dir: Path, workers: int) -> SimConfig:
    """A learning lender on several blocks: run every block's first months, fit one model on all their cohorts,
    and return the config whose plan deploys that file (simulate/learning.py, "Block-parallel runs")."""
    plan = config.strategy.learning
    if plan is None or plan.model_file is not None or config.blocks == 1:
        return config
    from creditloop.simulate.learning import fit_and_save, pooled

    blocks = range(config.blocks)
    if workers == 1:
        tables = [first_phase(config, b) for b in blocks]
    else:
        ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        with ProcessPoolExecutor(max_workers=min(workers, config.blocks), mp_context=ctx) as pool:
            tables = list(pool.map(first_phase, [config] * config.blocks, blocks))
    out_dir.mkdir(parents=True, exist_ok=True)
    saved = fit_and_save(pooled(tables), plan, out_dir, None)
    learning = replace(plan, model_file=str(saved[0]) if saved else "")
    return replace(config, strategy=replace(config.strategy, learning=learning))


def first_phase(config: SimConfig, block: int) -> Any:
    """One block's training table at the fit month, from an in-memory run of its first months."""
    from creditloop.bootstrap import build_memory

    plan = config.strategy.learning
    assert plan is not None
    sim = Simulation(config, build_memory().bus, Path(os.devnull), block=block)
    sim.lender.collect_only = True
    sim.run_until(plan.fit_after_month)
    return sim.lender.table


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
            as_wal_ledger(out_dir)


def _audited_block(
    config: SimConfig, block: int, out_dir: Path, progress: Progress | None
) -> tuple[dict[str, Any], LedgerFigures]:
    summary = run_block(config, block, out_dir, progress).summary
    return summary, audit_block(config, block, out_dir, summary)


def _block_worker(config: SimConfig, block: int, out_dir: str, ticks: Any) -> tuple[dict[str, Any], LedgerFigures]:
    def tick(month: int, _total: int) -> None:
        ticks.put((block, month))

    return _audited_block(config, block, Path(out_dir), tick)


def _run_parallel(
    config: SimConfig,
    dirs: list[Path],
    workers: int,
    total: int,
    progress: Progress | None,
    on_block: Callable[[Path, LedgerFigures], None],
) -> dict[int, tuple[dict[str, Any], LedgerFigures]]:
    """Blocks on worker processes, each audited by its worker; each finished block is handed to ``on_block`` with
    its audit's figures, in block order, while the others still run (the parent's core is otherwise idle until the
    last block ends)."""
    # fork where there is one: no re-import per worker, and scripts need no ``if __name__ == "__main__"``.
    # The parent holds no database connection at this point; it checks the product once for every worker.
    from creditloop.bootstrap import default_policies

    default_policies()
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    blocks: dict[int, tuple[dict[str, Any], LedgerFigures]] = {}
    months_done: dict[int, int] = defaultdict(int)
    with ctx.Manager() as manager, ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        ticks = manager.Queue()
        futures: dict[Future[tuple[dict[str, Any], LedgerFigures]], int] = {
            pool.submit(_block_worker, config, b, str(d), ticks): b for b, d in enumerate(dirs)
        }
        pending = set(futures)
        next_block = 0
        while pending:
            finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for f in finished:
                blocks[futures[f]] = f.result()  # a block's failure names the seed and month (or block)
            # Every worker was forked at the first submissions, so the parent may now open the merged ledger.
            while next_block in blocks:
                on_block(dirs[next_block], blocks[next_block][1])
                next_block += 1
            while True:
                try:
                    block, month = ticks.get_nowait()
                except queue.Empty:
                    break
                months_done[block] = max(months_done[block], month)
            if progress is not None:
                progress(sum(len(config.block_customers(b)) * m for b, m in months_done.items()), total)
    return blocks


# ------------------------------------------------------------------------------------------------ merging


def audit_block(config: SimConfig, block: int, out_dir: Path, summary: dict[str, Any]) -> LedgerFigures:
    """A finished block's ledger checked from its postings (not its running totals) against the block's own tally,
    by the worker that ran it, while other blocks still run. The merge then proves that the merged ledger
    received exactly these figures (``LedgerMerger.add``)."""
    from creditloop.adapters.sqlalchemy.db import make_engine, sqlite_url

    engine = make_engine(sqlite_url(out_dir.resolve()), durable=False)
    try:
        with engine.connect() as conn:
            figures = ledger_figures(conn)
    finally:
        engine.dispose()
    errors = _ledger_errors(figures, [summary], "daily")
    if errors:
        raise InvariantViolation(f"auditor, block {block}, seed {config.seed}: " + "; ".join(checks.messages(errors)))
    return figures


def _ledger_errors(figures: LedgerFigures, tallies: Iterable[dict[str, Any]], days: str) -> list[checks.CheckError]:
    """The named checks of a simulated ledger: trial balance zero, running totals equal to the postings, cash equal
    to what customers paid, the merchant payable equal to purchases less refunds, every reconciliation clean."""
    tallies = list(tallies)
    paid = sum(t["paid_minor"] for t in tallies)
    purchased = sum(t["purchased_minor"] for t in tallies)
    refunded = sum(t["refunded_minor"] for t in tallies)
    return [
        *checks.trial_balance(figures.sums),
        *checks.totals_equal_postings(figures.totals, figures.sums),
        *checks.cash_equals_paid(figures.sums, paid),
        *checks.merchant_payable_equals_purchases(figures.sums, purchased, refunded),
        *checks.reconciliations_clean(figures.failed_reconciliations, days),
    ]


def merge_blocks(
    config: SimConfig,
    dirs: list[Path],
    out_dir: Path,
    blocks: dict[int, tuple[dict[str, Any], LedgerFigures]],
    merger: LedgerMerger,
) -> SimResult:
    """Finish the merged ledger (blocks not yet added, per-date records; its indexes grew with the blocks), audit
    it, and write the Parquet files (on a second thread meanwhile: Arrow and SQLite both release the GIL) and the
    summary."""
    summaries = {b: summary for b, (summary, _figures) in blocks.items()}
    tail = [time.perf_counter()]  # the serial tail's steps, printed with the timings (never in the outputs)
    with ThreadPoolExecutor(max_workers=1) as side:
        parquet = side.submit(_merge_parquet, dirs, out_dir)
        for b in range(merger.added, len(dirs)):
            merger.add(dirs[b], blocks[b][1])
        tail.append(time.perf_counter())
        merger.finish()
        tail.append(time.perf_counter())
        balances = _audit_merged(config, summaries, merger)
        tail.append(time.perf_counter())
        merger.close()
        as_wal_ledger(out_dir)
        parquet.result()
        tail.append(time.perf_counter())
    summary = _merge_summaries(config, summaries, balances)
    (out_dir / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8"
    )
    steps = ("tail_last_blocks_s", "tail_day_ends_s", "tail_audit_s", "tail_parquet_wal_s")
    return SimResult(out_dir, summary, {k: t1 - t0 for k, t0, t1 in zip(steps, tail[:-1], tail[1:], strict=True)})


def _audit_merged(config: SimConfig, summaries: dict[int, dict[str, Any]], merger: LedgerMerger) -> dict[str, int]:
    """The merged ledger, checked with the same named checks as each block, from figures that do not re-scan its
    postings: the merge proved each block's inserted postings equal to what the block's own audit read, and the
    merged row counts and running totals equal to the blocks' added up (``LedgerMerger.figures``)."""
    merged, errors = merger.figures()
    errors += _ledger_errors(merged, summaries.values(), "merged daily")
    if errors:
        raise InvariantViolation(f"auditor, merged ledger, seed {config.seed}: " + "; ".join(checks.messages(errors)))
    return dict(merged.sums)


def _merge_parquet(dirs: list[Path], out_dir: Path) -> None:
    for d in dirs:  # the learning lender's model files, one per block, named by block
        for model in sorted((d / "models").glob("*.json")):
            (out_dir / "models").mkdir(exist_ok=True)
            shutil.copyfile(model, out_dir / "models" / model.name)
    for name, schema in SCHEMAS.items():
        table = pa.concat_tables([pq.read_table(d / f"{name}.parquet", schema=schema) for d in dirs])
        if name == "events":  # one sequence in event order: by date, then block, then the block's own order
            table = table.sort_by([("occurred_on", "ascending")])  # stable: block order kept within a date
            table = table.set_column(0, "seq", pa.array(range(1, table.num_rows + 1), pa.int64()))
        elif name == "snapshots":
            table = table.sort_by([("month_index", "ascending")])
        pq.write_table(table.cast(schema), out_dir / f"{name}.parquet")


_SUMMED = ("lines_opened", "purchased_minor", "refunded_minor", "paid_minor")
_COUNTS = ("refused", "lender_actions", "hardship_workflow", "collections", "contacts_refused_by_rule")  # added up


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
    if "learning" in merged:  # each block fitted its own model (simulate/learning.py): one entry per block
        merged["learning"] = [summaries[b]["learning"] for b in sorted(summaries)]
    merged.update(
        customers=config.customers,
        blocks=config.blocks,
        block_size=config.block_size,
        journal_balanced=sum(balances.values()) == 0,
        trial_balance=dict(sorted(balances.items())),
    )
    return merged
