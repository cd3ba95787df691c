"""False-positive sanity of the non-velocity checks: 10,000 plausible genuine applications (this test's own
generator: NBS-like incomes, log-normal with sigma 0.45 around the sector-tier median, debts that agree with the
lenders count, stated birth date = the ID's) and at most 1 % may be flagged by any form check."""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import datetime, timedelta, timezone

from creditloop.strategy.application import ApplicationForm
from creditloop.strategy.check_policy import packaged_income_table
from creditloop.strategy.checks import Outcome, default_check_policy, run_checks
from creditloop.strategy.facts import derive_facts
from creditloop.strategy.idcard import MAINLAND_PROVINCES, make_resident_id
from creditloop.strategy.velocity import VelocitySnapshot

N = 10_000
CST = timezone(timedelta(hours=8))
WORKING = ("manufacturing", "retail_hospitality", "services", "technology", "public_sector", "self_employed",
           "finance", "education", "construction", "healthcare", "logistics", "agriculture")  # fmt: skip


def _ages(rng: random.Random, sector: str) -> int:
    if sector == "student":
        return rng.randint(18, 25)
    if sector == "retired":
        return rng.randint(50, 60)
    return min(60, max(18, round(rng.gauss(33, 9))))


def _phone(rng: random.Random) -> str:
    digits = f"1{rng.randint(3, 9)}{rng.randint(0, 999_999_999):09d}"
    style = rng.randint(0, 3)
    if style == 1:
        return f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}"
    if style == 2:
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    return digits


def genuine_form(rng: random.Random, i: int) -> ApplicationForm:
    table = packaged_income_table("income_ranges_v1")
    sector = rng.choice(WORKING) if rng.random() < 0.94 else rng.choice(("student", "unemployed", "retired"))
    tier = rng.choice((1, 2, 2, 3, 3, 4))
    age = _ages(rng, sector)
    applied = datetime(2026, 1, 1, 9, tzinfo=CST) + timedelta(minutes=rng.randint(0, 365 * 24 * 60))
    born = applied.date() - timedelta(days=age * 365 + rng.randint(5, 355))
    median = table.median_minor(sector, tier) // 100
    income = max(0, round(median * math.exp(rng.gauss(0, 0.45))))
    has_debt = rng.random() < 0.5
    lenders = 1 + min(4, int(rng.expovariate(1.0))) if has_debt else rng.choice((0, 0, 0, 0, 1))
    debt = int(income * rng.uniform(0.05, 0.35)) if has_debt else 0
    region = f"{rng.choice(sorted(MAINLAND_PROVINCES))}{rng.randint(1, 30):02d}{rng.randint(0, 30):02d}"
    verified = str(round(income / rng.uniform(0.9, 1.3))) if rng.random() < 0.3 else None
    return ApplicationForm(
        application_id=f"G{i}",
        applied_at=applied,
        channel=rng.choice(("app", "web", "checkout")),
        name="王五",
        id_number=make_resident_id(region, born, rng.randint(0, 999)),
        birth_date=born,
        phone=_phone(rng),
        device_id=f"dev-{i}",
        city="somewhere",
        city_tier=tier,
        employer=f"employer-{rng.randint(1, 500)}",
        sector=sector,
        monthly_income=str(income),
        monthly_debt_payments=str(debt),
        other_lenders=lenders,
        requested_limit="3000",
        consent_bureau=True,
        consent_sharing=rng.random() < 0.7,
        verified_income=verified,
    )


def test_at_most_one_percent_of_genuine_applications_are_flagged() -> None:
    policy = default_check_policy()
    empty = VelocitySnapshot.empty(policy.velocity_windows_days)
    rng = random.Random(20261202)
    flagged_forms = 0
    by_code: Counter[str] = Counter()
    for i in range(N):
        form = genuine_form(rng, i)
        codes = [r.code for r in run_checks(form, derive_facts(form), empty, policy) if r.outcome is not Outcome.PASS]
        flagged_forms += bool(codes)
        by_code.update(codes)
    assert flagged_forms / N <= 0.01, (flagged_forms, by_code)
    # the ID, phone, consent and debt checks never fire on a well-formed genuine form
    assert set(by_code) <= {"INCOME_IMPLAUSIBLE", "INCOME_UNVERIFIED", "AGE_SECTOR_INCONSISTENT"}, by_code
