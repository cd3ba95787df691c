"""A seeded synthetic population of applicants with latent traits.

Parameters are deliberately few and documented here; the calibration against public statistics and the
real data in ``../shared/datasets`` is the simulator issue's work. Sources of the rough magnitudes:
- monthly income medians by sector: NBS 2023 average urban wages (private units ≈ 5,600 yuan/month,
  non-private ≈ 10,000; IT highest, hospitality lowest), log-normal with sigma 0.45;
- other-lender debt: about half of Chinese consumer-credit users hold loans elsewhere (multi-lending);
- willingness to pay: Beta(8, 1.3) — most people pay, a thin tail does not (strategic defaulters);
- fabricated applications: about 1 % (income inflated, never repay).
No protected attributes (sex, marital status, ethnicity, religion) are generated at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creditloop.simulate.scenario import SECTORS

SECTOR_SHARES = (0.22, 0.20, 0.25, 0.10, 0.10, 0.13)
SECTOR_MEDIAN_INCOME_YUAN = {
    "manufacturing": 6000,
    "retail_hospitality": 4800,
    "services": 6500,
    "technology": 12000,
    "public_sector": 8000,
    "self_employed": 6800,
}
INCOME_SIGMA = 0.45
FRAUD_SHARE = 0.01


@dataclass(slots=True)
class Customer:
    customer_id: str
    age: int
    city_tier: int
    sector: str
    base_income_minor: int  # true monthly income before shocks
    stated_income_minor: int  # what the application says (inflated for fabricated ones)
    other_debt_minor: int  # monthly payments owed to other lenders
    lenders_count: int
    living_cost_share: float  # share of income that goes to unavoidable spending
    spend_propensity: float  # share of income spent on the line in a typical month
    willingness: float  # latent willingness to pay, 0..1
    lateness: float  # probability of paying a few days late when able
    fraud: bool
    apply_month: int
    shock_cut: float = 0.0  # income cut if hit by the scenario's shock, 0 if not hit
    job_loss_until: int = 0  # month through which an individual job loss lasts


def generate_population(n: int, months: int, rng: np.random.Generator) -> list[Customer]:
    """``n`` customers; applications arrive over the first half of the horizon so vintages differ."""
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
    fraud = rng.random(n) < FRAUD_SHARE
    apply_months = rng.integers(1, max(1, months // 2) + 1, size=n)
    tier_factor = {1: 1.35, 2: 1.1, 3: 0.95, 4: 0.8}
    out = []
    for i in range(n):
        sector = SECTORS[int(sectors[i])]
        median = SECTOR_MEDIAN_INCOME_YUAN[sector] * tier_factor[int(tiers[i])]
        income_minor = round(median * float(np.exp(z[i]))) * 100
        other_debt = int(income_minor * float(debt_share[i])) // 100 * 100 if has_debt[i] else 0
        stated = income_minor * 3 if fraud[i] else income_minor
        out.append(
            Customer(
                customer_id=f"C{i + 1:07d}",
                age=int(ages[i]),
                city_tier=int(tiers[i]),
                sector=sector,
                base_income_minor=income_minor,
                stated_income_minor=stated,
                other_debt_minor=other_debt,
                lenders_count=int(lenders[i]),
                living_cost_share=float(living[i]),
                spend_propensity=float(spend[i]),
                willingness=float(willing[i]),
                lateness=float(late[i]),
                fraud=bool(fraud[i]),
                apply_month=int(apply_months[i]),
            )
        )
    return out
