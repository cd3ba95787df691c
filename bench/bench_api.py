"""The REST API under load (issue 18): uvicorn on PostgreSQL, a purchase-and-repay mix over many lines through HTTP,
next to the in-process single-account rate of the same commands through the app's bus, in the same run.

Run: ``PYTHONPATH=src .venv/bin/python bench/bench_api.py [--url postgresql+psycopg://postgres@127.0.0.1/perf_bench]
[--lines 200] [--requests 3000] [--concurrency 8] [--workers 2] [--inproc-ops 1000] [--slots 1,64,1,64]``

1. A fresh schema in the database (dropped at the end), ``--lines`` lines opened, a checkout key.
2. In-process: ``--inproc-ops`` commands alternating ``Purchase`` and ``Repay`` on one line through ``bus.handle``
   (one unit of work each, as the API sends them), one thread: the single-account operation rate.
3. ``uvicorn --workers W`` over the same schema; an httpx async client keeps ``--concurrency`` requests in flight:
   ``POST /lines/{id}/purchases`` and ``/payments`` alternating over the lines, ``If-Match: *``, a new
   ``Idempotency-Key`` each; requests/s and p50 / p99 latency, every response must be 201.
   Once per ``--slots`` value (``CREDITLOOP_TOTAL_SLOTS``: rows per account's running total; 1 is the single hot row
   of before issue 18's fix, the baseline; alternated so that the machine's drifting load falls on both), each with
   its own server and its own idempotency keys, while a thread samples ``pg_stat_activity``
   every 0.1 s and counts the busy connections waiting for a lock on ``account_totals``.
4. The in-process rate again (the machine is shared: its load moves; both figures are printed, the ratio uses their
   mean), then ``journal verify`` and the lines' balances against what the 201s said.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from creditloop.adapters.clock import SystemClock
from creditloop.adapters.sqlalchemy.api_keys import SqlApiKeyStore
from creditloop.app import commands as c
from creditloop.app.views import line_summary, verify_journal
from creditloop.bootstrap import build
from creditloop.config import Settings
from creditloop.entrypoints.api.keys import issue

LIMIT = 100_000_000  # fen per line: far above what the mix buys


def _schema_url(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def _inproc(bus: Any, line_id: str, ops: int, today: date) -> tuple[float, float]:
    """Operations per second and CPU ms per operation (this process): Purchase and Repay alternating on one line,
    one unit of work each."""
    started, cpu = time.perf_counter(), time.process_time()
    for k in range(ops):
        op = f"ip-{uuid.uuid4().hex[:12]}"
        cmd = c.Purchase(op, line_id, 1_000, 1, today) if k % 2 == 0 else c.Repay(op, line_id, 500, today)
        bus.handle(cmd)
    return ops / (time.perf_counter() - started), 1000 * (time.process_time() - cpu) / ops


def _tree_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and its children (the uvicorn workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


async def _load(base: str, key: str, lines: list[str], requests: int, concurrency: int, tag: str) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    moved: dict[str, int] = dict.fromkeys(lines, 0)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for k in range(requests):
        queue.put_nowait(k)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            while not queue.empty():
                k = queue.get_nowait()
                line = lines[k % len(lines)]
                buy = (k // len(lines)) % 2 == 0
                kind, body = (
                    ("purchases", {"amount_minor": 1_000, "periods": 1}) if buy else ("payments", {"amount_minor": 500})
                )
                headers = {"X-API-Key": key, "If-Match": "*", "Idempotency-Key": f"{tag}-{k}"}
                t0 = time.perf_counter()
                res = await client.post(f"/api/v1/lines/{line}/{kind}", json=body, headers=headers)
                latencies.append(time.perf_counter() - t0)
                statuses[res.status_code] = statuses.get(res.status_code, 0) + 1
                if res.status_code == 201:
                    moved[line] += body["amount_minor"] if buy else -body["amount_minor"]

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": requests / wall, "wall_s": wall, "statuses": statuses, "moved": moved,
        "p50_ms": 1000 * latencies[len(latencies) // 2], "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)],
        "mean_ms": 1000 * statistics.fmean(latencies),
    }  # fmt: skip


class _LockSampler:
    """Samples ``pg_stat_activity`` every 0.1 s: busy connections, and those waiting for a lock on
    ``account_totals`` (the hot rows of issue 18)."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url.split("?")[0])
        self.busy = self.hot = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        sql = sa.text("SELECT wait_event_type, query FROM pg_stat_activity WHERE state = 'active' AND pid <> "
                      "pg_backend_pid() AND datname = current_database() AND query NOT LIKE '%pg_stat_activity%'")  # fmt: skip
        with self.engine.connect() as conn:
            while not self._stop.wait(0.1):
                for wait, query in conn.execute(sql):
                    self.busy += 1
                    self.hot += wait == "Lock" and "account_totals" in (query or "")
                conn.rollback()

    def __enter__(self) -> _LockSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.engine.dispose()


