"""The application form of a simulated applicant: the fields of ``strategy.application.ApplicationForm``.

Genuine applicants state the truth (their traits from ``population.py``) and carry identifiers that pass the
checks: a valid resident ID whose region is a district of the stated city and whose birth date is the stated
one, a CN mobile number, a device of their own (0.4 % share one with a household member), an employer of
their sector in their city (``EMPLOYERS_PER_CITY_SECTOR`` per city and sector, so peers exist). Choices and
their sources (docs/origination/sim.md):

- cities: real names by tier (tier 1 北京/上海/广州/深圳, tier 2 provincial capitals, tiers 3–4 prefecture
  cities), uniform within the customer's tier;
- channel: app 60 %, checkout 25 %, web 10 %, partner 5 % (assumption: BNPL lines are mostly opened in-app
  or at a merchant's checkout);
- consent: 99 % authorise the credit-bureau enquiry (征信授权 is a step of every licensed lender's
  application flow; the few who decline are referred), 90 % consent to data sharing (assumption);
- employer: one of ``EMPLOYERS_PER_CITY_SECTOR`` firms of the sector in the city, chosen by the income rank
  (correlation 0.7: firms pay differently, so coworkers earn alike — the employer-peer income check compares
  like with like);
- employer address: the employer's street address plus building, floor and room (6 x 30 x 20), so
  coworkers share an employer (peer incomes) but rarely a whole address line (the reuse check);
- ``verified_income``: the payroll / social-insurance / housing-fund figure a lender obtains with bureau
  consent — a noisy measure of TRUE income (log-normal, sigma ``VERIFIED_SIGMA`` = 0.1), absent for the
  self-employed (no payroll record) and without consent;
- requested limit: 0.5–2x monthly income, in steps of 500 yuan, 1,000–50,000 yuan;
- household size: 1 + Poisson(1.2), at most 6.

All draws come from the form stream (``form_stream``), a child of the simulation's seeded generator that does
not advance it, so the world (incomes, purchases) is the same with or without these fields.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING

import numpy as np

from creditloop.core.dates import add_months
from creditloop.simulate.identity import (
    CITIES_BY_TIER,
    EMPLOYERS_PER_CITY_SECTOR,
    birth_day,
    device_for,
    employer_for,
    phone_for,
    resident_id_for,
    synthetic_name,
)
from creditloop.strategy.application import ApplicationForm

if TYPE_CHECKING:
    from creditloop.simulate.population import Customer

CHANNEL_SHARES = {"app": 0.60, "checkout": 0.25, "web": 0.10, "partner": 0.05}
CONSENT_BUREAU = 0.99
CONSENT_SHARING = 0.90
VERIFIED_SIGMA = 0.1
NO_PAYROLL_SECTORS = frozenset({"self_employed"})
REQUEST_FACTOR = (0.5, 2.0)
REQUEST_BOUNDS_YUAN = (1_000, 50_000)
FIRM_PAY_CORRELATION = 0.7  # between-firm pay differences: about half the wage variance (assumption)
FORM_STREAM_KEY = 13  # the form stream's place among the block seed's children (the runner uses 0 and 1)
SHANGHAI = timezone(timedelta(hours=8))


def form_stream(rng: np.random.Generator) -> np.random.Generator:
    """A child stream of ``rng``'s seed for the form fields; ``rng`` itself is not advanced."""
    seq = rng.bit_generator.seed_seq
    assert isinstance(seq, np.random.SeedSequence)
    return np.random.default_rng(np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, FORM_STREAM_KEY)))


def apply_month_start(start_on: date, apply_month: int) -> date:
    return add_months(start_on, apply_month - 1)


def birth_for_age(index: int, age: int, on: date, city: str, u_district: float) -> tuple[str, date]:
    """A valid ID and birth date for someone ``age`` years old on ``on`` (mid-month of the application)."""
    md = birth_day(index)
    year = on.year - age - ((md.month, md.day) > (on.month, on.day))  # the birthday may be still to come
    return resident_id_for(index, city, u_district, year)


def requested_limit_minor(income_minor: int, factor: float) -> int:
    low, high = REQUEST_BOUNDS_YUAN
    yuan = round(income_minor / 100 * factor / 500) * 500
    return min(high, max(low, yuan)) * 100


def verified_income_minor(cu: Customer, noise: float) -> int | None:
    if not cu.consent_bureau or cu.sector in NO_PAYROLL_SECTORS:
        return None
    return round(cu.base_income_minor / 100 * float(np.exp(noise))) * 100


