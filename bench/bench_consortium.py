"""Consortium query latency over HTTP (issue #19): open-loop load on the loopback vs a plain in-process lookup.

A seeded consortium (5 members, --subjects pseudonyms each contributed by 4 members, query consents for the
fifth) is served by ``creditloop consortium serve`` (uvicorn, one worker) in a subprocess. The load generator
sends ``--rate`` queries per second on a fixed schedule (open loop: a request's latency counts from the moment it
was *due*, so a slow server cannot slow the generator down and hide its own queueing) for ``--seconds``, over
keep-alive connections, mixing answered and below-threshold subjects. Side by side, the same queries are answered
in process by ``consortium.answers.query`` on the registry the service loaded (no HTTP, no audit commit).

    PYTHONPATH=src .venv/bin/python bench/bench_consortium.py [--rate 500] [--seconds 20] [--sync full,normal]
        [--consents 500] [--batch-consents] [--consent-batch 200]

``--consents N``: before the query load, the asker registers N fresh consents (purpose ``limit_review``) one
``POST /consents`` each, as a member's day of consents costs today; ``--batch-consents``: then N more through
``ConsortiumClient.grant_consents``, ``--consent-batch`` items to a ``POST /consents/batch`` (one request and one
transaction each), printed side by side (seconds, requests, server CPU per consent).

Target (issue #19): p99 <= 20 ms at 500 req/s on the 2-core machine. Prints p50/p90/p99/max, the achieved rate, the
ratio to the in-process lookup, the server's CPU per query and the audit rows, for each audit sync mode (one
fresh server per mode, one after the other, in the same run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from creditloop.adapters.clock import SystemClock
from creditloop.adapters.consortium_client import ConsortiumClient
from creditloop.adapters.sqlalchemy import consortium_store as cs
from creditloop.consortium.answers import AuditLog, Policy, query
from creditloop.consortium.pseudonym import ConsortiumKey, KeyRing
from creditloop.entrypoints.consortium.keys import issue_member_key
from creditloop.strategy.idcard import check_char

MEMBERS = ("A", "B", "C", "D", "E")
ASKER = "E"
KEY = KeyRing(ConsortiumKey("k1", b"bench-consortium-key-0123456789ab"))
_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.I)


def resident_id(i: int) -> str:
    body = f"110105{1960 + i % 40}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
    return body + check_char(body)


def seed(data_dir: Path, subjects: int, today: date) -> tuple[list[str], str]:
    """Members and keys, consents and contributions written in bulk; the asker's key and the pseudonyms."""
    store = cs.open_store(f"sqlite:///{data_dir / 'consortium.sqlite'}")
    at = datetime.now(UTC)
    keys = {m: issue_member_key(store, m, f"bench {m}", at) for m in MEMBERS}
    pseudonyms = [KEY.pseudonyms(resident_id(i), today)["k1"] for i in range(subjects)]
    consents, rows = [], []
    granted = today - timedelta(days=10)
    for n, p in enumerate(pseudonyms):
        # Every other subject has 4 contributing members (answered), the rest 2 (below the threshold of 3).
        contributors = MEMBERS[:4] if n % 2 == 0 else MEMBERS[:2]
        for m in contributors:
            consents.append(dict(member_id=m, key_id="k1", pseudonym=p, purpose="sharing", event=cs.GRANT,
                                 on_date=granted, recorded_at=at))  # fmt: skip
            rows.append(dict(member_id=m, key_id="k1", pseudonym=p, open_lines=1 + n % 3, balance_band="5000-20000",
                             worst_bucket="current", applications_30d=n % 4, as_of=today - timedelta(days=3),
                             recorded_at=at))  # fmt: skip
        consents.append(dict(member_id=ASKER, key_id="k1", pseudonym=p, purpose="credit_application",
                             event=cs.GRANT, on_date=granted, recorded_at=at))  # fmt: skip
    with store.engine.begin() as conn:
        conn.execute(cs.consents.insert(), consents)
        conn.execute(cs.contributions.insert(), rows)
    store.engine.dispose()
    return pseudonyms, keys[ASKER]


