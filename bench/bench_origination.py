"""Decision latency and batch throughput of underwriting, side by side with the rule-only policy, same run.

Run: ``.venv/bin/python bench/bench_origination.py [--n 20000] [--latency-n 2000] [--postgres-url URL]``

For each store (SQLite file; PostgreSQL when a URL is given or CREDITLOOP_TEST_POSTGRES_URL is set) and each path:
- **rule-only** (today's baseline): ``SubmitApplication`` with the seven thresholds of ``origination_v1``;
- **scored**: ``DecideApplication`` — schema-validated form, checks, velocity snapshot from the store, model,
  affordability limit, arm, decision record, audit row, and the line opened on approval;
- **scored-batch**: the same decisions, a chunk of 500 as one ``DecideApplications`` command (what
  ``creditloop origination decide`` runs: bulk look-ups, one history pipeline, executemany writes);
it measures (1) latency: one application per transaction (what an online request pays: the commit included),
p50 / p99 over ``--latency-n`` applications decided after a history of ``--history`` earlier ones (the latency
columns of scored-batch repeat the online measure on a second fresh database); (2) batch throughput: ``--n``
applications in transactions of 500 on one process (pin it to one core with ``taskset -c 0``), applications per
second, by the wall clock and by this process's CPU time (``cpu/s``: steadier on a shared machine; on PostgreSQL
it leaves out the server's work). The ratio to rule-only is printed per measure. The PostgreSQL database is
emptied first (``DROP SCHEMA public``): point the URL at a scratch database. Forms are synthetic (valid resident
IDs, shared devices and phones in a few rings so the velocity queries find something); nothing about them is
personal data.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from creditloop.app import commands as c
from creditloop.bootstrap import build
from creditloop.config import Settings
from creditloop.strategy.application import ApplicationForm
from creditloop.strategy.origination import Applicant

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
CITIES = (("北京", 1, "110105"), ("杭州", 2, "330106"), ("洛阳", 3, "410302"), ("赣州", 4, "360702"))
SECTORS = ("manufacturing", "services", "technology", "retail_hospitality", "public_sector", "self_employed")


def resident_id(region: str, birth: date, seq: int) -> str:
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + CHECK[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def forms(n: int, seed: int, start: datetime) -> list[ApplicationForm]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        city, tier, region = CITIES[rng.randrange(4)]
        birth = date(1970, 1, 1) + timedelta(days=rng.randrange(365 * 30))
        income = rng.randrange(3000, 20000)
        lenders = rng.choice((0, 0, 1, 2))
        device = f"dev-{rng.randrange(n // 50)}" if rng.random() < 0.02 else f"dev-{seed}-{i}"
        out.append(
            ApplicationForm.model_validate(
                {
                    "application_id": f"B{seed}-{i:07d}",
                    "applied_at": (start + timedelta(seconds=30 * i)).isoformat(),
                    "channel": "app",
                    "name": "测试",
                    "id_number": resident_id(region, birth, rng.randrange(1000)),
                    "birth_date": birth.isoformat(),
                    "phone": f"13{rng.randrange(10**9):09d}",
                    "device_id": device,
                    "city": city,
                    "city_tier": tier,
                    "employer": f"公司{rng.randrange(500)}",
                    "sector": rng.choice(SECTORS),
                    "monthly_income": f"{income}.00",
                    "monthly_debt_payments": f"{income // 10 * (lenders > 0)}.00",
                    "other_lenders": lenders,
                    "requested_limit": "5000.00",
                    "consent_bureau": True,
                    "consent_sharing": True,
                    "verified_income": f"{int(income * rng.uniform(0.9, 1.05))}.00" if rng.random() < 0.7 else None,
                }
            )
        )
    return out


def rule_command(form: ApplicationForm) -> c.SubmitApplication:
    on = form.applied_at.astimezone(UTC).date()
    age = on.year - form.birth_date.year - ((on.month, on.day) < (form.birth_date.month, form.birth_date.day))
    applicant = Applicant(form.application_id, age, form.monthly_income, form.monthly_debt_payments, form.other_lenders)
    return c.SubmitApplication(form.application_id, form.application_id, applicant, on)


def scored_command(form: ApplicationForm) -> c.DecideApplication:
    return c.DecideApplication(form, customer_id=form.application_id)


def system(url: str | None, directory: Path) -> Any:
    settings = Settings(data_dir=directory, database_url=url)
    return build(settings).bus


def reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1) if "+" not in url else url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def measure(
    make: Any, url: str | None, n: int, latency_n: int, history: int, seed: int, *, chunked: bool = False
) -> dict[str, float]:
    """(batch applications/s, latency p50 ms, latency p99 ms) for one path on one store, fresh database."""
    with tempfile.TemporaryDirectory() as tmp:
        if url:
            reset_postgres(url)
        bus = system(url, Path(tmp))
        start = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
        batch = forms(n, seed, start)
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(0, n, 500):
            with bus.batch():
                if chunked:  # the whole chunk as one command (what ``origination decide`` does)
                    bus.handle(c.DecideApplications(tuple(make(f) for f in batch[i : i + 500])))
                else:
                    for form in batch[i : i + 500]:
                        bus.handle(make(form))
        rate, cpu_rate = n / (time.perf_counter() - t0), n / (time.process_time() - c0)
        later = forms(history + latency_n, seed + 1, start + timedelta(days=30))
        with bus.batch():
            for form in later[:history]:
                bus.handle(make(form))
        times = []
        for form in later[history:]:
            t = time.perf_counter()
            bus.handle(make(form))
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        return {
            "per_s": rate,
            "cpu_per_s": cpu_rate,
            "p50_ms": statistics.median(times),
            "p99_ms": times[int(len(times) * 0.99) - 1],
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--latency-n", type=int, default=2_000)
    parser.add_argument("--history", type=int, default=20_000)
    parser.add_argument("--postgres-url", default=os.environ.get("CREDITLOOP_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    stores: list[tuple[str, str | None]] = [("sqlite", None)]
    if args.postgres_url:
        stores.append(("postgresql", args.postgres_url))
    print(f"{'store':<11} {'path':<12} {'batch/s':>9} {'cpu/s':>7} {'p50 ms':>8} {'p99 ms':>8}")
    for name, url in stores:
        results = {}
        paths = (
            ("rule-only", rule_command, False),
            ("scored", scored_command, False),
            ("scored-batch", scored_command, True),
        )
        for label, make, chunked in paths:
            results[label] = r = measure(make, url, args.n, args.latency_n, args.history, seed=7, chunked=chunked)
            rates = f"{r['per_s']:>9.0f} {r['cpu_per_s']:>7.0f}"
            print(f"{name:<11} {label:<12} {rates} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f}", flush=True)
        b = results["rule-only"]
        for label in ("scored", "scored-batch"):
            s = results[label]
            rates = f"{s['per_s'] / b['per_s']:>9.2f} {s['cpu_per_s'] / b['cpu_per_s']:>7.2f}"
            times = f"{s['p50_ms'] / b['p50_ms']:>8.2f} {s['p99_ms'] / b['p99_ms']:>8.2f}"
            print(f"{name:<11} {'ratio':<12} {rates} {times}   ({label} / rule-only)")


if __name__ == "__main__":
    main()