def _serve(url: str, port: int, workers: int, slots: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CREDITLOOP_DATABASE_URL": url, "CREDITLOOP_API_RATE_PER_SECOND": "1000000",
           "CREDITLOOP_API_RATE_BURST": "1000000", "CREDITLOOP_TOTAL_SLOTS": str(slots)}  # fmt: skip
    cmd = [sys.executable, "-m", "uvicorn", "creditloop.entrypoints.api.app:create_app", "--factory", "--port",
           str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.terminate()
    raise SystemExit("the server did not start")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/perf_bench")
    ap.add_argument("--lines", type=int, default=200)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--inproc-ops", type=int, default=1000)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--slots", default="1,64,1,64", help="running-total slots per server run, comma-separated")
    args = ap.parse_args()
    schema = f"bench_api_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = _schema_url(args.url, schema)
    try:
        return _run(args, url)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _run(args: argparse.Namespace, url: str) -> int:
    settings = Settings(database_url=url)
    clock = SystemClock(settings.business_timezone)
    today = clock.today()
    bus = build(settings).bus
    lines = [f"L-B{k:05d}" for k in range(args.lines)]
    for line_id in [*lines, "L-INPROC-1", "L-INPROC-2"]:
        bus.handle(c.OpenLine(line_id, f"C-{line_id}", LIMIT, today - timedelta(days=1)))
    engine = bus.uow.engine  # type: ignore[attr-defined]
    key = issue(SqlApiKeyStore(engine), "checkout", "bench", clock.now())
    _inproc(bus, lines[0], 20, today)  # warm-up (its moves are in ``before``, taken after the HTTP warm-up)
    inproc_before, cpu_before = _inproc(bus, "L-INPROC-1", args.inproc_ops, today)
    print(f"in-process (one account, bus.handle): {inproc_before:.0f} ops/s, {cpu_before:.1f} ms CPU/op", flush=True)
    print(f"load average at start (1, 5, 15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    runs = [(int(n), *_http(args, url, key, lines, bus, int(n), k)) for k, n in enumerate(args.slots.split(","))]
    inproc_after, cpu_after = _inproc(bus, "L-INPROC-2", args.inproc_ops, today)  # a fresh line, same history
    inproc = (inproc_before + inproc_after) / 2
    report = verify_journal(bus.uow)
    load = os.getloadavg()
    print(f"in-process again: {inproc_after:.0f} ops/s, {cpu_after:.1f} ms CPU/op (mean {inproc:.0f} ops/s)")
    print(f"HTTP: {args.workers} uvicorn workers, {args.concurrency} in flight, {args.requests} requests over "
          f"{args.lines} lines; ratio = HTTP req/s / in-process ops/s (target >= 0.70), p99 target <= 100 ms")  # fmt: skip
    print("| slots | req/s | p50 ms | p99 ms | mean ms | server CPU ms/req | busy samples | waiting on account_totals "
          "| ratio | vs first row | statuses | balances exact |")  # fmt: skip
    first_rps = runs[0][1]["rps"]
    for slots, r, cpu_ms, sampler, exact in runs:
        print(f"| {slots} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['mean_ms']:.1f} | {cpu_ms:.1f} | "
              f"{sampler.busy} | {sampler.hot} ({100 * sampler.hot / max(sampler.busy, 1):.0f} %) | "
              f"{r['rps'] / inproc:.2f} | {r['rps'] / first_rps:.2f} | {r['statuses']} | {exact} |")  # fmt: skip
    print(f"journal verify: {'ok' if report.ok else 'FAILED'}")
    print(f"load average at end (1, 5, 15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; cores: {os.cpu_count()}")
    fine = all(exact and set(r["statuses"]) == {201} for _, r, _, _, exact in runs)
    return 0 if report.ok and fine else 1


def _http(
    args: argparse.Namespace, url: str, key: str, lines: list[str], bus: Any, slots: int, run: int
) -> tuple[dict[str, Any], float, _LockSampler, bool]:
    """One server with ``slots`` running-total slots: warm-up, the measured load, its lock samples, and whether every
    line's balance moved by exactly what its 201s said."""
    server = _serve(url, args.port, args.workers, slots)
    try:
        base = f"http://127.0.0.1:{args.port}"
        asyncio.run(_load(base, key, lines, min(200, args.requests), args.concurrency, f"warm{run}"))
        before = {i: _owed(bus, i) for i in lines}
        cpu0 = _tree_cpu_s(server.pid)
        with _LockSampler(url) as sampler:
            result = asyncio.run(_load(base, key, lines, args.requests, args.concurrency, f"run{run}"))
        server_cpu_ms = 1000 * (_tree_cpu_s(server.pid) - cpu0) / args.requests
    finally:
        server.terminate()
        server.wait(timeout=30)
    exact = all(_owed(bus, i) - before[i] == result["moved"][i] for i in lines)
    return result, server_cpu_ms, sampler, exact


def _owed(bus: Any, line_id: str) -> int:
    v = line_summary(bus.uow, line_id)
    return v.principal_minor + v.fee_minor + v.penalty_minor - v.credit_balance_minor


if __name__ == "__main__":
    raise SystemExit(main())