def assign_form_fields(customers: list[Customer], first_index: int, start_on: date, rng: np.random.Generator) -> None:
    """Fill every customer's form as a genuine applicant would (``fraudsters.fabricate`` then alters some)."""
    n = len(customers)
    u_surname, u_given, u_city, u_district, u_prefix = rng.random((5, n))
    two_chars = rng.random(n) < 0.6
    employer_k = rng.integers(0, EMPLOYERS_PER_CITY_SECTOR, size=n)
    channels = rng.choice(len(CHANNEL_SHARES), size=n, p=list(CHANNEL_SHARES.values()))
    req_factor = rng.uniform(*REQUEST_FACTOR, size=n)
    consent_b = rng.random(n) < CONSENT_BUREAU
    consent_s = rng.random(n) < CONSENT_SHARING
    noise = rng.normal(0.0, VERIFIED_SIGMA, size=n)
    household = np.minimum(1 + rng.poisson(1.2, size=n), 6)
    desk = rng.integers(0, 6 * 30 * 20, size=n)  # building, floor, room of the workplace
    firm_noise = rng.normal(0.0, 1.0, size=n)
    names = tuple(CHANNEL_SHARES)
    for i, cu in enumerate(customers):
        index = first_index + i
        cities = CITIES_BY_TIER[cu.stated_city_tier]
        cu.city = cities[int(u_city[i] * len(cities)) % len(cities)]
        on = apply_month_start(start_on, cu.apply_month) + timedelta(days=14)
        cu.id_number, cu.birth_date = birth_for_age(index, cu.stated_age, on, cu.city, float(u_district[i]))
        cu.name = synthetic_name(float(u_surname[i]), float(u_given[i]), bool(two_chars[i]))
        cu.phone = phone_for(index, float(u_prefix[i]))
        cu.device_id = device_for(index)
        cu.device_key = f"V{index + 1:07d}"
        k = employer_rank(cu, float(firm_noise[i])) if cu.sector == cu.stated_sector else int(employer_k[i])
        employer = employer_for(cu.city, cu.stated_sector, k, index)
        cu.employer, cu.employer_address = employer.name, employer.address + workplace(int(desk[i]))
        cu.channel = names[int(channels[i])]
        cu.requested_limit_minor = requested_limit_minor(cu.stated_income_minor, float(req_factor[i]))
        cu.consent_bureau = bool(consent_b[i])
        cu.consent_sharing = bool(consent_s[i])
        cu.verified_income_minor = verified_income_minor(cu, float(noise[i]))
        cu.household_size = int(household[i])


def employer_rank(cu: Customer, noise: float) -> int:
    """Which of the city's employers of the sector: pay differs between firms, so the firm follows the income
    rank (correlation ``FIRM_PAY_CORRELATION`` on the normal scale) and coworkers earn alike."""
    from creditloop.simulate.population import INCOME_SIGMA, SECTOR_MEDIAN_INCOME_YUAN, TIER_INCOME_FACTOR

    median = SECTOR_MEDIAN_INCOME_YUAN[cu.sector] * TIER_INCOME_FACTOR[cu.city_tier] * 100
    z = math.log(cu.base_income_minor / median) / INCOME_SIGMA
    mixed = FIRM_PAY_CORRELATION * z + math.sqrt(1 - FIRM_PAY_CORRELATION**2) * noise
    quantile = 0.5 * (1 + math.erf(mixed / math.sqrt(2)))
    return min(EMPLOYERS_PER_CITY_SECTOR - 1, int(quantile * EMPLOYERS_PER_CITY_SECTOR))


def workplace(desk: int) -> str:
    """Building, floor and room: coworkers share the employer's name and street address, not the whole line."""
    return f"{desk // 600 + 1}栋{desk // 20 % 30 + 1}层{desk % 20 + 1:02d}室"


def _yuan(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def application_form(cu: Customer, application_id: str, applied_on: date, minute_of_day: int) -> ApplicationForm:
    """The form the applicant submits on ``applied_on`` (Asia/Shanghai), amounts as yuan strings."""
    applied_at = datetime.combine(applied_on, time(minute_of_day // 60, minute_of_day % 60), SHANGHAI)
    assert cu.birth_date is not None
    return ApplicationForm.model_validate(
        {
            "application_id": application_id,
            "applied_at": applied_at,
            "channel": cu.channel,
            "name": cu.name,
            "id_number": cu.id_number,
            "birth_date": cu.birth_date,
            "phone": cu.phone,
            "device_id": cu.device_id,
            "city": cu.city,
            "city_tier": cu.stated_city_tier,
            "employer": cu.employer,
            "sector": cu.stated_sector,
            "monthly_income": _yuan(cu.stated_income_minor),
            "monthly_debt_payments": _yuan(cu.stated_debt_minor),
            "other_lenders": cu.stated_lenders,
            "requested_limit": _yuan(cu.requested_limit_minor),
            "consent_bureau": cu.consent_bureau,
            "consent_sharing": cu.consent_sharing,
            "household_size": cu.household_size,
            "employer_address": cu.employer_address,
            "verified_income": None if cu.verified_income_minor is None else _yuan(cu.verified_income_minor),
        }
    )


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
