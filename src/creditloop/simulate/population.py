"""A seeded synthetic population of applicants with latent traits.

Every parameter, its value and its source (public statistic, calibration against ``../shared/datasets``, or
an assumption) is listed in docs/simulation.md ("Parameter sources"). In short:
- monthly income medians by sector: NBS 2023 average urban wages (private units ≈ 5,600 yuan/month,
  non-private ≈ 10,000; IT highest, hospitality lowest), log-normal with sigma 0.45;
- other-lender debt: about half of Chinese consumer-credit users hold loans elsewhere (multi-lending);
- willingness to pay: Beta(8, 1.3) — most people pay, a thin tail does not;
- fabricated applications, 2.5 % in all, of four kinds (ground truth ``fraud_kind``): inflated income (1 %:
  1.5–2.5x the true income, inside the sector-tier plausibility band), inconsistent fields (0.5 %: age against
  sector and income, income implausible for sector and city tier, stated debts contradicting the lenders
  count), identity reuse (0.5 %: valid stolen IDs applied for from fraud farms' shared phones and devices)
  bad IDs (0.5 %: typo'd, random or mismatched resident IDs); with ``packaging`` (``SimConfig.income_packaging``)
  half the inflated-income customers are agency income packaging instead (rings of 4-16 real people filed as
  staff of a shell company); the form fields and the fraudsters' choices
  are in ``simulate/applicants.py`` and ``simulate/fraudsters.py``;
- strategic defaulters (1.5 %): able to pay, they stop once the line is nearly used up or cut.
No protected attributes (sex, marital status, ethnicity, religion) are generated at all.

Draws happen in a fixed order from the simulation's seeded generator; new traits are drawn after the
original ones so adding a trait does not reshuffle the earlier ones. The application-form fields (names,
IDs, phones, employers…) and the fraudsters' choices draw from a child stream of their own
(``applicants.form_stream``), so they leave the world stream — incomes, purchases — exactly as it was.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from creditloop.simulate.applicants import assign_form_fields, form_stream
from creditloop.simulate.customer import (
    BAD_ID,
    FRAUD_KINDS,
    FRAUD_SHARE,
    FRAUD_SHARES,
    IDENTITY_REUSE,
    INCOME_PACKAGING,
    INCOME_PACKAGING_OF_INFLATED,
    INCOME_SIGMA,
    INCONSISTENCY_KINDS,
    INCONSISTENT_FIELDS,
    INFLATED_INCOME,
    PART_PAYER_BUDGET,
    PART_PAYER_SHARE,
    SECTOR_INCOME_VOLATILITY,
    SECTOR_MEDIAN_INCOME_YUAN,
    SECTOR_SHARES,
    SHARED_DEVICE_SHARE,
    STRATEGIC_SHARE,
    TIER_INCOME_FACTOR,
    Customer,
)
from creditloop.simulate.fraudsters import fabricate
from creditloop.simulate.scenario import SECTORS


def generate_population(
    n: int,
    months: int,
    rng: np.random.Generator,
    *,
    first_index: int = 0,
    start_on: date = date(2024, 1, 1),
    forms: np.random.Generator | None = None,
    packaging: bool = False,
) -> list[Customer]:
    """``n`` customers; applications arrive over the first half of the horizon so vintages differ.

    ``first_index`` is the global index of the first customer (blocks), so identifiers stay unique across
    blocks; ``forms`` is the stream of the form fields (default: ``applicants.form_stream(rng)``)."""
    out, shared_u, partner = _latent_population(n, months, rng)
    if packaging:  # no draw: the world and form streams stay as they were
        for i, cu in enumerate(out):
            if cu.fraud_kind == INFLATED_INCOME and (first_index + i) % INCOME_PACKAGING_OF_INFLATED == 0:
                cu.fraud_kind = INCOME_PACKAGING
    form_rng = form_stream(rng) if forms is None else forms
    assign_form_fields(out, first_index, start_on, form_rng)
    share_household_devices(out, shared_u, partner)
    fabricate(out, first_index, start_on, form_rng)
    return out


def _latent_population(n: int, months: int, rng: np.random.Generator) -> tuple[list[Customer], np.ndarray, np.ndarray]:
    """The traits drawn from the world stream, in their historical order (and the household draws)."""
    sectors = rng.choice(len(SECTORS), size=n, p=SECTOR_SHARES)
    ages = np.clip(rng.normal(31, 8, size=n), 16, 70).astype(int)
    tiers = rng.choice([1, 2, 3, 4], size=n, p=[0.2, 0.3, 0.3, 0.2])
    z = rng.normal(0, INCOME_SIGMA, size=n)
    has_debt = rng.random(n) < 0.5
    debt_share = rng.uniform(0.05, 0.35, size=n)
    lenders = np.where(has_debt, 1 + rng.poisson(1.0, size=n), 0)
    living = rng.uniform(0.35, 0.6, size=n)
    spend = np.clip(rng.lognormal(np.log(0.12), 0.5, size=n), 0.02, 0.6)
    willing = rng.beta(8, 1.3, size=n)
    late = rng.uniform(0.0, 0.08, size=n)
    fraud_u = rng.random(n)
    apply_months = rng.integers(1, max(1, months // 2) + 1, size=n)
    # Drawn after the original traits (see the module docstring).
    strategic_u = rng.random(n)
    shared_u = rng.random(n)
    partner = rng.integers(0, n, size=n)
    anomaly = rng.integers(0, len(INCONSISTENCY_KINDS), size=n)
    anomaly_scale = rng.uniform(0.0, 1.0, size=n)
    part_u = rng.random(n)
    budget = rng.uniform(*PART_PAYER_BUDGET, size=n)

    thresholds = np.cumsum([FRAUD_SHARES[k] for k in FRAUD_KINDS])
    kinds = np.searchsorted(thresholds, fraud_u, side="right")  # 0..3 fraud kinds; 4 genuine
    out = []
    for i in range(n):
        sector = SECTORS[int(sectors[i])]
        tier = int(tiers[i])
        median = SECTOR_MEDIAN_INCOME_YUAN[sector] * TIER_INCOME_FACTOR[tier]
        income_minor = round(median * float(np.exp(z[i]))) * 100
        other_debt = int(income_minor * float(debt_share[i])) // 100 * 100 if has_debt[i] else 0
        kind = (*FRAUD_KINDS, "")[int(kinds[i])]
        cu = Customer(
            customer_id=f"C{i + 1:07d}",
            age=int(ages[i]),
            city_tier=tier,
            sector=sector,
            base_income_minor=income_minor,
            stated_income_minor=income_minor,  # an inflated one is set by fraudsters.fabricate
            other_debt_minor=other_debt,
            lenders_count=int(lenders[i]),
            living_cost_share=float(living[i]),
            spend_propensity=float(spend[i]),
            willingness=float(willing[i]),
            lateness=float(late[i]),
            fraud=kind != "",
            apply_month=int(apply_months[i]),
            fraud_kind=kind,
            identity_key=f"K{i + 1:07d}",
            stated_age=int(ages[i]),
            stated_sector=sector,
            stated_city_tier=tier,
            stated_debt_minor=other_debt,
            stated_lenders=int(lenders[i]),
            income_volatility=SECTOR_INCOME_VOLATILITY[sector],
            strategic=kind == "" and bool(strategic_u[i] < STRATEGIC_SHARE),
            pay_budget_share=float(budget[i]) if part_u[i] < PART_PAYER_SHARE else 1.0,
        )
        if kind == INCONSISTENT_FIELDS:
            _make_inconsistent(cu, INCONSISTENCY_KINDS[int(anomaly[i])], float(anomaly_scale[i]))
        if kind:
            cu.spend_propensity = 0.6  # fabricated lines are drawn down fast (bust-out)
        out.append(cu)
    return out, shared_u, partner


def _make_inconsistent(cu: Customer, anomaly: str, u: float) -> None:
    """A fabricated application whose fields contradict each other in one recognisable way."""
    cu.inconsistency = anomaly
    if anomaly == "age_vs_sector":
        # A 18–20-year-old stating a senior public-sector or technology wage.
        cu.stated_age = 18 + int(u * 3)
        cu.stated_sector = "technology" if u < 0.5 else "public_sector"
        median = SECTOR_MEDIAN_INCOME_YUAN[cu.stated_sector] * TIER_INCOME_FACTOR[cu.stated_city_tier]
        cu.stated_income_minor = round(median * 3) * 100
    elif anomaly == "income_vs_sector_tier":
        # Six to ten times the median wage of the stated sector in the stated city tier.
        median = SECTOR_MEDIAN_INCOME_YUAN[cu.stated_sector] * TIER_INCOME_FACTOR[cu.stated_city_tier]
        cu.stated_income_minor = round(median * (6 + 4 * u)) * 100
    else:
        # Stated debts and the lenders count disagree: payments but no lender, or many lenders but no payments.
        if u < 0.5:
            cu.stated_debt_minor = max(cu.stated_debt_minor, cu.base_income_minor // 10 // 100 * 100 or 10_000)
            cu.stated_lenders = 0
        else:
            cu.stated_debt_minor = 0
            cu.stated_lenders = 4 + int(u * 2)


def share_household_devices(customers: list[Customer], shared_u: np.ndarray, partner: np.ndarray) -> None:
    """A few genuine customers share a device with another genuine customer (a household): not fraud, and
    the checks must not flag it (one other identity on a device is normal)."""
    for i, cu in enumerate(customers):
        if not cu.fraud and shared_u[i] < SHARED_DEVICE_SHARE:
            other = customers[int(partner[i])]
            if other is not cu and not other.fraud:
                cu.device_id, cu.device_key = other.device_id, other.device_key


__all__ = [
    "BAD_ID",
    "FRAUD_KINDS",
    "FRAUD_SHARE",
    "FRAUD_SHARES",
    "IDENTITY_REUSE",
    "INCOME_SIGMA",
    "INCONSISTENCY_KINDS",
    "INCONSISTENT_FIELDS",
    "INFLATED_INCOME",
    "PART_PAYER_BUDGET",
    "PART_PAYER_SHARE",
    "SECTOR_INCOME_VOLATILITY",
    "SECTOR_MEDIAN_INCOME_YUAN",
    "SECTOR_SHARES",
    "SHARED_DEVICE_SHARE",
    "STRATEGIC_SHARE",
    "TIER_INCOME_FACTOR",
    "Customer",
    "generate_population",
    "share_household_devices",
]
