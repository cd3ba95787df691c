"""Velocity state per application: snapshot + record on a 100,000-application history (issue #13, item 2).

Run: ``PYTHONPATH=src .venv/bin/python bench/bench_velocity.py [--history 100000] [--apps 3000] [--postgres URL]``

A synthetic history (identities mostly unique, some reused across phones and devices, 2,000 employers, 180 days)
is loaded into each store; then ``--apps`` new applications, later in time, are each given a snapshot and
recorded, two ways:

- **latency**: one transaction per application (snapshot, record, commit), as a decision made on arrival; p50 and
  p99 of the wall time per application, with and without the commit ("store p50/p99": snapshot + record only);
- **batch**: one transaction per chunk of 500 applications, snapshot + record one by one, and again through the
  batch API ``snapshot_and_record_many`` (one pipeline per chunk on PostgreSQL); the throughput in applications
  per second of wall time on one process, and per second of this process's CPU time (what one core gives when
  the machine is shared; the database server's own CPU is not in it).

Stores, side by side: a plain dict baseline (per key a list of instants and a dict of identities: the least a
velocity counter can do, no employer peers or duplicates), creditloop's memory adapter, SQLite (a file, WAL) and,
with ``--postgres``, PostgreSQL. The ratio column is each store's batch wall time per application over the dict
baseline's. Every store's snapshots are checked equal to the memory adapter's (the dict baseline's counts too).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import tempfile
import time
import uuid
from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from creditloop.adapters.sqlalchemy import SqlUnitOfWork, make_engine, migrate, sqlite_url
from creditloop.app.memory import MemoryUnitOfWork
from creditloop.products.terms import default_product
from creditloop.strategy.velocity import ApplicationKeys, VelocitySnapshot, key_hash

WINDOWS = (1, 7, 30)
REUSE = 90
CHUNK = 500
T0 = datetime(2026, 1, 1, tzinfo=UTC)
DAY_US = 86_400_000_000


def applications(n: int, start: datetime, days: float, seed: int, prefix: str) -> list[ApplicationKeys]:
    """``n`` applications spread over ``days`` from ``start``, in time order."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        person = rng.randrange(80_000)
        reused = rng.random() < 0.05  # a fraudster's: a shared phone / device pool
        phone = f"pool-p{rng.randrange(300)}" if reused else f"p{person}"
        device = f"pool-d{rng.randrange(300)}" if reused else f"d{person}"
        employer = f"e{rng.randrange(2_000)}"
        out.append(
            ApplicationKeys(
                application_id=f"{prefix}{i:07d}",
                applied_at=start + timedelta(days=days * i / n),
                identity=key_hash("identity", f"id{person}"),
                phone=key_hash("phone", phone),
                device=key_hash("device", device),
                employer=key_hash("employer", employer),
                employer_address=key_hash("employer_address", f"{employer}|{rng.randrange(3)}"),
                inputs_hash=hashlib.sha256(f"{prefix}{i}".encode()).hexdigest(),
                monthly_income_minor=rng.randrange(300_000, 3_000_000, 100),
            )
        )
    return out


class DictBaseline:
    """The least a velocity counter does: per key a sorted list of instants, per phone / device its identities."""

    def __init__(self) -> None:
        self.at: dict[str, list[int]] = defaultdict(list)
        self.who: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))

    def snapshot(self, k: ApplicationKeys) -> tuple[tuple[int, ...], int, int]:
        t = _us(k.applied_at)
        counts = []
        for days in WINDOWS:
            for key in (k.identity, k.phone, k.device):
                xs = self.at[key]
                counts.append(bisect_left(xs, t) - bisect_right(xs, t - days * DAY_US))
        since = t - REUSE * DAY_US
        per = [
            sum(1 for ident, ts in self.who[key].items() if ident != k.identity and any(since < x < t for x in ts))
            for key in (k.phone, k.device)
        ]
        return tuple(counts), per[0], per[1]

    def record(self, k: ApplicationKeys) -> None:
        t = _us(k.applied_at)
        for key in (k.identity, k.phone, k.device):
            insort(self.at[key], t)
        for key in (k.phone, k.device):
            self.who[key][k.identity].append(t)


