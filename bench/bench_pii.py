"""What encrypting personal data at rest costs underwriting: batch decisions with the forms' name, ID number and
phone sealed (AES-256-GCM, ``CREDITLOOP_PII_KEY``) side by side with the same decisions in clear, same run.

Run: ``PYTHONPATH=src .venv/bin/python bench/bench_pii.py [--n 5000] [--rounds 3]``

Each round decides ``--n`` synthetic applications (``bench_origination.forms``: valid resident IDs, nothing about
them is personal data) in chunks of 500 (``DecideApplications``, what ``origination decide`` runs) into a fresh
SQLite ledger, once without a cipher (baseline) and once with one, alternating which goes first; it prints
applications per second (wall clock and this process's CPU time) and the ratio sealed / clear, then the cost of
sealing and of opening one stored form alone. Best of the rounds.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench_origination import forms
from creditloop.adapters.pii_crypto import PiiCipher, new_key
from creditloop.adapters.sqlalchemy.decisions import open_inputs, seal_inputs
from creditloop.app import commands as c
from creditloop.bootstrap import build
from creditloop.config import Settings

CHUNK = 500
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def decide_all(items: list[Any], cipher: PiiCipher | None) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        bus = build(Settings(data_dir=Path(tmp), database_url=None)).bus
        bus.uow.decisions.cipher = cipher
        wall, cpu = time.perf_counter(), time.process_time()
        for start in range(0, len(items), CHUNK):
            with bus.batch():
                bus.handle(c.DecideApplications(tuple(c.DecideApplication(f, customer_id=f.application_id)
                                                      for f in items[start : start + CHUNK])))  # fmt: skip
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        bus.uow.engine.dispose()
    return len(items) / wall, len(items) / cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    items = forms(args.n, 7, START)
    cipher = PiiCipher.from_text(new_key())
    best: dict[str, tuple[float, float]] = {"clear": (0.0, 0.0), "sealed": (0.0, 0.0)}
    for r in range(args.rounds):
        order = ("clear", "sealed") if r % 2 == 0 else ("sealed", "clear")
        for name in order:
            wall, cpu = decide_all(items, cipher if name == "sealed" else None)
            best[name] = (max(best[name][0], wall), max(best[name][1], cpu))
    print(f"{args.n} applications, chunks of {CHUNK}, SQLite, best of {args.rounds}")
    print(f"{'':8} {'apps/s wall':>12} {'apps/s cpu':>12}")
    for name, (wall, cpu) in best.items():
        print(f"{name:8} {wall:12.0f} {cpu:12.0f}")
    print(f"ratio sealed/clear: wall {best['sealed'][0] / best['clear'][0]:.3f}, "
          f"cpu {best['sealed'][1] / best['clear'][1]:.3f}")  # fmt: skip
    text = ('{"arm":"champion","form":{"application_id":"A-1","id_number":"110105199003071234","name":"张三",'
            '"phone":"13912345678","city":"北京"},"velocity":{"windows":[]}}')  # fmt: skip
    reps = 20_000
    t = time.perf_counter()
    sealed = [seal_inputs(text, cipher) for _ in range(reps)]
    seal_us = (time.perf_counter() - t) / reps * 1e6
    t = time.perf_counter()
    for s in sealed:
        open_inputs(s, cipher)
    open_us = (time.perf_counter() - t) / reps * 1e6
    print(f"one form: seal {seal_us:.1f} µs, open {open_us:.1f} µs (three fields, AES-256-GCM)")


if __name__ == "__main__":
    main()
