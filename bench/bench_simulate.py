"""End-to-end simulator throughput: customers × months through the real system, ledger included.

Run: ``.venv/bin/python bench/bench_simulate.py [--sizes 10000 100000] [--months 24] [--workers 2]``

1. **Side by side with a baseline** (same seed, same world, same run): the baseline is how the simulator ran
   before blocks: one process, one population, the multi-writer unit of work that reloads and re-parses every
   line document in every monthly transaction. creditloop's path: blocks of ``BLOCK_SIZE`` customers, each on
   its own single-writer SQLite ledger, on ``--workers`` processes, merged into one ledger and audited. Both
   produce a balanced, audited ledger and the same Parquet schema.
2. **Where the time goes** in one block on one core: inside the message bus (the ledger: handlers, domain,
   SQL writes and commits) versus outside it (behaviour: population, decisions, outputs).
3. **Scaling** of creditloop's path over ``--sizes`` (wall time, customer-months per second, peak memory of the
   largest process, the total over all processes).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
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
from creditloop.simulate.parallel import run_simulation
from creditloop.simulate.runner import BLOCK_SIZE, SimConfig, Simulation
from creditloop.simulate.scenario import load_scenario


def config(customers: int, months: int, seed: int, block_size: int = BLOCK_SIZE) -> SimConfig:
    return SimConfig(customers, months, seed, load_scenario("pandemic"), block_size=block_size)


class TreeMemory:
    """Peak of the summed RSS of this process and all its descendants, sampled from /proc (Linux)."""

    def __init__(self, every_s: float = 0.25) -> None:
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
            self.peak_mb = max(self.peak_mb, sum(_rss_kb(p) for p in _tree(os.getpid())) / 1024)


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            with suppress(OSError):
                todo.extend(int(c) for c in task.read_text().split())
    return out


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_rss_mb() -> tuple[float, float]:
    """Peak RSS of this process and of the largest finished child, in MB (Linux reports KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


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
    cfg = config(customers, months, seed)
    system = build(Settings(data_dir=out, database_url=None), fresh=True, single_writer=True)
    with bus_timer() as spent:
        t = time.perf_counter()
        Simulation(cfg, system.bus, out).run()
        total = time.perf_counter() - t
    return {"total_s": total, "ledger_s": spent["ledger"], "behaviour_s": total - spent["ledger"]}


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
            out = root / f"ours-{size}"
            with TreeMemory() as mem:
                wall, summary, timings = ours(size, args.months, args.seed, out, args.workers)
            _own, child = peak_rss_mb()
            cm = size * args.months
            rows.append(
                {
                    "customers": size,
                    "wall_s": round(wall, 1),
                    "customer_months_per_s": round(cm / wall),
                    "lines_opened": summary["lines_opened"],
                    "peak_rss_largest_process_mb": round(max(child, _own)),
                    "peak_rss_all_processes_mb": round(mem.peak_mb),
                    "journal_balanced": summary["journal_balanced"],
                    "blocks_s": round(timings.get("blocks_s", wall), 1),
                    "merge_s": round(timings.get("merge_s", 0.0), 1),
                }
            )
            print(
                f"{size:>7} × {args.months}: {wall:7.1f} s  {cm / wall:8.0f} customer-months/s  "
                f"peak RSS of a process {max(child, _own):.0f} MB, all {mem.peak_mb:.0f} MB  balanced={summary['journal_balanced']}"
            )
            shutil.rmtree(out, ignore_errors=True)
        report["scaling"] = rows
        print(json.dumps(report, indent=2))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