def _us(at: datetime) -> int:
    return (at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def _short(s: VelocitySnapshot) -> tuple[tuple[int, ...], int, int]:
    counts = tuple(c for w in s.windows for c in (w.by_identity, w.by_phone, w.by_device))
    return counts, s.identities_per_phone, s.identities_per_device


def run_dict(history: list[ApplicationKeys], new: list[ApplicationKeys]) -> tuple[list[float], float, list[Any], float]:
    def fresh() -> DictBaseline:
        d = DictBaseline()
        for k in history:
            d.record(k)
        return d

    d, lat, seen = fresh(), [], []
    for k in new:
        t = time.perf_counter()
        seen.append(d.snapshot(k))
        d.record(k)
        lat.append(time.perf_counter() - t)
    d = fresh()
    t, cpu = time.perf_counter(), time.process_time()
    for k in new:
        d.snapshot(k)
        d.record(k)
    return lat, time.perf_counter() - t, seen, time.process_time() - cpu


def run_uow(make: Callable[[], Any], history: list[ApplicationKeys], new: list[ApplicationKeys]) -> dict[str, Any]:
    """Latency (a transaction per application), batch one by one and batch through ``snapshot_and_record_many``
    (a transaction per chunk), each on a fresh store loaded with the same history."""
    out: dict[str, Any] = {}
    with make() as uow:
        load(uow, history)
        store_lat: list[float] = []
        lat: list[float] = []
        seen: list[VelocitySnapshot] = []
        for k in new:
            t = time.perf_counter()
            with uow:
                seen.append(uow.applications.snapshot(k, WINDOWS, REUSE))
                uow.applications.record(k)
                store_lat.append(time.perf_counter() - t)
                uow.commit()
            lat.append(time.perf_counter() - t)
        out.update(lat=lat, store_lat=store_lat, seen=seen)
    for mode in ("one_by_one", "batch_api"):
        with make() as uow:
            load(uow, history)
            start, cpu = time.perf_counter(), time.process_time()
            got: list[VelocitySnapshot] = []
            for i in range(0, len(new), CHUNK):
                with uow:
                    if mode == "batch_api":
                        got += uow.applications.snapshot_and_record_many(new[i : i + CHUNK], WINDOWS, REUSE)
                    else:
                        for k in new[i : i + CHUNK]:
                            got.append(uow.applications.snapshot(k, WINDOWS, REUSE))
                            uow.applications.record(k)
                    uow.commit()
            out[mode] = (time.perf_counter() - start, time.process_time() - cpu)
            if got != seen:
                raise SystemExit(f"{mode} snapshots differ from the one-transaction-each run")
    return out


def load(uow: Any, history: list[ApplicationKeys]) -> None:
    for i in range(0, len(history), 10_000):
        with uow:
            if hasattr(uow.applications, "record_many"):
                uow.applications.record_many(history[i : i + 10_000])
            else:
                for k in history[i : i + 10_000]:
                    uow.applications.record(k)
            uow.commit()


@contextmanager
def memory_store() -> Iterator[MemoryUnitOfWork]:
    yield MemoryUnitOfWork(lambda _k: default_product())


@contextmanager
def sqlite_store() -> Iterator[SqlUnitOfWork]:
    with tempfile.TemporaryDirectory() as d:
        engine = make_engine(sqlite_url(Path(d)))
        migrate(engine)
        yield SqlUnitOfWork(engine, lambda _k: default_product())
        engine.dispose()


def postgres_store(url: str) -> Callable[[], Any]:
    @contextmanager
    def store() -> Iterator[SqlUnitOfWork]:
        schema = f"cl_bench_{uuid.uuid4().hex[:12]}"
        admin = make_engine(url)
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        engine = make_engine(url, schema=schema)
        try:
            migrate(engine)
            yield SqlUnitOfWork(engine, lambda _k: default_product())
        finally:
            engine.dispose()
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()

    return store


def pct(xs: list[float], q: float) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[int(q) - 1] if q < 100 else max(xs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--history", type=int, default=100_000)
    ap.add_argument("--apps", type=int, default=3_000)
    ap.add_argument("--postgres", default=None, help="e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = ap.parse_args()
    history = applications(args.history, T0, 180, 1, "H")
    new = applications(args.apps, T0 + timedelta(days=180), 2, 2, "N")
    stores: list[tuple[str, Callable[[], Any]]] = [("memory adapter", memory_store), ("SQLite file", sqlite_store)]
    if args.postgres:
        stores.append(("PostgreSQL", postgres_store(args.postgres)))

    lat, batch, base_seen, cpu = run_dict(history, new)
    base = (statistics.median(lat), batch / len(new))
    print(f"history {len(history):,} applications, {len(new):,} new; windows {WINDOWS} days, reuse {REUSE} days")
    print(
        f"{'store':<26}{'p50 ms':>9}{'p99 ms':>9}{'store p50':>11}{'store p99':>11}{'batch apps/s':>14}"
        f"{'apps/CPU-s':>12}{'x dict batch':>14}"
    )
    print(
        f"{'dict baseline':<26}{base[0] * 1e3:>9.3f}{pct(lat, 99) * 1e3:>9.3f}{'':>22}{len(new) / batch:>14,.0f}"
        f"{len(new) / cpu:>12,.0f}{1.0:>14.1f}"
    )
    reference: list[VelocitySnapshot] | None = None
    for name, make in stores:
        r = run_uow(make, history, new)
        if reference is None:
            reference = r["seen"]
            mismatched = sum(_short(s) != b for s, b in zip(r["seen"], base_seen, strict=True))
            if mismatched:
                raise SystemExit(f"the dict baseline disagrees with the memory adapter on {mismatched} snapshots")
        elif r["seen"] != reference:
            raise SystemExit(f"{name} disagrees with the memory adapter")
        p50 = statistics.median(r["lat"])
        for mode, label in (("one_by_one", ""), ("batch_api", " +batch API")):
            wall, cpu = r[mode]
            lat_cols = (
                f"{p50 * 1e3:>9.3f}{pct(r['lat'], 99) * 1e3:>9.3f}"
                f"{statistics.median(r['store_lat']) * 1e3:>11.3f}{pct(r['store_lat'], 99) * 1e3:>11.3f}"
                if not label
                else " " * 40
            )
            print(
                f"{name + label:<26}{lat_cols}{len(new) / wall:>14,.0f}{len(new) / cpu:>12,.0f}"
                f"{(wall / len(new)) / base[1]:>14.1f}"
            )
    print("every store's snapshots equal the memory adapter's (and the dict baseline's counts)")


if __name__ == "__main__":
    main()
