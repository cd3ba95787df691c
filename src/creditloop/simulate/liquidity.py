"""Liquid savings and how a customer lives through an income loss (issue 14: job loss without a savings buffer).

Before this model an individual job loss or a macro pay cut hit the bill in the month it happened: living costs
fell with income and the customer stopped paying at once. Households do not behave like that. Each customer now
holds a **buffer** of liquid savings, counted in months of their living costs and drawn once, at creation, from
a child stream of the block's seed (so the world stream — incomes, purchases — is untouched). In a month of
income loss (a job loss or the scenario's pay cut) the customer:

- cuts spending a little and keeps living on savings: living costs stay at their normal level less
  ``SPEND_CUT_AT_LOSS`` (Ganong & Noel 2019: nondurable spending falls by about 6 % at the onset of
  unemployment, is stable while benefits last, then falls sharply at exhaustion — here: when savings run out,
  living costs fall with income again, as before);
- if the buffer is low but not nil (below the median of those holding one), borrows elsewhere
  ``BORROW_PER_LOST`` of the income lost (Sullivan 2008: low-asset households other than the bottom decile
  raise unsecured debt by more than 11 cents per dollar of earnings lost; the lowest-asset and the wealthy do
  not), repaid over ``BORROW_TERM_MONTHS`` as a further payment to other lenders;
- pays the line from savings but only part of the bill, on the due date rather than early: the installment
  analogue of dropping to the minimum payment to keep cash (``behaviour.buffer_payment``);
- once savings cannot cover the month, behaves as before (capacity from the reduced income).

In months without a loss, savings are rebuilt toward the customer's own buffer at ``SAVING_RATE`` of their spare
money. Sources and sensitivity: docs/simulation.md ("Savings buffer and income loss").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# The spending cut lives in behaviour.py (purchases use it): Ganong & Noel (2019, AER 109(7)), about 6 % at onset.
from creditloop.simulate.behaviour import SPEND_CUT_AT_LOSS, capacity_minor
from creditloop.simulate.customer import Customer

# Federal Reserve SHED 2022 and 2023: 63 % of US adults would cover a $400 emergency expense with cash or its
# equivalent. The other 37 % are taken to hold no liquid buffer (a US share applied to Chinese BNPL users: assumed).
NO_BUFFER_SHARE = 0.37
# Among those with a buffer: log-normal in months of living costs. Median and spread are assumptions (no data set
# here measures them); the headline figure's sensitivity to the median is in docs/performance.md.
BUFFER_MEDIAN_MONTHS = 2.0
BUFFER_SIGMA = 1.0
# Sullivan (2008, J. Human Resources 43(2)): > 11 cents of unsecured debt per dollar of earnings lost, for
# low-asset households other than the bottom decile. Repaid in equal parts over a year (term assumed).
BORROW_PER_LOST = 0.11
BORROW_TERM_MONTHS = 12
# NBS: household saving ≈ 30 % of disposable income (2023: consumption 26,796 of 39,218 yuan per capita). Applied
# to the spare money left after living costs and other lenders (assumed) to rebuild the buffer.
SAVING_RATE = 0.30
LIQUIDITY_STREAM_KEY = 14  # the buffer stream's place among the block seed's children (forms use 13)


@dataclass(frozen=True, slots=True)
class LiquidityParams:
    """The buffer distribution (``SimConfig.liquidity``); ``buffer_median_months=0`` gives nobody a buffer,
    which is exactly the behaviour before the model (same outputs, byte for byte)."""

    no_buffer_share: float = NO_BUFFER_SHARE
    buffer_median_months: float = BUFFER_MEDIAN_MONTHS
    buffer_sigma: float = BUFFER_SIGMA


DEFAULT_LIQUIDITY = LiquidityParams()


def liquidity_stream(rng: np.random.Generator) -> np.random.Generator:
    """A child stream of ``rng``'s seed for the buffers; ``rng`` itself is not advanced."""
    seq = rng.bit_generator.seed_seq
    if not isinstance(seq, np.random.SeedSequence):
        raise TypeError("the simulation's generator must be seeded with a SeedSequence")
    return np.random.default_rng(np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, LIQUIDITY_STREAM_KEY)))


def assign_buffers(customers: Sequence[Customer], rng: np.random.Generator, params: LiquidityParams) -> None:
    """Each customer's habitual buffer (``buffer_minor``), held in full at the start (``savings_minor``)."""
    n = len(customers)
    has = rng.random(n) >= params.no_buffer_share
    months = rng.lognormal(0.0, params.buffer_sigma, size=n)
    median = params.buffer_median_months
    for i, c in enumerate(customers):
        if has[i] and median > 0 and not c.fraud:
            c.buffer_months = median * float(months[i])
            c.buffer_minor = int(c.base_income_minor * c.living_cost_share * c.buffer_months) // 100 * 100
            c.savings_minor = c.buffer_minor
            # Sullivan's low-asset (not lowest) households: a buffer, but under the median of those with one.
            c.borrows_at_loss = c.buffer_months < median


def month_start(c: Customer, income_minor: int, month: int) -> None:
    """Savings at the start of ``month``: rebuilt when income is normal, drawn for living costs in a loss.

    Sets ``c.buffer_phase``: True when savings carried the month (the line is then paid from them, in part)."""
    if c.extra_debt_until and c.extra_debt_until < month:
        c.extra_debt_minor, c.extra_debt_until = 0, 0
    c.buffer_phase = False
    if not c.buffer_minor:
        return
    normal = c.normal_income_minor
    if income_minor >= normal:
        spare = capacity_minor(c, income_minor)
        if spare > 0 and c.savings_minor < c.buffer_minor:
            c.savings_minor = min(c.buffer_minor, c.savings_minor + int(SAVING_RATE * spare))
        return
    # Living costs and other lenders' payments (a loan taken this month is first repaid next month).
    essentials = normal * c.living_cost_share * (1 - SPEND_CUT_AT_LOSS) + c.other_debt_minor + c.extra_debt_minor
    if c.borrows_at_loss:
        borrowed = int(BORROW_PER_LOST * (normal - income_minor)) // 100 * 100
        if borrowed > 0:
            if not c.extra_debt_until:
                c.lenders_count += 1  # a new lender for this spell (ground truth; the lender does not see it)
            c.savings_minor += borrowed
            c.extra_debt_minor += borrowed // BORROW_TERM_MONTHS
            c.extra_debt_until = month + BORROW_TERM_MONTHS
    gap = math.ceil(essentials - income_minor)
    if gap <= 0:
        return  # a small cut: the income still covers the month, the line is paid from it as before
    if gap <= c.savings_minor:
        c.savings_minor -= gap
        c.buffer_phase = True
    else:
        c.savings_minor = 0  # the buffer is gone: from here on, as before the model


def consortium_lenders(c: Customer, month: int) -> int:
    """How many other lenders a credit consortium (issue 19) would report the customer borrowing from at the end
    of ``month``: the count stated at application plus the lender of a loss-time loan still being repaid (one at a
    time: later borrowing in the same spell tops up that loan). A read of the customer's state: draws nothing."""
    return c.stated_lenders + (1 if c.extra_debt_until >= month else 0)
