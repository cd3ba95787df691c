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
4. **Against another revision** (``--reference-rev REV``, e.g. ``git merge-base HEAD main``): that revision is
   checked out in a temporary ``git worktree``; one block (``--block-customers`` × ``--months``) runs in a fresh
   subprocess per run with ``PYTHONPATH`` on that tree or on this one, alternating reference and current
   ``--repeat`` times (pinned to one core with ``--cpu``), so both see the same machine. It prints every run,
   the medians and their ratio, and refuses to report a ratio when the two revisions' outputs differ (Parquet,
   summary.json and every ledger table are hashed). ``--reference-cli-size N`` also runs ``creditloop simulate``
   of N customers for both, alternating, in fresh process trees.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
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


def cli_run(
    customers: int, months: int, seed: int, out: Path, workers: int, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """``creditloop simulate`` in a fresh process tree, as a user runs it; memory is the tree's summed PSS."""
    cmd = [sys.executable, "-m", "creditloop.entrypoints.cli.main", "simulate", "--customers", str(customers)]
    cmd += ["--months", str(months), "--seed", str(seed), "--scenario", "pandemic", "--out", str(out)]
    cmd += ["--workers", str(workers), "--json"]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
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


# One block in a fresh interpreter of the tree on PYTHONPATH: the time inside ``run_block`` and a hash of every
# output (Parquet files, summary.json, the ledger's tables row by row), so two revisions are compared on equal work.
_BLOCK_CHILD = """
import hashlib, json, sqlite3, sys, time
from pathlib import Path
from creditloop.simulate.parallel import run_block
from creditloop.simulate.runner import SimConfig
from creditloop.simulate.scenario import load_scenario
customers, months, seed, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
t, cpu = time.perf_counter(), time.process_time()
run_block(SimConfig(customers, months, seed, load_scenario("pandemic")), 0, out, None)
seconds, cpu_seconds = time.perf_counter() - t, time.process_time() - cpu
h = hashlib.sha256()
for f in sorted(out.glob("*.parquet")) + [out / "summary.json"]:
    h.update(f.name.encode() + f.read_bytes())
with sqlite3.connect(out / "ledger.sqlite") as db:
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    for table in tables:
        if table == "alembic_version":
            continue
        for row in db.execute(f"SELECT * FROM {table} ORDER BY 1, 2"):
            h.update(repr(row).encode())
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "outputs_sha256": h.hexdigest()}))
"""


@contextmanager
def reference_tree(rev: str) -> Iterator[Path]:
    """A temporary ``git worktree`` of ``rev`` (this repository's), removed afterwards."""
    repo = Path(__file__).resolve().parents[1]
    tree = Path(tempfile.mkdtemp(prefix="bench-ref-")) / "tree"
    subprocess.run(
        ["git", "-C", str(repo), "worktree", "add", "--detach", str(tree), rev], check=True, capture_output=True
    )
    try:
        yield tree
    finally:
        subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force", str(tree)], check=False)
        shutil.rmtree(tree.parent, ignore_errors=True)


def _env(src: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(src)}


def _block_in(src: Path, customers: int, months: int, seed: int, out: Path, cpu: int | None) -> dict[str, Any]:
    cmd = [sys.executable, "-c", _BLOCK_CHILD, str(customers), str(months), str(seed), str(out)]
    if cpu is not None:
        cmd = ["taskset", "-c", str(cpu), *cmd]
    done = subprocess.run(cmd, env=_env(src), capture_output=True, text=True, check=False)
    shutil.rmtree(out, ignore_errors=True)
    if done.returncode != 0:
        raise SystemExit(f"block run failed under {src}:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def against_reference(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    """Reference and current revisions alternately on the same block (and optionally the same CLI run)."""
    here = Path(__file__).resolve().parents[1] / "src"
    report: dict[str, Any] = {"reference_rev": args.reference_rev, "cpu": args.cpu}
    with reference_tree(args.reference_rev) as tree:
        times: dict[str, dict[str, list[float]]] = {
            "wall": {"reference": [], "current": []},
            "cpu": {"reference": [], "current": []},  # the child's own CPU time: steadier on a shared machine
        }
        hashes: dict[str, set[str]] = {"reference": set(), "current": set()}
        n = args.block_customers
        for k in range(args.repeat):
            order = [("reference", tree / "src"), ("current", here)]
            for name, src in order if k % 2 == 0 else order[::-1]:
                run = _block_in(src, n, args.months, args.seed, root / f"{name}-{k}", args.cpu)
                times["wall"][name].append(run["seconds"])
                times["cpu"][name].append(run["cpu_seconds"])
                hashes[name].add(run["outputs_sha256"])
                print(
                    f"run {k + 1}/{args.repeat} {name:>9}: one block of {n} × {args.months} in {run['seconds']:.1f} s "
                    f"(CPU {run['cpu_seconds']:.1f} s)"
                )
        if len(hashes["reference"] | hashes["current"]) != 1:
            raise SystemExit(f"the outputs differ between the revisions (or between runs): {hashes}")
        report["block"] = {"customers": n, "months": args.months, "outputs_identical": True}
        for kind, runs in times.items():
            ref, cur = statistics.median(runs["reference"]), statistics.median(runs["current"])
            ratios = [c / r for r, c in zip(runs["reference"], runs["current"], strict=True)]
            report["block"][kind] = {
                "reference_s": [round(t, 1) for t in runs["reference"]],
                "current_s": [round(t, 1) for t in runs["current"]],
                "median_ratio": round(cur / ref, 3),
                "pair_ratios": [round(r, 3) for r in ratios],
            }
            print(
                f"one block of {n} × {args.months}, {kind} time: reference median {ref:.1f} s, current median "
                f"{cur:.1f} s, current / reference = {cur / ref:.3f} (pairs {', '.join(f'{r:.3f}' for r in ratios)})"
            )
        print("outputs identical (Parquet, summary.json and every ledger table)")
        if args.reference_cli_size:
            size, rows = args.reference_cli_size, {"reference": [], "current": []}
            for k in range(args.repeat):
                order = [("reference", tree / "src"), ("current", here)]
                for name, src in order if k % 2 == 0 else order[::-1]:
                    row = cli_run(size, args.months, args.seed, root / f"cli-{name}-{k}", args.workers, _env(src))
                    rows[name].append(row["wall_s"])
                    print(f"run {k + 1}/{args.repeat} {name:>9}: creditloop simulate {size} × {args.months}: {row}")
            ref, cur = statistics.median(rows["reference"]), statistics.median(rows["current"])
            report["cli"] = {"customers": size, **rows, "median_ratio": round(cur / ref, 3)}
            print(f"creditloop simulate {size} × {args.months}: current / reference = {cur / ref:.3f}")
    return report


def _terminate(_signum: int, _frame: object) -> None:
    raise SystemExit("terminated")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--baseline-customers", type=int, default=2_000)
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--reference-rev", help="compare with this git revision instead (e.g. the branch's merge base)")
    ap.add_argument("--block-customers", type=int, default=BLOCK_SIZE)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each revision, alternating")
    ap.add_argument("--cpu", type=int, default=None, help="pin the block runs to this core (taskset)")
    ap.add_argument("--reference-cli-size", type=int, default=0, help="also run creditloop simulate of this size")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-sim-"))
    signal.signal(signal.SIGTERM, _terminate)  # a stopped bench still removes its temporary worktree
    if args.reference_rev:
        try:
            print(json.dumps(against_reference(args, root), indent=2))
        finally:
            shutil.rmtree(root, ignore_errors=True)
        return
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
