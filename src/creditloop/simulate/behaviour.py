"""Customer behaviour: income path, purchases, plan choice, repayment, reminders, limit changes, hardship.

Each decision is a small pure function of the customer's traits, the month's income and a seeded
random generator, so a run is reproducible from its seed. Every parameter below is listed with its source
in docs/simulation.md ("Parameter sources").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from creditloop.simulate.customer import PART_PAYER_BUDGET
from creditloop.simulate.population import Customer
from creditloop.simulate.scenario import Scenario

JOB_LOSS_MONTHLY = 0.01  # individual job loss per month, outside any macro shock (urban unemployment inflow)
JOB_LOSS_INCOME_SHARE = 0.25
PLAN_CHOICES = (1, 3, 6, 12)
PLAN_WEIGHTS_LARGE = (0.35, 0.25, 0.2, 0.2)

# Partial payers: a willing customer whose spare money covers at least this share of the bill pays all of it
# by the due date (arrears first, by the waterfall) and stays a little behind instead of skipping the bill.
PARTIAL_SHORTFALL = 0.5
# Reminder on the day after the due date to lines that missed it: responds with probability
# REMINDER_RESPONSE x willingness x min(1, spare money / amount due), paying within REMINDER_DAYS days.
REMINDER_RESPONSE = 0.6
REMINDER_DAYS = (1, 5)
# Cure and relapse: after curing from 30+ the chance of missing a payment one is able to make is multiplied by
# RELAPSE_RISK for RELAPSE_MONTHS (Credit Card Approval panel: 11.1 % of status-0 months roll to 30+ next
# month after a 30+ episode in the previous 6 months, 1.6 % without one — a ratio of about 7).
RELAPSE_RISK = 7.0
RELAPSE_MONTHS = 6
RELAPSE_MISS_CAP = 0.5
# Drift: a missed bill one could pay starts a spell of falling behind instead of a one-off skip (Credit Card
# Approval panel: every first 30+ month follows three months at 1-29 DPD; tools/real_pre_delinquency.py). On
# each statement of the spell the customer pays DRIFT_SHARES[k] of the amount due (arrears first, so the line
# stays 1-29 DPD for about three statements, then rolls), unless they cure — pay in full — with DRIFT_CURE;
# once they pay nothing they have stopped, and cure with DRIFT_CURE_STOPPED only (the panel's 90+ roll rates).
DRIFT_SHARES = (0.9, 0.7, 0.5, 0.3, 0.0)
DRIFT_CURE = 0.5
DRIFT_CURE_STOPPED = 0.05
# MIN_PRODUCT_DRIFT: on a product with a minimum payment the spell pays DRIFT_SHARES of the *minimum*, so it still
# misses. The panel the spell is calibrated on is of credit cards, where 1-29 DPD means a missed minimum: the
# spell is falling behind, not keeping cash (decided before any back-test on that product; docs/simulation.md).
# Savings carry a loss (simulate/liquidity.py) only for a line the customer still keeps in order: one already 30+
# days behind was given up before the loss and is not paid from savings (it would cure lines written off for months).
BUFFER_KEEPS_DPD = 30
# Ganong & Noel (2019, AER): spending falls by about 6 % at the onset of unemployment (simulate/liquidity.py).
SPEND_CUT_AT_LOSS = 0.06
# Limit changes: spending follows the limit with this elasticity (budget x (limit / opening limit) ** e).
LIMIT_SPEND_ELASTICITY = 0.3
LIMIT_FACTOR_BOUNDS = (0.5, 1.5)
# Strategic defaulters walk away on their own schedule (simulate/strategic.py), or after a limit cut.
STRATEGIC_CUT_DEFAULT = 0.5  # probability a strategic customer stops paying after a limit cut


def assign_shock(customers: list[Customer], scenario: Scenario, rng: np.random.Generator) -> None:
    """Draw who the scenario's shock hits (ground truth, recorded separately)."""
    shock = scenario.shock
    draws = rng.random(len(customers))
    for c, u in zip(customers, draws, strict=True):
        params = shock.sectors.get(c.sector) if shock else None
        if params is not None and u < float(params.affected_share):
            c.shock_cut = float(params.income_cut)


