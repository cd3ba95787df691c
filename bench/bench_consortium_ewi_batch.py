"""The nightly ``ewi run --consortium`` lookups, one query per customer against ``POST /queries/batch`` (H6).

A seeded consortium (bench_consortium.seed: every other subject answered, the rest below the threshold) is served by
``creditloop consortium serve`` (uvicorn, one worker, the audit synced on every group commit as in production) on
the loopback; the member's file enrols ``--customers`` of them; ``EarlyWarningConsortium.lenders_features`` then
asks about all of them with ``batch=False`` (consent + query per customer) and ``batch=True`` (consent per customer,
the questions 50 to a request), alternately, after one untimed night (consents then on file, as every later night).

    PYTHONPATH=src .venv/bin/python bench/bench_consortium_ewi_batch.py [--customers 500] [--rounds 3]

Prints, per mode, the median seconds of the lookups, the HTTP requests sent and the statuses (which must agree).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx

from bench_consortium import KEY, free_port, resident_id, seed, wait_ready
from creditloop.adapters.consortium_client import ConsortiumClient
from creditloop.adapters.consortium_member_file import MemberFile
from creditloop.app.consortium_ewi import EarlyWarningConsortium


class Counting(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return super().handle_request(request)


def night(url: str, key: str, book: MemberFile, lines: dict[str, str], batch: bool) -> tuple[float, int, dict]:
    transport = Counting()
    client = ConsortiumClient(url, key, KEY, transport=transport)
    try:
        started = time.perf_counter()
        _, run = EarlyWarningConsortium(client, book, batch=batch).lenders_features(lines, "2026-06", date.today())
        return time.perf_counter() - started, transport.requests, dict(run.statuses)
    finally:
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    today = date.today()
    with tempfile.TemporaryDirectory() as tmp:
        _, key = seed(Path(tmp), args.customers, today)
        book = MemberFile(Path(tmp) / "member.sqlite", KEY)
        book.enrol([(f"c{i}", resident_id(i)) for i in range(args.customers)], today)
        lines = {f"L{i}": f"c{i}" for i in range(args.customers)}
        port = free_port()
        env = {**os.environ, "CREDITLOOP_CONSORTIUM_RATE_PER_SECOND": "100000",
               "CREDITLOOP_CONSORTIUM_RATE_BURST": "100000"}  # fmt: skip
        cmd = [sys.executable, "-m", "creditloop", "consortium", "serve", "--port", str(port), "--data-dir", tmp]
        proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
        try:
            wait_ready(port, proc)
            url = f"http://127.0.0.1:{port}"
            night(url, key, book, lines, batch=False)  # the first night records the early_warning consents
            times: dict[bool, list[float]] = {False: [], True: []}
            seen: dict[bool, tuple[int, dict]] = {}
            for _ in range(args.rounds):
                for batch in (False, True):
                    seconds, requests, statuses = night(url, key, book, lines, batch)
                    times[batch].append(seconds)
                    seen[batch] = (requests, statuses)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            book.close()
    for batch in (False, True):
        requests, statuses = seen[batch]
        print(f"{'batch ' if batch else 'single'}: {args.customers} customers, median "
              f"{statistics.median(times[batch]):.2f} s (of {[round(t, 2) for t in times[batch]]}), "
              f"{requests} HTTP requests, statuses {statuses}")  # fmt: skip
    assert seen[False][1] == seen[True][1], "the two modes disagree"


if __name__ == "__main__":
    main()
