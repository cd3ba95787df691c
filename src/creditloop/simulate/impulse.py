"""Impulse buyers meet the checkout nudge (issue 16, item 5; docs/education.md).

**Impulse buyers.** A share of the customers (``IMPULSE_SHARE``) buy on impulse beyond their means: they skip the
hold-back every other customer applies (``behaviour.affordable_bill_minor``: stop adding to the line when the bill
would eat most of their spare money). The share is 5.8 %, the prevalence of compulsive buying in a US national
telephone survey (Koran, Faber, Aboujaoude, Large & Serpe 2006, *Am. J. Psychiatry* 163:1806-1812; a meta-analysis,
Maraz, Griffiths & Demetrovics 2016, *Addiction* 111:408-419, pools 4.9 %) — a proxy: compulsive buying is the
clinical end of impulsive buying on credit, and no Chinese BNPL figure was found. Fabricated applicants and
strategic defaulters (``simulate/strategic.py``) are not counted. Who is impulsive is a hash of the seed and the
customer id, not a draw from the world's stream, so the world is the same with the feature on or off.

**The nudge.** At each purchase the lender runs the checkout policy (``strategy.checkout_policy``, the packaged
``checkout_v1`` that ``creditloop checkout buy`` uses) on what it knows: stated income, stated debts elsewhere,
living costs from the origination table (``strategy/policies/living_costs_v1.json``) for the customer's city tier
and household, this lender's installments still running, and the new plan's installment (principal / periods plus
the product's flat monthly fee). ``decline`` stops the purchase for everyone. ``nudge`` and ``cool_off`` are shown:
an impulse buyer heeds the nudge with ``heed_nudge`` and the cool-off with ``heed_cool_off`` (then behaves like
everyone else: holds back when the bill is beyond their spare money); unheeded, the purchase goes through (after
the cool-off the customer confirms; the purchase is booked on the day of the wish, an approximation). The heeding
probabilities are ASSUMPTIONS (no measured take-up of a BNPL affordability nudge was found): 0.3 and 0.5 by default,
with low (0.15, 0.25) and high (0.6, 0.8) variants for sensitivity (``tools/sim_checkout_nudge.py``). Heeding draws
come from a stream of their own (seeded from the seed, block and ``"checkout"``), so the world and the customers'
payment decisions draw the same numbers with the nudge on or off.

Off by default: a strategy without ``checkout`` runs none of this (the outputs stay byte-identical).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

import numpy as np

from creditloop.app.checkout import lender_installments_minor
from creditloop.servicing.credit_line import CreditLine
from creditloop.simulate.population import Customer
from creditloop.strategy.affordability import LivingCostTable, packaged_living_costs
from creditloop.strategy.checkout_policy import CheckoutFacts, CheckoutPolicy, decide, packaged_checkout_policy

IMPULSE_SHARE = 0.058  # Koran et al. 2006 (see the module docstring)
BPS = 10_000


@dataclass(frozen=True, slots=True)
class CheckoutPlan:
    nudge: bool  # the lender runs the checkout policy at each purchase
    heed_nudge: float = 0.3  # assumption
    heed_cool_off: float = 0.5  # assumption
    impulse_share: float = IMPULSE_SHARE


CHECKOUT_PLANS: dict[str, CheckoutPlan] = {
    "impulse-off": CheckoutPlan(nudge=False),  # impulse buyers, no checkout check: the comparison arm
    "impulse-nudge": CheckoutPlan(nudge=True),
    "impulse-nudge-low": CheckoutPlan(nudge=True, heed_nudge=0.15, heed_cool_off=0.25),
    "impulse-nudge-high": CheckoutPlan(nudge=True, heed_nudge=0.6, heed_cool_off=0.8),
}


def is_impulsive(seed: int, customer: Customer, share: float = IMPULSE_SHARE) -> bool:
    """Whether the customer buys on impulse: a hash of the seed and the id (never the world's random stream)."""
    if customer.fraud or customer.strategic:
        return False
    digest = hashlib.blake2b(f"{seed}|{customer.customer_id}|impulse".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < share


class Checkout:
    """The simulator's checkout: who is impulsive, and whether a wished-for purchase goes through."""

    def __init__(self, plan: CheckoutPlan, seed: int, block: int) -> None:
        self.plan = plan
        self.seed = seed
        self.policy: CheckoutPolicy = packaged_checkout_policy()
        self.living: LivingCostTable = packaged_living_costs()
        self.rng = np.random.default_rng(np.random.SeedSequence([seed, block, int.from_bytes(b"checkout", "big")]))
        self._impulsive: dict[str, bool] = {}
        self.counts = {"checked": 0, "declined": 0, "nudged": 0, "cooled": 0, "heeded": 0}

    def impulsive(self, cu: Customer) -> bool:
        known = self._impulsive.get(cu.customer_id)
        if known is None:
            known = self._impulsive[cu.customer_id] = is_impulsive(self.seed, cu, self.plan.impulse_share)
        return known

    def allows(self, cu: Customer, line: CreditLine, amount_minor: int, periods: int, day: date, prudent: bool) -> bool:
        """Whether the purchase goes through; ``prudent``: the customer's own hold-back would let it through."""
        impulsive = self.impulsive(cu)
        if not self.plan.nudge:
            return prudent or impulsive
        fee = line.product.option(periods).monthly_fee_bps * amount_minor // BPS if periods > 1 else 0
        living = self.living.monthly_minor(cu.stated_city_tier or cu.city_tier, cu.household_size)
        facts = CheckoutFacts(amount_minor // periods + fee, lender_installments_minor([line], day),
                              cu.stated_debt_minor, cu.stated_income_minor, living, periods)  # fmt: skip
        outcome = decide(self.policy, facts).outcome
        self.counts["checked"] += 1
        if outcome == "decline":
            self.counts["declined"] += 1
            return False
        if outcome == "pass" or not impulsive:
            return prudent or impulsive
        self.counts["nudged" if outcome == "nudge" else "cooled"] += 1
        heed = self.plan.heed_nudge if outcome == "nudge" else self.plan.heed_cool_off
        if float(self.rng.random()) < heed:
            self.counts["heeded"] += 1
            return prudent
        return True

    def summary(self, customers: list[Customer]) -> dict[str, object]:
        """What the run's summary.json records: the plan, the checkout's counts and the impulse buyers' ids."""
        p = self.plan
        plan = {"nudge": p.nudge, "heed_nudge": p.heed_nudge, "heed_cool_off": p.heed_cool_off,
                "impulse_share": p.impulse_share}  # fmt: skip
        impulsive = sorted(c.customer_id for c in customers if self.impulsive(c))
        return {"checkout": {"plan": plan, "counts": dict(self.counts), "impulsive": impulsive}}
