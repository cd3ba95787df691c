"""Cost of the application checks for one application: ``run_checks``, ``derive_facts`` and the resident-ID
parser, on a mix of plausible applications (a seeded generator; about 1 in 10 carries a flaw or a history).

    .venv/bin/python bench/bench_checks.py [--forms 10000] [--repeat 5]

Forms are built (pydantic) before timing: the figures are the check layer alone. Reported per application:
the mean over all forms (best of ``--repeat`` passes) and the p50 / p99 of single calls.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

from creditloop.strategy.application import ApplicationForm
from creditloop.strategy.checks import default_check_policy, run_checks
from creditloop.strategy.facts import derive_facts
from creditloop.strategy.idcard import make_resident_id, parse_resident_id
from creditloop.strategy.velocity import VelocitySnapshot, WindowCounts

CST = timezone(timedelta(hours=8))
SECTORS = ("manufacturing", "retail_hospitality", "services", "technology", "public_sector", "self_employed")
MEDIANS = (6500, 5000, 6500, 12000, 8500, 6800)


def make_form(rng: random.Random, i: int) -> tuple[ApplicationForm, VelocitySnapshot]:
    k = rng.randrange(len(SECTORS))
    age = rng.randint(20, 58)
    applied = datetime(2026, 1, 1, 9, tzinfo=CST) + timedelta(minutes=rng.randint(0, 500_000))
    born = applied.date() - timedelta(days=age * 365 + rng.randint(5, 355))
    income = round(MEDIANS[k] * math.exp(rng.gauss(0, 0.45)))
    debt = int(income * rng.uniform(0.05, 0.3)) if rng.random() < 0.5 else 0
    id_number = make_resident_id(f"{rng.choice((11, 31, 44, 51))}{rng.randint(1, 20):02d}01", born, i % 1000)
    if rng.random() < 0.05:
        id_number = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")
    windows = tuple(WindowCounts(d, rng.choice((0, 0, 0, 1, 3)), rng.choice((0, 0, 1)), 0) for d in (1, 30))
    snapshot = VelocitySnapshot(
        windows, rng.choice((0, 0, 0, 0, 2)), 0, rng.randint(0, 12), 0, 0, rng.randint(0, 9), income * 100, None
    )
    form = ApplicationForm(
        application_id=f"B{i}", applied_at=applied, channel="app", name="x", id_number=id_number,
        birth_date=born, phone=f"13{rng.randint(0, 999_999_999):09d}", device_id="d", city="c",
        city_tier=rng.randint(1, 4), employer="e", sector=SECTORS[k], monthly_income=str(income),
        monthly_debt_payments=str(debt), other_lenders=1 if debt else 0, requested_limit="3000",
        consent_bureau=rng.random() < 0.98, consent_sharing=True,
        verified_income=str(income) if rng.random() < 0.3 else None,
    )  # fmt: skip
    return form, snapshot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    policy = default_check_policy()
    rng = random.Random(13)
    cases = [make_form(rng, i) for i in range(args.forms)]
    facts = [derive_facts(f) for f, _ in cases]
    ids = [f.id_number for f, _ in cases]
    on = date(2026, 12, 31)

    def timed(label: str, run: Callable[[int], object]) -> None:
        best = min(_loop(run, len(cases)) for _ in range(args.repeat))
        singles = []
        for i in range(len(cases)):
            t0 = time.perf_counter_ns()
            run(i)
            singles.append(time.perf_counter_ns() - t0)
        q = statistics.quantiles(singles, n=100)
        print(f"{label:<28} mean {best * 1e6:7.2f} us   p50 {q[49] / 1000:7.2f} us   p99 {q[98] / 1000:7.2f} us")

    timed("run_checks", lambda i: run_checks(cases[i][0], facts[i], cases[i][1], policy))
    timed("derive_facts", lambda i: derive_facts(cases[i][0]))
    timed("parse_resident_id", lambda i: parse_resident_id(ids[i], on))
    timed(
        "derive_facts + run_checks", lambda i: run_checks(cases[i][0], derive_facts(cases[i][0]), cases[i][1], policy)
    )


def _loop(run: Callable[[int], object], n: int) -> float:
    t0 = time.perf_counter()
    for i in range(n):
        run(i)
    return (time.perf_counter() - t0) / n


if __name__ == "__main__":
    main()
