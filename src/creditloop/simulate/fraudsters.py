"""Fabricated applications, made the way a fraudster would make them (ground truth: ``fraud_kind``).

Four kinds (shares in ``population.FRAUD_SHARES``); the choices are documented in docs/origination/sim.md:

- ``bad_id`` (easy): the resident ID is wrong in one way, recorded in ``inconsistency``: ``check_digit``
  (the 18th character replaced), ``typo`` (two adjacent different digits swapped: MOD 11-2 catches every
  adjacent transposition), ``region`` (an unassigned province code, check character recomputed so only the
  region is wrong), ``random`` (17 random digits and a wrong check character), ``birth_mismatch`` (a valid
  ID, but the stated birth date is 1–8 years earlier than the ID's: the applicant claims to be older).
- ``identity_reuse`` (hard): fraud farms of 2–6 applications, each with a VALID stolen identity (a genuine
  customer's name, ID and birth date, and the ID's city) applied for from the farm's own handsets: 1–2
  devices and 1–3 SIMs shared by every application of the farm, all within a few days of each other; 30 %
  reuse the previous application's stolen identity from another SIM. A farm states plausible employers of
  the victim's city; with bureau consent (half of them) the lender's payroll look-up returns the VICTIM's
  income.
- ``inflated_income`` (hard): stated income 1.5–2.5x the true one, but never above the plausibility band of
  the stated sector and city tier (``PLAUSIBLE_MULTIPLE`` = 3.5x our median, inside the checks' 4x band; a
  fraudster near the band inflates only up to it); 45 % decline the bureau enquiry so no verified income
  contradicts them (the self-employed have none anyway); they ask for 1.5–3x the stated income.
- ``inconsistent_fields``: the contradictions of ``population._make_inconsistent``; the ID is valid and
  agrees with the stated age.
- ``income_packaging`` (hard, 中介包装): an agency recruits 4–16 real people (their own valid IDs, phones of
  their own or not) and files for them as staff of its shell company (one name and address per agency, stated
  sector technology or services) in its city, through channel ``agent``, within 1–10 days. It presents each at a
  plausible income just under a round figure it picked for the agency (0.5–8 % under, to 50 or 100 yuan), with
  bureau consent (a refusal is referred) but no payroll sharing. 85 % of agencies hand out SIMs bought in one
  batch (one 7-digit number block); the others give the members' own numbers. Devices are the members' own.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from creditloop.simulate.applicants import apply_month_start, birth_for_age, requested_limit_minor
from creditloop.simulate.customer import (
    BAD_ID,
    IDENTITY_REUSE,
    INCOME_PACKAGING,
    INCONSISTENT_FIELDS,
    INFLATED_INCOME,
    SECTOR_MEDIAN_INCOME_YUAN,
    TIER_INCOME_FACTOR,
    Customer,
)
from creditloop.simulate.identity import (
    _CHECK,
    CITIES_BY_TIER,
    EMPLOYERS_PER_CITY_SECTOR,
    ROADS,
    check_character,
    device_for,
    employer_for,
    phone_for,
)

# x the sector-tier median: inside the checks' plausibility band (checks_v1 INCOME_IMPLAUSIBLE: above 4x the
# income table's median, which is at or above ours for every sector and tier), with a margin.
PLAUSIBLE_MULTIPLE = 3.5
INFLATION = (1.5, 2.5)
INFLATED_DECLINE_CONSENT = 0.45
REUSE_CONSENT = 0.5
FARM_SIZES = (2, 6)
FARM_DEVICES = (1, 2)
FARM_SIMS = (1, 3)
FARM_SAME_VICTIM = 0.3
FARM_PHONE_BASE = 90_000_000  # farms' SIMs are numbered apart from every customer's phone
BAD_ID_KINDS = ("check_digit", "typo", "region", "random", "birth_mismatch")
BAD_ID_SHARES = (0.3, 0.2, 0.15, 0.15, 0.2)
# income_packaging: what an agency does (its choices, not our checks' thresholds).
RING_SIZES = (4, 16)
RING_SPAN_DAYS = (1, 10)  # first to last application of one agency
RING_SIM_BATCH = 0.85  # agencies that hand out SIMs from one batch
RING_SECTORS = ("technology", "services")
RING_UPLIFT = (1.0, 1.8)  # x the presented sector-tier median: the round figure the agency aims under
RING_UNDER = (0.005, 0.08)  # how far under the round figure a member is presented, per agency at most
RING_AGENT = 0.8  # applications filed through the agent channel
AGENCY_NAMES = ("锦程", "远航", "启明", "汇智", "鼎盛", "联创", "卓越", "腾飞", "智信", "弘业")
AGENCY_KINDS = ("商务咨询有限公司", "信息技术有限公司", "企业管理有限公司")
RING_SIM_PREFIXES = ("170", "171", "165", "167", "153", "131", "186")
UNASSIGNED_PROVINCES = ("00", "19", "20", "29", "30", "38", "48", "49", "55", "66", "72", "80", "88", "99")


def fabricate(customers: list[Customer], first_index: int, start_on: date, rng: np.random.Generator) -> None:
    """Alter the forms of the fabricated applications (genuine ones are left as ``applicants`` made them)."""
    n = len(customers)
    factor = rng.uniform(*INFLATION, size=n)
    decline = rng.random(n)
    ask = rng.uniform(1.5, 3.0, size=n)
    bad_kind = rng.choice(len(BAD_ID_KINDS), size=n, p=BAD_ID_SHARES)
    bad_u = rng.random(n)
    for i, cu in enumerate(customers):
        if cu.fraud_kind == INFLATED_INCOME:
            median = SECTOR_MEDIAN_INCOME_YUAN[cu.stated_sector] * TIER_INCOME_FACTOR[cu.stated_city_tier] * 100
            cap = max(round(median * PLAUSIBLE_MULTIPLE), cu.base_income_minor)
            cu.stated_income_minor = min(round(cu.base_income_minor * float(factor[i])), cap) // 100 * 100
            if decline[i] < INFLATED_DECLINE_CONSENT:
                cu.consent_bureau, cu.verified_income_minor = False, None
            cu.requested_limit_minor = requested_limit_minor(cu.stated_income_minor, float(ask[i]))
        elif cu.fraud_kind == INCONSISTENT_FIELDS:
            on = apply_month_start(start_on, cu.apply_month) + timedelta(days=14)
            cu.id_number, cu.birth_date = birth_for_age(first_index + i, cu.stated_age, on, cu.city, float(bad_u[i]))
            cu.requested_limit_minor = requested_limit_minor(cu.stated_income_minor, float(ask[i]))
        elif cu.fraud_kind == BAD_ID:
            cu.inconsistency = BAD_ID_KINDS[int(bad_kind[i])]
            _spoil_id(cu, float(bad_u[i]), rng)
    farms(customers, [cu for cu in customers if cu.fraud_kind == IDENTITY_REUSE], first_index, rng)
    agencies(customers, [cu for cu in customers if cu.fraud_kind == INCOME_PACKAGING], first_index, rng)


def _spoil_id(cu: Customer, u: float, rng: np.random.Generator) -> None:
    body, check = cu.id_number[:17], cu.id_number[17]
    how = cu.inconsistency
    if how == "check_digit":
        cu.id_number = body + _other(check, u)
    elif how == "typo":
        pos = [k for k in range(6, 16) if body[k] != body[k + 1]]
        k = pos[int(u * len(pos))] if pos else 14
        swapped = body[:k] + body[k + 1] + body[k] + body[k + 2 :] if pos else body[:k] + _other(body[k], u) + body[15:]
        cu.id_number = swapped + check
    elif how == "region":
        bad = UNASSIGNED_PROVINCES[int(u * len(UNASSIGNED_PROVINCES))] + body[2:]
        cu.id_number = bad + check_character(bad)
    elif how == "random":
        digits = "".join(str(int(d)) for d in rng.integers(0, 10, size=17))
        cu.id_number = digits + _other(check_character(digits), u)
    else:  # birth_mismatch: a valid ID, an earlier stated birth date
        years = 1 + int(u * 8)
        assert cu.birth_date is not None
        birth = cu.birth_date
        cu.birth_date = (
            birth.replace(year=birth.year - years)
            if (birth.month, birth.day) != (2, 29)
            else birth.replace(year=birth.year - 4, day=28)
        )
        cu.stated_age += birth.year - cu.birth_date.year


def _other(char: str, u: float) -> str:
    """A check character other than ``char``."""
    choices = [c for c in _CHECK if c != char]
    return choices[int(u * len(choices)) % len(choices)]


def farms(customers: list[Customer], reuse: list[Customer], first_index: int, rng: np.random.Generator) -> None:
    """Group identity-reuse applications into farms with shared handsets, each with a stolen genuine identity."""
    genuine = [cu for cu in customers if not cu.fraud]
    if not genuine or not reuse:
        return
    position = {id(cu): i for i, cu in enumerate(customers)}
    k = 0
    while k < len(reuse):
        members = reuse[k : k + int(rng.integers(FARM_SIZES[0], FARM_SIZES[1] + 1))]
        farm_id = first_index + position[id(members[0])] + 1  # unique across blocks
        devices = [device_for(farm_id, salt=d + 1) for d in range(int(rng.integers(1, FARM_DEVICES[1] + 1)))]
        sims = [
            phone_for(FARM_PHONE_BASE + farm_id * 4 + s, float(rng.random()))
            for s in range(int(rng.integers(1, FARM_SIMS[1] + 1)))
        ]
        day = int(rng.integers(0, 22))
        victim: Customer | None = None
        for j, cu in enumerate(members):
            if victim is None or rng.random() >= FARM_SAME_VICTIM:
                victim = genuine[int(rng.integers(0, len(genuine)))]
            _steal(cu, victim, int(rng.integers(0, EMPLOYERS_PER_CITY_SECTOR)), first_index + position[id(cu)])
            cu.farm = farm_id
            cu.apply_month, cu.apply_day = members[0].apply_month, day + int(rng.integers(0, 4))
            cu.device_id = devices[j % len(devices)]
            cu.device_key = f"F{farm_id:07d}-{j % len(devices)}"
            cu.phone = sims[j % len(sims)]
            consent = rng.random() < REUSE_CONSENT
            cu.consent_bureau = consent
            cu.verified_income_minor = victim.verified_income_minor if consent else None
        k += len(members)


def _steal(cu: Customer, victim: Customer, employer_k: int, index: int) -> None:
    cu.name, cu.id_number, cu.birth_date = victim.name, victim.id_number, victim.birth_date
    cu.identity_key = victim.identity_key
    cu.stated_age = victim.stated_age
    cu.city, cu.stated_city_tier = victim.city, victim.stated_city_tier
    employer = employer_for(cu.city, cu.stated_sector, employer_k, index)
    cu.employer, cu.employer_address = employer.name, employer.address


def agencies(customers: list[Customer], members: list[Customer], first_index: int, rng: np.random.Generator) -> None:
    """Group income-packaging applications into agencies: one shell employer, a SIM batch, incomes under a figure."""
    position = {id(cu): i for i, cu in enumerate(customers)}
    k = 0
    while k < len(members):
        ring = members[k : k + int(rng.integers(RING_SIZES[0], RING_SIZES[1] + 1))]
        agency = first_index + position[id(ring[0])] + 1  # unique across blocks
        tier = int(rng.integers(1, 5))
        city = CITIES_BY_TIER[tier][int(rng.integers(0, len(CITIES_BY_TIER[tier])))]
        sector = RING_SECTORS[int(rng.integers(0, len(RING_SECTORS)))]
        name = AGENCY_NAMES[int(rng.integers(0, len(AGENCY_NAMES)))] + AGENCY_KINDS[int(rng.integers(0, 3))]
        employer = f"{city}{name}"
        address = (
            f"{city}{ROADS[int(rng.integers(0, len(ROADS)))]}{int(rng.integers(1, 300))}号{int(rng.integers(2, 30))}楼"
        )
        median = SECTOR_MEDIAN_INCOME_YUAN[sector] * TIER_INCOME_FACTOR[tier]
        ceiling = -(-median * float(rng.uniform(*RING_UPLIFT)) // 1000) * 1000  # the round figure, yuan
        under = float(rng.uniform(*RING_UNDER))
        step = 50 if rng.random() < 0.5 else 100
        batch = rng.random() < RING_SIM_BATCH
        block = RING_SIM_PREFIXES[int(rng.integers(0, len(RING_SIM_PREFIXES)))] + f"{int(rng.integers(0, 10_000)):04d}"
        span = int(rng.integers(RING_SPAN_DAYS[0], RING_SPAN_DAYS[1] + 1))
        start = int(rng.integers(0, 28 - span))
        for cu in ring:
            cu.farm = agency
            cu.apply_month, cu.apply_day = ring[0].apply_month, start + int(rng.integers(0, span + 1))
            cu.city, cu.stated_city_tier, cu.stated_sector = city, tier, sector
            cu.employer, cu.employer_address = employer, address
            stated = ceiling * (1 - float(rng.uniform(0.0, under)))
            cu.stated_income_minor = int(stated // step * step) * 100
            cu.requested_limit_minor = requested_limit_minor(cu.stated_income_minor, float(rng.uniform(1.5, 3.0)))
            cu.channel = "agent" if rng.random() < RING_AGENT else "app"
            cu.consent_bureau, cu.consent_sharing, cu.verified_income_minor = True, False, None
            if batch:
                cu.phone = block + f"{int(rng.integers(0, 10_000)):04d}"
        k += len(ring)
