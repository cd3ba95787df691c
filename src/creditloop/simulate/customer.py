"""The simulated customer and the population's documented parameters (split from population.py so the form
generators, ``applicants.py`` and ``fraudsters.py``, can use them without an import cycle). Sources of every
value: docs/simulation.md ("Parameter sources") and the population.py docstring."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

SECTOR_SHARES = (0.22, 0.20, 0.25, 0.10, 0.10, 0.13)
SECTOR_MEDIAN_INCOME_YUAN = {
    "manufacturing": 6000,
    "retail_hospitality": 4800,
    "services": 6500,
    "technology": 12000,
    "public_sector": 8000,
    "self_employed": 6800,
}
TIER_INCOME_FACTOR = {1: 1.35, 2: 1.1, 3: 0.95, 4: 0.8}
INCOME_SIGMA = 0.45
# Month-to-month income volatility (sigma of a mean-one log-normal factor): irregular earners miss by a little.
SECTOR_INCOME_VOLATILITY = {
    "manufacturing": 0.08,
    "retail_hospitality": 0.15,
    "services": 0.12,
    "technology": 0.06,
    "public_sector": 0.03,
    "self_employed": 0.25,
}

INFLATED_INCOME = "inflated_income"
INCONSISTENT_FIELDS = "inconsistent_fields"
IDENTITY_REUSE = "identity_reuse"
BAD_ID = "bad_id"
INCOME_PACKAGING = "income_packaging"
# In this order on the unit interval: bad_id was added after the others, so it takes the next slice and the
# customers of the first three kinds stay who they were.
FRAUD_SHARES: dict[str, float] = {
    INFLATED_INCOME: 0.01,
    INCONSISTENT_FIELDS: 0.005,
    IDENTITY_REUSE: 0.005,
    BAD_ID: 0.005,
}
# Opt-in (``SimConfig.income_packaging``): every other inflated-income customer is filed by an agency instead. Not
# in the default population: any change to the fabricated applications reshuffles the world stream downstream
# (approved lines draw purchases), and the calibration and the demo's shock contrast are tuned on that stream.
INCOME_PACKAGING_OF_INFLATED = 2  # every 2nd inflated-income customer (by index)
FRAUD_KINDS: tuple[str, ...] = tuple(FRAUD_SHARES)
FRAUD_SHARE = sum(FRAUD_SHARES.values())
SHARED_DEVICE_SHARE = 0.004  # genuine customers who share a device with another genuine customer (household)
STRATEGIC_SHARE = 0.015
# Habitual part-payers: they budget only a share of their spare money for this line and, when the bill is
# above that budget, pay the budget (arrears first) and stay a little behind — the installment analogue of
# a card holder who revolves.
PART_PAYER_SHARE = 0.15
PART_PAYER_BUDGET = (0.6, 0.95)
INCONSISTENCY_KINDS = ("age_vs_sector", "income_vs_sector_tier", "debts_vs_lenders")


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
    # What the application form states (equal to the truth for genuine applicants).
    fraud_kind: str = ""  # "" | inflated_income | inconsistent_fields | identity_reuse | bad_id | income_packaging
    inconsistency: str = ""  # which field contradicts which (inconsistent_fields), or how the ID is bad (bad_id)
    identity_key: str = ""  # synthetic key of the resident ID; a reuse fraud carries its victim's
    stated_age: int = 0
    stated_sector: str = ""
    stated_city_tier: int = 0
    stated_debt_minor: int = 0
    stated_lenders: int = 0
    income_volatility: float = 0.0
    strategic: bool = False  # able to pay, one day stops for good (simulate/strategic.py)
    walkaway_after: int = 0  # a strategic defaulter's months from applying to walking away
    bust_out: bool = False  # a strategic defaulter who spends freely in the months before walking away
    spending_freely: bool = False  # busting out now: no hold-back
    pay_budget_share: float = 1.0  # share of spare money the customer puts toward this line (< 1: part-payer)
    # State the behaviour model keeps between months.
    relapse_until: int = 0  # month through which a recently cured customer is more likely to fall behind
    drift: int = 0  # statements into a spell of falling behind while able to pay (0: paying as usual)
    defaulted: bool = False  # a strategic defaulter who has stopped paying
    limit_factor: float = 1.0  # spending response to limit changes since the line opened
    # Liquidity (simulate/liquidity.py): the habitual buffer, what is left of it, and how a loss is lived through.
    buffer_months: float = 0.0  # habitual liquid savings in months of living costs (0: none)
    buffer_minor: int = 0
    savings_minor: int = 0
    borrows_at_loss: bool = False  # a low (not nil) buffer: borrows elsewhere in a loss (Sullivan 2008)
    normal_income_minor: int = 0  # this month's income without the job loss or the pay cut
    buffer_phase: bool = False  # this month's loss is carried by savings
    extra_debt_minor: int = 0  # monthly payment on what was borrowed elsewhere during a loss
    extra_debt_until: int = 0  # month through which it is paid
    # The application form's further fields (simulate/applicants.py). Personal data (name, id_number, phone,
    # device_id) lives only here and in the submitted form: never in a Parquet file or a log.
    name: str = field(default="", repr=False)
    id_number: str = field(default="", repr=False)
    birth_date: date | None = None  # as stated (a bad_id fraud may state one the ID contradicts)
    phone: str = field(default="", repr=False)
    device_id: str = field(default="", repr=False)
    device_key: str = ""  # synthetic key of the device (households and fraud farms share one)
    city: str = ""
    employer: str = ""
    employer_address: str = ""
    channel: str = "app"
    requested_limit_minor: int = 0
    verified_income_minor: int | None = None  # payroll / social-insurance income, with bureau consent
    consent_bureau: bool = True
    consent_sharing: bool = True
    household_size: int = 1
    apply_day: int = -1  # day of the month (0-based) a fraud farm applies on; -1: drawn by the runner
    farm: int = 0  # the fraud farm (identity_reuse) or agency (income_packaging) behind it (ground truth), 0: none