def incomes_for_month(
    customers: Sequence[Customer], month: int, scenario: Scenario, rng: np.random.Generator
) -> list[int]:
    """Everyone's income this month: base x macro shock x individual job loss x month-to-month volatility.

    The random draws are made as arrays (one call each per month), so the cost per customer is arithmetic.
    """
    n = len(customers)
    loss_u = rng.random(n)
    loss_len = rng.integers(1, 6, size=n)
    z = rng.standard_normal(n)
    shock = scenario.shock
    factors: dict[float, float] = {}
    out = []
    for i, c in enumerate(customers):
        if c.job_loss_until < month and loss_u[i] < JOB_LOSS_MONTHLY:
            c.job_loss_until = month + int(loss_len[i])
        factor = 1.0
        if c.shock_cut and shock is not None:
            if c.shock_cut not in factors:
                factors[c.shock_cut] = float(shock.income_factor(month, Decimal(str(c.shock_cut))))
            factor = factors[c.shock_cut]
        if c.job_loss_until >= month:
            factor *= JOB_LOSS_INCOME_SHARE
        s = c.income_volatility
        vol = math.exp(s * float(z[i]) - s * s / 2) if s else 1.0  # mean one: volatility, not a trend
        if s:
            factor *= vol
        out.append(int(c.base_income_minor * factor))
        c.normal_income_minor = int(c.base_income_minor * vol)  # without the loss: what savings stand in for
    return out


def spending_income_minor(c: Customer, income_minor: int) -> int:
    """The income the customer spends by: the usual one less SPEND_CUT_AT_LOSS while savings carry a loss
    (simulate/liquidity.py), the actual one otherwise."""
    if c.buffer_phase:
        return int(c.normal_income_minor * (1 - SPEND_CUT_AT_LOSS))
    return income_minor


def capacity_minor(c: Customer, income_minor: int) -> int:
    """What is left for this line after living costs and other lenders' payments."""
    return int(income_minor * (1 - c.living_cost_share)) - c.other_debt_minor - c.extra_debt_minor


def affordable_bill_minor(c: Customer, income_minor: int) -> int:
    """Most customers stop adding to the line when the bill already eats most of their spare money.

    Fabricated applicants and strategic defaulters busting out do not hold back: they never mean to pay the bill."""
    if c.fraud or c.spending_freely:
        return 2**62
    return int(capacity_minor(c, spending_income_minor(c, income_minor)) * (0.4 + 0.5 * c.willingness))


def limit_factor(limit_minor: int, opening_limit_minor: int) -> float:
    """Spending response to a limit change: raised limits are used more, cut ones less."""
    if opening_limit_minor <= 0 or limit_minor <= 0:
        return LIMIT_FACTOR_BOUNDS[0]
    ratio = float((limit_minor / opening_limit_minor) ** LIMIT_SPEND_ELASTICITY)
    return min(LIMIT_FACTOR_BOUNDS[1], max(LIMIT_FACTOR_BOUNDS[0], ratio))


def respond_to_limit_change(c: Customer, limit_minor: int, opening_limit_minor: int, cut: bool, u: float) -> None:
    """The customer's spending follows the new limit; a strategic customer may walk away after a cut."""
    c.limit_factor = limit_factor(limit_minor, opening_limit_minor)
    if cut and c.strategic and u < STRATEGIC_CUT_DEFAULT:
        c.defaulted = True


@dataclass(frozen=True, slots=True)
class PurchaseIntent:
    day: int
    amount_minor: int
    periods: int
    refund_after_days: int | None


