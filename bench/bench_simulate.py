"""End-to-end simulator throughput: customers × months through the real system, ledger included.

Run: ``.venv/bin/python bench/bench_simulate.py [--sizes 10000 100000] [--months 24] [--workers 2]``

1. **Side by side with a baseline** (same seed, same world, same run): the baseline is how the simulator ran
   before blocks: one process, one population, the multi-writer unit of work that reloads and re-parses every
   line document in every monthly transaction. creditloop's path: blocks of ``BLOCK_SIZE`` customers, each on
   its own single-writer SQLite ledger, on ``--workers`` processes, merged into one ledger and audited. Both
   produce a balanced, audited ledger and the same Parquet schema.
2. **Where the time goes** in one block on one core: inside the message bus (the ledger: handlers, domain,
   SQL writes and commits) versus outside it (behaviour: population, decisions, outputs).
3. **Scaling** of creditloop's path over ``--sizes``: ``creditloop simulate`` run as a user runs it, in a fresh
   process tree (wall time, time in blocks and in the merge, customer-months per second, peak memory of the
   whole tree as summed PSS, so pages shared by forked workers count once).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from pathlib import Path
from typing import Any

from creditloop.app.bus import MessageBus
from creditloop.bootstrap import build
from creditloop.config import Settings
from creditloop.simulate.parallel import run_block, run_simulation
from creditloop.simulate.runner import BLOCK_SIZE, SimConfig, Simulation
from creditloop.simulate.scenario import load_scenario


def config(customers: int, months: int, seed: int, block_size: int = BLOCK_SIZE) -> SimConfig:
    return SimConfig(customers, months, seed, load_scenario("pandemic"), block_size=block_size)


class TreeMemory:
    """Peak of the summed proportional set size (PSS: shared pages split between the processes sharing them, so
    forked workers are not double-counted) of a process and all its descendants, sampled from /proc (Linux)."""

    def __init__(self, root: int, every_s: float = 1.0) -> None:
        self.root = root
        self.every_s = every_s
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.peak_mb = max(self.peak_mb, sum(_pss_kb(p) for p in _tree(self.root)) / 1024)


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            with suppress(OSError):
                todo.extend(int(c) for c in task.read_text().split())
    return out


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def baseline(customers: int, months: int, seed: int, out: Path) -> float:
    """One process, one block, a unit of work that reloads every line each month (the multi-writer default),
    one month per transaction: how the simulator ran before blocks (the engine's own speed-ups apply to both)."""
    cfg = replace(config(customers, months, seed, block_size=max(customers, 1)), months_per_transaction=1)
    system = build(Settings(data_dir=out, database_url=None), fresh=True, single_writer=False)
    t = time.perf_counter()
    Simulation(cfg, system.bus, out).run()
    return time.perf_counter() - t


def ours(
    customers: int, months: int, seed: int, out: Path, workers: int
) -> tuple[float, dict[str, Any], dict[str, float]]:
    t = time.perf_counter()
    result = run_simulation(config(customers, months, seed), out, workers=workers)
    return time.perf_counter() - t, result.summary, result.timings


@contextmanager
def bus_timer() -> Iterator[dict[str, float]]:
    """Time spent inside the message bus (every command and the monthly commit), by patching it."""
    spent = {"ledger": 0.0}
    handle, batch = MessageBus.handle, MessageBus.batch

    def timed_handle(self: MessageBus, command: object) -> Any:
        t = time.perf_counter()
        try:
            return handle(self, command)
        finally:
            spent["ledger"] += time.perf_counter() - t

    @contextmanager
    def timed_batch(self: MessageBus) -> Iterator[MessageBus]:
        cm = batch(self)
        t = time.perf_counter()
        cm.__enter__()
        spent["ledger"] += time.perf_counter() - t
        try:
            yield self
        except BaseException as exc:
            cm.__exit__(type(exc), exc, exc.__traceback__)
            raise
        t = time.perf_counter()
        cm.__exit__(None, None, None)  # the commit: line documents and journal written
        spent["ledger"] += time.perf_counter() - t

    MessageBus.handle = timed_handle  # type: ignore[method-assign]
    MessageBus.batch = timed_batch  # type: ignore[method-assign]
    try:
        yield spent
    finally:
        MessageBus.handle, MessageBus.batch = handle, batch  # type: ignore[method-assign]


def split(customers: int, months: int, seed: int, out: Path) -> dict[str, float]:
    """One block exactly as a worker runs it, on this process's one core."""
    with bus_timer() as spent:
        t = time.perf_counter()
        run_block(config(customers, months, seed), 0, out, None)
        total = time.perf_counter() - t
    return {"total_s": total, "ledger_s": spent["ledger"], "behaviour_s": total - spent["ledger"]}


def cli_run(customers: int, months: int, seed: int, out: Path, workers: int) -> dict[str, Any]:
    """``creditloop simulate`` in a fresh process tree, as a user runs it; memory is the tree's summed PSS."""
    cmd = [sys.executable, "-m", "creditloop.entrypoints.cli.main", "simulate", "--customers", str(customers)]
    cmd += ["--months", str(months), "--seed", str(seed), "--scenario", "pandemic", "--out", str(out)]
    cmd += ["--workers", str(workers), "--json"]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    with TreeMemory(proc.pid) as mem:
        stdout, _ = proc.communicate()
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"simulate failed for {customers} customers (exit {proc.returncode})")
    summary = json.loads(stdout)
    shutil.rmtree(out, ignore_errors=True)
    return {
        "customers": customers,
        "wall_s": round(wall, 1),
        "blocks_s": summary["timings_s"]["blocks_s"],
        "merge_s": summary["timings_s"]["merge_s"],
        "customer_months_per_s": round(customers * months / wall),
        "lines_opened": summary["lines_opened"],
        "peak_pss_all_processes_mb": round(mem.peak_mb),
        "journal_balanced": summary["journal_balanced"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--baseline-customers", type=int, default=2_000)
    ap.add_argument("--skip-baseline", action="store_true")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-sim-"))
    report: dict[str, Any] = {"months": args.months, "workers": args.workers, "block_size": BLOCK_SIZE}
    try:
        n = args.baseline_customers
        if not args.skip_baseline:
            base = baseline(n, args.months, args.seed, root / "baseline")
            mine, _, _ = ours(n, args.months, args.seed, root / "ours-small", args.workers)
            report["side_by_side"] = {
                "customers": n,
                "baseline_s": round(base, 1),
                "creditloop_s": round(mine, 1),
                "speedup": round(base / mine, 2),
            }
            print(f"{n:>7} × {args.months}: baseline {base:7.1f} s   creditloop {mine:7.1f} s   ×{base / mine:.2f}")
        block = min(BLOCK_SIZE, max(args.sizes))
        parts = split(block, args.months, args.seed, root / "split")
        report["split_one_block"] = {"customers": block, **{k: round(v, 1) for k, v in parts.items()}}
        print(
            f"one block of {block} × {args.months} on one core: {parts['total_s']:.1f} s — ledger "
            f"{parts['ledger_s'] / parts['total_s']:.0%}, behaviour and outputs {parts['behaviour_s'] / parts['total_s']:.0%}"
        )
        rows = []
        for size in args.sizes:
            row = cli_run(size, args.months, args.seed, root / f"ours-{size}", args.workers)
            rows.append(row)
            print(
                f"{size:>7} × {args.months}: {row['wall_s']:7.1f} s (blocks {row['blocks_s']} s, merge "
                f"{row['merge_s']} s)  {row['customer_months_per_s']:6d} customer-months/s  peak memory of the "
                f"whole process tree {row['peak_pss_all_processes_mb']} MB  balanced={row['journal_balanced']}"
            )
        report["scaling"] = rows
        print(json.dumps(report, indent=2))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