def request_bytes(pseudonym: str, key: str, port: int) -> bytes:
    body = json.dumps({"purpose": "credit_application", "pseudonyms": {"k1": pseudonym}}).encode()
    head = (
        f"POST /consortium/v1/queries HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def open_loop(port: int, requests: list[bytes], rate: float, seconds: float, conns: int) -> dict[str, float]:
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(conns):
        pool.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def one(req: bytes, due: float) -> None:
        reader, writer = await pool.get()
        try:
            writer.write(req)
            head = await reader.readuntil(b"\r\n\r\n")
            match = _LENGTH.search(head)
            await reader.readexactly(int(match.group(1)) if match else 0)
            latencies.append(time.perf_counter() - due)
            status = int(head[9:12])
            statuses[status] = statuses.get(status, 0) + 1
        finally:
            pool.put_nowait((reader, writer))

    n = int(rate * seconds)
    start = time.perf_counter() + 0.05
    tasks = []
    for i in range(n):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(requests[i % len(requests)], due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    for _, writer in [pool.get_nowait() for _ in range(pool.qsize())]:
        writer.close()
    return summary(latencies, n / elapsed, statuses)


def summary(latencies: list[float], achieved: float, statuses: dict[int, int] | None = None) -> dict[str, float]:
    ms = sorted(1000 * x for x in latencies)
    q = statistics.quantiles(ms, n=100, method="inclusive")
    out = {"n": len(ms), "p50_ms": q[49], "p90_ms": q[89], "p99_ms": q[98], "max_ms": ms[-1], "rate": achieved}
    for status, count in sorted((statuses or {}).items()):
        out[f"http_{status}"] = count
    return out


def in_process(data_dir: Path, pseudonyms: list[str], n: int, today: date) -> dict[str, float]:
    store = cs.open_store(f"sqlite:///{data_dir / 'consortium.sqlite'}")
    registry = store.load_registry()
    policy = Policy()
    latencies = []
    t0 = time.perf_counter()
    for i in range(n):
        started = time.perf_counter()
        query(registry, AuditLog(), ASKER, "credit_application", {"k1": pseudonyms[i % len(pseudonyms)]}, today,
              policy)  # fmt: skip
        latencies.append(time.perf_counter() - started)
    return summary(latencies, n / (time.perf_counter() - t0))


def register_consents(port: int, key: str, pid: int, n: int, offset: int, batch: int | None) -> dict[str, float]:
    """N fresh consents of the asker, one request each (``batch`` None) or ``batch`` to a request, sequentially over
    one keep-alive connection: seconds, requests, statuses, server CPU per consent."""
    on = SystemClock().today()  # the service's business date (Asia/Shanghai), as the seed's
    pseudonyms = [f"{offset + i + 1:064x}" for i in range(n)]  # well-formed, fresh, nobody's subject
    url = f"http://127.0.0.1:{port}"
    cpu0, started = cpu_seconds(pid), time.perf_counter()
    if batch is None:
        statuses: dict[int, int] = {}
        with httpx.Client(base_url=url + "/consortium/v1", headers={"Authorization": f"Bearer {key}"},
                          timeout=10.0, trust_env=False) as http:  # fmt: skip
            for p in pseudonyms:
                r = http.post("/consents", json={"key_id": "k1", "pseudonym": p, "purpose": "limit_review",
                                                 "on": on.isoformat()})  # fmt: skip
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        requests = n
    else:
        client = ConsortiumClient(url, key, KEY)
        try:
            replies = client.grant_consents([({"k1": p}, "limit_review", on) for p in pseudonyms], batch_size=batch)
        finally:
            client.close()
        statuses = {}
        for r in replies:
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        requests = len(replies)
    seconds = time.perf_counter() - started
    out: dict[str, float] = {"n": n, "requests": requests, "seconds": seconds,
                             "server_ms": 1000 * (cpu_seconds(pid) - cpu0) / max(1, n)}  # fmt: skip
    for status, count in sorted(statuses.items()):
        out[f"http_{status}"] = count
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120  # a loaded machine can take a while to import the service
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("server did not start")


Loaded = tuple[dict[str, float], dict[str, float], float, float, dict[str, int], dict[str, dict[str, float]]]


def serve_and_load(args: argparse.Namespace, sync: str) -> Loaded:
    """One fresh consortium served with the audit at ``sync``: (HTTP, in-process, server and generator CPU ms per
    query, audit rows by kind, consent registration by mode)."""
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        today = SystemClock().today()  # the service's business date (Asia/Shanghai)
        pseudonyms, key = seed(data_dir, args.subjects, today)
        port = free_port()
        env = {
            **os.environ,
            "CREDITLOOP_CONSORTIUM_RATE_PER_SECOND": "100000",
            "CREDITLOOP_CONSORTIUM_RATE_BURST": "100000",
            "CREDITLOOP_CONSORTIUM_FULL_SYNC": str(sync == "full").lower(),
        }
        cmd = [sys.executable, "-m", "creditloop", "consortium", "serve", "--port", str(port), "--data-dir", tmp]
        proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
        try:
            wait_ready(port, proc)
            registered: dict[str, dict[str, float]] = {}
            if args.consents:
                registered["one per request"] = register_consents(port, key, proc.pid, args.consents, 0, None)
            if args.consents and args.batch_consents:
                registered[f"batches of {args.consent_batch}"] = register_consents(
                    port, key, proc.pid, args.consents, args.consents, args.consent_batch
                )
            requests = [request_bytes(p, key, port) for p in pseudonyms]
            asyncio.run(open_loop(port, requests, args.rate, 1.0, args.connections))  # warm-up
            cpu0, own0 = cpu_seconds(proc.pid), time.process_time()
            http = asyncio.run(open_loop(port, requests, args.rate, args.seconds, args.connections))
            server_ms = 1000 * (cpu_seconds(proc.pid) - cpu0) / http["n"]
            client_ms = 1000 * (time.process_time() - own0) / http["n"]
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        audit = cs.open_store(f"sqlite:///{data_dir / 'consortium.sqlite'}").audit_rows()
        local = in_process(data_dir, pseudonyms, 20_000, today)
    kinds = {k: sum(1 for r in audit if r["kind"] == k) for k in ("answer", "insufficient", "refused")}
    return http, local, server_ms, client_ms, kinds, registered


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=500.0)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--subjects", type=int, default=2000)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--sync", default="full,normal", help="SQLite sync of the audit commits, one run each")
    ap.add_argument("--consents", type=int, default=0, help="fresh consents registered one per request first")
    ap.add_argument("--batch-consents", action="store_true", help="and as many again through POST /consents/batch")
    ap.add_argument("--consent-batch", type=int, default=200, help="items per POST /consents/batch (1..1000)")
    args = ap.parse_args()
    if args.batch_consents and not args.consents:
        args.consents = 500
    if not 1 <= args.consent_batch <= 1000:
        raise SystemExit("--consent-batch: 1..1000")
    modes = [m for m in args.sync.split(",") if m]
    if not modes or any(m not in ("full", "normal") for m in modes):
        raise SystemExit("--sync: a comma-separated list of full, normal")
    print(
        f"load average before: {os.getloadavg()}  (cpus: {os.cpu_count()}; rate {args.rate:.0f}/s x {args.seconds:.0f} s)"
    )
    rows = []
    consent_rows = []
    for mode in modes:
        http, local, server_ms, client_ms, kinds, registered = serve_and_load(args, mode)
        rows.append((mode, http, local, server_ms, client_ms, kinds))
        consent_rows += [(mode, how, r) for how, r in registered.items()]
        print(f"  done: audit {mode.upper()}, load average {os.getloadavg()[0]:.1f}")
    print(f"load average after:  {os.getloadavg()}")
    head = f"{'run':<30}{'p50 ms':>11}{'p90 ms':>11}{'p99 ms':>11}{'max ms':>11}{'req/s':>8}{'srv CPU/q':>11}{'x p50':>9}{'verdict':>9}"
    print(head)
    for mode, http, local, server_ms, _, _ in rows:
        for name, s in ((f"HTTP, audit {mode.upper()}", http), (f"  in-process query() ({mode})", local)):
            inproc = s is local
            ratio = "" if inproc else f"x{http['p50_ms'] / local['p50_ms']:.0f}"
            met = http["p99_ms"] <= 20 and http["rate"] >= 0.98 * args.rate
            verdict = "" if inproc else ("MET" if met else "NOT MET")
            cpu = "" if inproc else f"{server_ms:.3f} ms"
            print(f"{name:<30}{s['p50_ms']:>11.3f}{s['p90_ms']:>11.3f}{s['p99_ms']:>11.3f}{s['max_ms']:>11.2f}"
                  f"{s['rate']:>8.0f}{cpu:>11}{ratio:>9}{verdict:>9}")  # fmt: skip
    for mode, http, _, _, client_ms, kinds in rows:
        statuses = {k: v for k, v in http.items() if k.startswith("http_")}
        print(f"audit {mode.upper()}: rows {kinds} (one per query, warm-up included); statuses {statuses}; "
              f"generator CPU {client_ms:.3f} ms/query")  # fmt: skip
    print(f"target: p99 <= 20 ms at {args.rate:.0f} req/s (issue #19)")
    if consent_rows:
        print(f"{'consents, audit sync':<36}{'consents':>9}{'requests':>9}{'seconds':>9}{'per s':>8}{'srv CPU/c':>11}  "
              "statuses")  # fmt: skip
    for mode, how, r in consent_rows:
        statuses = {k: int(v) for k, v in r.items() if k.startswith("http_")}
        print(f"{how + ', ' + mode.upper():<36}{r['n']:>9.0f}{r['requests']:>9.0f}{r['seconds']:>9.2f}"
              f"{r['n'] / r['seconds']:>8.0f}{r['server_ms']:>8.3f} ms  {statuses}")  # fmt: skip


if __name__ == "__main__":
    main()