def purchase_intents(
    c: Customer, income_minor: int, days_in_month: int, rng: np.random.Generator
) -> list[PurchaseIntent]:
    """This month's wished-for purchases (the line may refuse some); spending falls with income.

    The number of draws depends only on the number of wishes, never on amounts or the line, so the world's
    random stream is the same whatever the lender does (limit changes move amounts, not the stream)."""
    count = int(rng.poisson(1.4))
    if not count:
        return []
    budget = spending_income_minor(c, income_minor) * c.spend_propensity * c.limit_factor
    z = rng.standard_normal(count)
    plan_u = rng.random(count)
    refund_u = rng.random(count)
    refund_days = rng.integers(3, 12, size=count)
    days = rng.integers(1, days_in_month + 1, size=count)
    cum = np.cumsum(PLAN_WEIGHTS_LARGE)
    scale = math.log(max(budget / 100 / 1.6, 20.0))
    out = []
    for k in range(count):
        amount_minor = max(1_000, int(math.exp(scale + 0.8 * float(z[k]))) * 100)
        pick = min(len(PLAN_CHOICES) - 1, int(np.searchsorted(cum, plan_u[k], side="right")))
        periods = 1 if amount_minor < 30000 else PLAN_CHOICES[pick]
        refund = int(refund_days[k]) if refund_u[k] < 0.02 else None
        out.append(PurchaseIntent(int(days[k]), amount_minor, periods, refund))
    return out


@dataclass(frozen=True, slots=True)
class RepaymentIntent:
    amount_minor: int
    days_after_due: int  # negative = before the due date
    mode: str = "full"  # full | part (just short: pays all spare money) | token (a share of little)


def stops_paying(c: Customer) -> bool:
    """Strategic default: a customer able to pay has walked away (simulate/strategic.py decides when)."""
    return c.defaulted


