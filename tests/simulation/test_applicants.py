"""Simulated application forms (issue #13): genuine applicants look genuine, fraudsters as designed. Seeded, fast."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import numpy as np
import pytest

from creditloop.simulate.applicants import age_on, application_form, apply_month_start
from creditloop.simulate.fraudsters import FARM_SIZES, INFLATION, PLAUSIBLE_MULTIPLE
from creditloop.simulate.identity import CITIES, CITIES_BY_TIER, is_valid_resident_id, make_resident_id
from creditloop.simulate.population import (
    FRAUD_SHARES,
    SECTOR_MEDIAN_INCOME_YUAN,
    TIER_INCOME_FACTOR,
    Customer,
    generate_population,
)

SEED = 11
START = date(2024, 1, 1)  # generate_population's default start


@pytest.fixture(scope="module")
def people() -> list[Customer]:
    return generate_population(20_000, 12, np.random.default_rng(SEED))


def test_the_check_character_follows_gb_11643() -> None:
    # The standard's worked example: 11010519491231002X.
    assert make_resident_id("110105", date(1949, 12, 31), 2) == "11010519491231002X"
    assert is_valid_resident_id("11010519491231002X") and not is_valid_resident_id("110105194912310021")


def test_genuine_applicants_carry_a_valid_id_of_their_city_and_stated_birth_date(people: list[Customer]) -> None:
    genuine = [c for c in people if not c.fraud]
    for c in genuine:
        assert is_valid_resident_id(c.id_number), f"seed {SEED}: {c.customer_id}"
        assert c.id_number[:6] in CITIES[c.city][1] and c.city in CITIES_BY_TIER[c.stated_city_tier]
        assert c.birth_date is not None and c.id_number[6:14] == c.birth_date.strftime("%Y%m%d")
        mid_month = apply_month_start(START, c.apply_month) + timedelta(days=14)
        assert age_on(c.birth_date, mid_month) == c.stated_age
        assert len(c.phone) == 11 and c.phone[0] == "1" and c.phone[1] in "3456789" and c.phone.isdigit()
        assert c.name and c.employer and c.employer_address and c.device_id
    # Unique identifiers (households share a device, nothing else).
    assert len({c.id_number for c in genuine}) == len(genuine)
    assert len({c.phone for c in genuine}) == len(genuine)


def test_identifiers_are_unique_across_blocks() -> None:
    a = generate_population(3_000, 12, np.random.default_rng([SEED, 1]), first_index=0)
    b = generate_population(3_000, 12, np.random.default_rng([SEED, 2]), first_index=3_000)
    ga = [c for c in a if not c.fraud]
    gb = [c for c in b if not c.fraud]
    assert not {c.id_number for c in ga} & {c.id_number for c in gb}
    assert not {c.phone for c in ga} & {c.phone for c in gb}
    assert not {c.device_id for c in ga} & {c.device_id for c in gb}


def test_the_form_fields_leave_the_world_stream_untouched() -> None:
    r1, r2 = np.random.default_rng(SEED), np.random.default_rng(SEED)
    p1 = generate_population(500, 12, r1)
    p2 = generate_population(500, 12, r2, forms=np.random.default_rng(999))
    assert r1.random() == r2.random()  # the world generator is where it would be without the form fields
    assert [c.base_income_minor for c in p1] == [c.base_income_minor for c in p2]
    assert [c.name for c in p1] != [c.name for c in p2]


def test_verified_income_measures_true_income_and_is_absent_without_payroll_or_consent(people: list[Customer]) -> None:
    genuine = [c for c in people if not c.fraud]
    ratios = []
    for c in genuine:
        if c.sector == "self_employed" or not c.consent_bureau:
            assert c.verified_income_minor is None
        else:
            assert c.verified_income_minor is not None
            ratios.append(np.log(c.verified_income_minor / c.base_income_minor))
    assert abs(float(np.std(ratios)) - 0.1) < 0.01 and abs(float(np.mean(ratios))) < 0.01
    consent = sum(c.consent_bureau for c in genuine) / len(genuine)
    assert 0.98 < consent < 0.995


def test_every_applicant_submits_a_form_the_schema_accepts(people: list[Customer]) -> None:
    on = date(2024, 3, 5)
    for c in people[:2_000]:
        form = application_form(c, f"A-{c.customer_id}", on, 600)
        assert form.monthly_income == c.stated_income_minor and form.requested_limit == c.requested_limit_minor
        assert form.verified_income == c.verified_income_minor
        assert form.applied_at.utcoffset() == timedelta(hours=8)


def test_bad_ids_fail_the_check_character_region_or_birth_date(people: list[Customer]) -> None:
    bad = [c for c in people if c.fraud_kind == "bad_id"]
    assert abs(len(bad) / len(people) - FRAUD_SHARES["bad_id"]) < 0.002
    assert {c.inconsistency for c in bad} == {"check_digit", "typo", "region", "random", "birth_mismatch"}
    provinces = {code[:2] for _, codes in CITIES.values() for code in codes}
    for c in bad:
        assert c.birth_date is not None
        if c.inconsistency in ("check_digit", "typo", "random"):
            assert not is_valid_resident_id(c.id_number), c.inconsistency
        elif c.inconsistency == "region":
            assert is_valid_resident_id(c.id_number) and c.id_number[:2] not in provinces
        else:
            assert is_valid_resident_id(c.id_number) and c.id_number[6:14] != c.birth_date.strftime("%Y%m%d")


def test_identity_reuse_farms_use_valid_stolen_ids_from_shared_handsets(people: list[Customer]) -> None:
    reuse = [c for c in people if c.fraud_kind == "identity_reuse"]
    genuine_ids = {c.id_number: c for c in people if not c.fraud}
    farms: dict[int, list[Customer]] = defaultdict(list)
    for c in reuse:
        victim = genuine_ids[c.id_number]  # a genuine customer's valid ID ...
        assert is_valid_resident_id(c.id_number)
        assert (c.name, c.birth_date, c.identity_key) == (victim.name, victim.birth_date, victim.identity_key)
        assert c.phone != victim.phone and c.device_id != victim.device_id  # ... from the fraudster's handsets
        farms[c.farm].append(c)
    assert len(farms) >= 10
    for members in farms.values():
        assert len(members) <= FARM_SIZES[1]  # the last farm of a population may be smaller than FARM_SIZES[0]
        assert len({m.device_id for m in members}) <= 2 and len({m.phone for m in members}) <= 3
        assert len({m.apply_month for m in members}) == 1
        days = [m.apply_day for m in members]
        assert max(days) - min(days) <= 3  # close in time
    # Most farms apply under several stolen identities (30 % of applications reuse the previous one's).
    several = sum(len({m.id_number for m in members}) >= 2 for members in farms.values())
    assert several >= 0.8 * len(farms)


def test_inflated_income_stays_within_the_plausible_band(people: list[Customer]) -> None:
    inflated = [c for c in people if c.fraud_kind == "inflated_income"]
    without_verified = 0
    for c in inflated:
        median = SECTOR_MEDIAN_INCOME_YUAN[c.stated_sector] * TIER_INCOME_FACTOR[c.stated_city_tier] * 100
        cap = max(median * PLAUSIBLE_MULTIPLE, c.base_income_minor)
        assert c.stated_income_minor <= cap + 100
        assert c.stated_income_minor <= c.base_income_minor * INFLATION[1] + 100
        if c.base_income_minor * INFLATION[0] <= median * PLAUSIBLE_MULTIPLE:
            assert c.stated_income_minor >= c.base_income_minor * INFLATION[0] - 100
        without_verified += c.verified_income_minor is None
    assert 0.35 < without_verified / len(inflated) < 0.75
