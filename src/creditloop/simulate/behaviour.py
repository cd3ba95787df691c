"""Customer behaviour: income path, purchases, plan choice, repayment, hardship acceptance.

Each decision is a small pure function of the customer's traits, the month's income and a seeded
random generator, so a run is reproducible from its seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from creditloop.simulate.population import Customer
from creditloop.simulate.scenario import Scenario

JOB_LOSS_MONTHLY = 0.01  # individual job loss per month, outside any macro shock (urban unemployment inflow)
JOB_LOSS_INCOME_SHARE = 0.25
PLAN_CHOICES = (1, 3, 6, 12)
PLAN_WEIGHTS_LARGE = (0.35, 0.25, 0.2, 0.2)


def assign_shock(customers: list[Customer], scenario: Scenario, rng: np.random.Generator) -> None:
    """Draw who the scenario's shock hits (ground truth, recorded separately)."""
    shock = scenario.shock
    draws = rng.random(len(customers))
    for c, u in zip(customers, draws, strict=True):
        params = shock.sectors.get(c.sector) if shock else None
        if params is not None and u < float(params.affected_share):
            c.shock_cut = float(params.income_cut)


def income_for_month(c: Customer, month: int, scenario: Scenario, rng: np.random.Generator) -> int:
    if c.job_loss_until < month and rng.random() < JOB_LOSS_MONTHLY:
        c.job_loss_until = month + int(rng.integers(1, 6))
    factor = 1.0
    if c.shock_cut and scenario.shock is not None:
        factor = float(scenario.shock.income_factor(month, Decimal(str(c.shock_cut))))
    if c.job_loss_until >= month:
        factor *= JOB_LOSS_INCOME_SHARE
    return int(c.base_income_minor * factor)


def capacity_minor(c: Customer, income_minor: int) -> int:
    """What is left for this line after living costs and other lenders' payments."""
    return int(income_minor * (1 - c.living_cost_share)) - c.other_debt_minor


def affordable_bill_minor(c: Customer, income_minor: int) -> int:
    """Most customers stop adding to the line when the bill already eats most of their spare money."""
    return int(capacity_minor(c, income_minor) * (0.4 + 0.5 * c.willingness))


@dataclass(frozen=True, slots=True)
class PurchaseIntent:
    day: int
    amount_minor: int
    periods: int
    refund_after_days: int | None


def purchase_intents(
    c: Customer, income_minor: int, days_in_month: int, rng: np.random.Generator
) -> list[PurchaseIntent]:
    """This month's wished-for purchases (the line may refuse some); spending falls with income."""
    count = int(rng.poisson(1.4))
    out = []
    budget = income_minor * c.spend_propensity
    for _ in range(count):
        amount_yuan = float(rng.lognormal(np.log(max(budget / 100 / 1.6, 20.0)), 0.8))
        amount_minor = max(1_000, int(amount_yuan) * 100)
        periods = 1 if amount_minor < 30000 else int(rng.choice(PLAN_CHOICES, p=PLAN_WEIGHTS_LARGE))
        refund = int(rng.integers(3, 12)) if rng.random() < 0.02 else None
        out.append(PurchaseIntent(int(rng.integers(1, days_in_month + 1)), amount_minor, periods, refund))
    return out


@dataclass(frozen=True, slots=True)
class RepaymentIntent:
    amount_minor: int
    days_after_due: int  # negative = before the due date


def repayment_intent(
    c: Customer, due_minor: int, income_minor: int, rng: np.random.Generator
) -> RepaymentIntent | None:
    """How much of the statement the customer pays, and when. Capacity first, then willingness."""
    if due_minor <= 0 or c.fraud:
        return None
    capacity = capacity_minor(c, income_minor)
    pays_when_able = min(1.0, 0.5 + 0.55 * c.willingness)
    if capacity >= due_minor and rng.random() < pays_when_able:
        if rng.random() < c.lateness:
            return RepaymentIntent(due_minor, int(rng.integers(1, 16)))
        return RepaymentIntent(due_minor, -int(rng.integers(0, 9)))
    if capacity > 0 and rng.random() < c.willingness:
        partial = min(due_minor, int(capacity * float(rng.uniform(0.3, 1.0))) // 100 * 100)
        if partial > 0:
            return RepaymentIntent(partial, 0)
    return None


def accepts_hardship(c: Customer, rng: np.random.Generator) -> bool:
    """Willing payers in trouble usually take a plan they can afford; strategic defaulters rarely do."""
    return bool(rng.random() < 0.2 + 0.7 * c.willingness)