def repayment_intent(
    c: Customer,
    due_minor: int,
    income_minor: int,
    rng: np.random.Generator,
    *,
    month: int = 0,
    dpd: int = 0,
    min_due_minor: int | None = None,
) -> RepaymentIntent | None:
    """How much of the statement the customer pays, and when. Capacity first, then willingness.

    - a habitual part-payer whose bill is above their budget for the line pays the budget (arrears first);
    - able to pay in full: pays with probability 0.5 + 0.55 x willingness (lower for a while after curing
      from 30+), sometimes a few days late; a customer who does not starts a spell of falling behind
      (``drift_payment``), which ends when they pay in full again (DRIFT_CURE a statement);
    - just short (spare money at least PARTIAL_SHORTFALL of the bill): a willing customer pays all the spare
      money by the due date — the arrears first, so the line stays a little behind rather than rolling;
    - otherwise a willing customer pays a random part of the spare money.

    A month of income loss carried by savings (``c.buffer_phase``) is paid by ``buffer_payment`` instead, on a
    line the customer is still keeping in order (``dpd`` on the statement day under BUFFER_KEEPS_DPD).

    On a product with a minimum payment (``min_due_minor``: the statement's minimum; None on a product without
    one) a part payment the customer can afford is raised to the minimum (``at_least_minimum``): a customer who
    means to pay part of the bill pays what keeps the line current. A spell of falling behind (``drift_payment``)
    still misses: it pays its shares of the minimum (MIN_PRODUCT_DRIFT).
    """
    if due_minor <= 0 or c.fraud or c.defaulted:
        return None
    minimum = min_due_minor if min_due_minor is not None and min_due_minor < due_minor else None
    if c.buffer_phase and dpd < BUFFER_KEEPS_DPD:
        return buffer_payment(c, due_minor, rng, minimum)
    capacity = capacity_minor(c, income_minor)
    budget = int(capacity * c.pay_budget_share)
    if capacity >= due_minor > budget >= 100 and rng.random() < c.willingness:
        # A habitual part-payer: the bill is above what they set aside for this line; they pay the budget.
        amount = at_least_minimum(budget // 100 * 100, minimum, capacity)
        return RepaymentIntent(amount, -int(rng.integers(0, 4)), "part")
    if capacity >= due_minor:
        miss = 1.0 - min(1.0, 0.5 + 0.55 * c.willingness)
        if month and c.relapse_until >= month:
            miss = min(RELAPSE_MISS_CAP, miss * RELAPSE_RISK)
        if c.drift:  # in a spell: cure, or slide one step further
            miss = 1.0 - (DRIFT_CURE if c.drift < len(DRIFT_SHARES) else DRIFT_CURE_STOPPED)
        if rng.random() >= miss:
            c.drift = 0
            if rng.random() < c.lateness:
                return RepaymentIntent(due_minor, int(rng.integers(1, 16)))
            return RepaymentIntent(due_minor, -int(rng.integers(0, 9)))
        c.drift += 1
        return drift_payment(c.drift, due_minor if minimum is None else minimum)
    if capacity >= PARTIAL_SHORTFALL * due_minor and rng.random() < c.willingness:
        amount = capacity // 100 * 100  # below the bill by construction; covers the arrears when it can
        amount = at_least_minimum(amount, minimum, capacity)
        return RepaymentIntent(amount, -int(rng.integers(0, 4)), "part") if amount > 0 else None
    if capacity > 0 and rng.random() < c.willingness:
        partial = min(due_minor, int(capacity * float(rng.uniform(0.3, 1.0))) // 100 * 100)
        partial = at_least_minimum(partial, minimum, capacity)
        if partial > 0:
            return RepaymentIntent(partial, 0, "token")
    return None


def at_least_minimum(amount_minor: int, minimum_minor: int | None, affordable_minor: int) -> int:
    """A part payment on a product with a minimum: raised to the minimum when the customer can afford that
    (the minimum is what keeps the line current); unchanged on a product without one, or when even the minimum
    is out of reach (the customer pays what they can, and misses)."""
    if minimum_minor is None or amount_minor >= minimum_minor or affordable_minor < minimum_minor:
        return amount_minor
    return minimum_minor


def buffer_payment(
    c: Customer, due_minor: int, rng: np.random.Generator, minimum_minor: int | None = None
) -> RepaymentIntent | None:
    """A month of income loss carried by savings (simulate/liquidity.py): the customer keeps paying, but keeps
    cash — part of the bill only (the installment analogue of dropping to the minimum payment), on the due date
    rather than before it. The share is the habitual part-payers' range (PART_PAYER_BUDGET: an assumption for
    job losers, not measured); it is paid from savings, as far as they go. On a product with a minimum, at least
    the minimum when the savings cover it."""
    share = float(rng.uniform(*PART_PAYER_BUDGET))
    amount = min(c.savings_minor, int(due_minor * share)) // 100 * 100
    amount = at_least_minimum(amount, minimum_minor, c.savings_minor)
    if amount <= 0:
        return None
    c.savings_minor -= amount
    return RepaymentIntent(amount, 0, "part")


def drift_payment(step: int, due_minor: int) -> RepaymentIntent | None:
    """The ``step``-th statement of a spell of falling behind: a shrinking share of the amount due, by the due date.

    On a product with a minimum the runner passes the statement's minimum as ``due_minor`` (MIN_PRODUCT_DRIFT)."""
    share = DRIFT_SHARES[min(step, len(DRIFT_SHARES)) - 1]
    amount = int(due_minor * share) // 100 * 100
    return RepaymentIntent(amount, 0, "part") if amount > 0 else None


def reminder_response(
    c: Customer, amount_due_minor: int, spare_minor: int, u: float, days_u: float, response: float = REMINDER_RESPONSE
) -> RepaymentIntent | None:
    """A late payer's answer to the day-after-due reminder (``u``, ``days_u``: uniform draws).

    Responds with probability ``response`` (REMINDER_RESPONSE; a collections contact passes its channel's, see
    simulate/collections_plans.py) x willingness x min(1, spare / due); pays in full if the spare money covers it
    (which ends a spell of falling behind), otherwise all of the spare money, within REMINDER_DAYS days.
    """
    if amount_due_minor <= 0 or c.fraud or c.defaulted or spare_minor <= 0:
        return None
    p = response * c.willingness * min(1.0, spare_minor / amount_due_minor)
    if u >= p:
        return None
    lo, hi = REMINDER_DAYS
    days = lo + int(days_u * (hi - lo + 1))
    if spare_minor >= amount_due_minor:
        c.drift = 0  # paying everything owed ends a spell of falling behind
        return RepaymentIntent(amount_due_minor, days, "full")
    amount = spare_minor // 100 * 100
    return RepaymentIntent(amount, days, "part") if amount > 0 else None


def accepts_hardship(c: Customer, rng: np.random.Generator) -> bool:
    """Willing payers in trouble usually take a plan they can afford; strategic defaulters rarely do."""
    if c.defaulted:
        return bool(rng.random() < 0.05)
    return bool(rng.random() < 0.2 + 0.7 * c.willingness)
