"""The hardship options generator and its ranking (issue 15, item 2) — pure policy, no servicing import.

Three steps, the middle one in the service layer (``app.hardship_options``):

1. ``candidates``: from the policy's templates and the case, the restructure commands worth previewing (kind and
   parameters), and the templates that do not apply with the reason why;
2. the service previews each through the ``Restructure`` command (the schedule after, the concession, the new
   plan's disclosure, the pricing cap) and hands the facts back as ``PlanFacts``;
3. ``value`` turns the facts into what a decision needs — the monthly payment against disposable income, the
   customer's total cost, the lender's NPV at its cost of funds less the expected loss of a re-default — and
   ``rank`` orders the options by the policy's ranking keys (data), the option id breaking ties.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from creditloop.collections.options_policy import BPS, OptionsPolicy, OptionTemplate
from creditloop.core.dates import add_months
from creditloop.core.money import round_minor

# The payment-holiday parameter that keeps fees accruing over the holiday (the restructure branch adds it).
HOLIDAY_ACCRUAL_PARAM = "accrue"
MAX_PTI_BPS = 10 * BPS  # payment-to-income above 1000 % (or no disposable income) is reported as this

# Why a template does not apply (stable codes, shown with the option).
DPD_ABOVE_LIMIT = "dpd_above_option_limit"
NOT_CHARGED_OFF = "settlement_only_when_charged_off"
CHARGED_OFF = "line_charged_off"
NO_PENALTY = "no_penalty_to_waive"
NO_FUTURE_INSTALLMENT = "no_future_installment"
NOTHING_OUTSTANDING = "nothing_outstanding"
REAGED_RECENTLY = "reaged_within_limit"
# Options that bring past-due installments current (re-age the account): FFIEC limits how often (DOMAIN.md §4.1.3).
REAGING_KINDS = ("term_extension", "reamortise")


@dataclass(frozen=True, slots=True)
class OptionsCase:
    """The line and the customer as the generator sees them (no personal data)."""

    line_id: str
    on: date
    dpd: int
    balance_minor: int  # everything owed now, penalty included
    penalty_minor: int
    charged_off: bool
    disposable_income_minor: int  # monthly income less expenses, as the request states them
    next_due_on: date | None  # the first installment due after ``on`` (payment holidays start there)
    disaster: bool = False  # the request's category is a disaster (Metro 2 comment AW)
    reaged_on: tuple[date, ...] = ()  # dates of earlier re-aging restructures of the line


@dataclass(frozen=True, slots=True)
class Candidate:
    option_id: str
    kind: str
    params: tuple[tuple[str, object], ...]  # the Restructure command's parameters


@dataclass(frozen=True, slots=True)
class PlanFacts:
    """What the preview of a candidate showed; ``refused`` holds the error code when it could not be applied."""

    payments: tuple[tuple[date, int], ...] = ()  # (due_on, amount) the customer pays under the plan
    concession_minor: int = 0  # what the customer no longer owes (waived, forgone or forgiven)
    disclosure: dict[str, object] | None = None
    refused: str | None = None  # e.g. pricing_cap_exceeded, or the servicing error's code


@dataclass(frozen=True, slots=True)
class OptionValue:
    option_id: str
    kind: str
    params: tuple[tuple[str, object], ...]
    available: bool
    reason: str | None  # why unavailable
    monthly_payment_minor: int = 0  # the largest calendar month's payment under the plan
    pti_bps: int = 0  # that payment over disposable income
    affordable: bool = False
    customer_total_minor: int = 0  # everything the customer pays under the plan
    months: int = 0  # calendar months with a payment
    redefault_bps: int = 0
    pv_minor: int = 0  # the payments discounted at the cost of funds
    expected_loss_minor: int = 0
    npv_minor: int = 0  # pv less expected loss
    concession_minor: int = 0
    concession_share_bps: int = 0
    required_role: str | None = None
    disclosure: dict[str, object] | None = field(default=None, compare=False)


def candidates(case: OptionsCase, policy: OptionsPolicy) -> tuple[list[Candidate], list[OptionValue]]:
    """The restructure commands to preview, and the templates that do not apply (each with its reason)."""
    out: list[Candidate] = []
    skipped: list[OptionValue] = []
    reaged_too_often = _reaged_too_often(case, policy)
    for t in policy.options:
        reason = REAGED_RECENTLY if reaged_too_often and t.kind in REAGING_KINDS else _not_applicable(t, case)
        if reason is not None:
            skipped.append(OptionValue(t.option_id, t.kind, (), False, reason))
        else:
            out.append(Candidate(t.option_id, t.kind, _params(t, case)))
    return out, skipped


def _reaged_too_often(case: OptionsCase, policy: OptionsPolicy) -> bool:
    """Re-aged within the last ``reage_months_between`` months, or the five-year maximum already reached."""
    recent = add_months(case.on, -policy.reage_months_between)
    five_years = add_months(case.on, -60)
    within = [d for d in case.reaged_on if d > five_years]
    return any(d > recent for d in within) or len(within) >= policy.reage_max_in_5_years


def _not_applicable(t: OptionTemplate, case: OptionsCase) -> str | None:
    if case.balance_minor <= 0:
        return NOTHING_OUTSTANDING
    if t.charged_off_only and not case.charged_off:
        return NOT_CHARGED_OFF
    if case.charged_off and t.kind != "settlement":
        return CHARGED_OFF
    if case.dpd > t.max_dpd:
        return DPD_ABOVE_LIMIT
    if t.kind == "penalty_waiver" and case.penalty_minor == 0:
        return NO_PENALTY
    if t.kind == "payment_holiday" and case.next_due_on is None:
        return NO_FUTURE_INSTALLMENT
    return None


def settlement_amount_minor(balance_minor: int, discount_bps: int) -> int:
    """What the customer pays to settle: the balance less the discount (the forgiven part rounded half up)."""
    return balance_minor - round_minor(Decimal(balance_minor) * discount_bps / BPS)


def _params(t: OptionTemplate, case: OptionsCase) -> tuple[tuple[str, object], ...]:
    if t.kind == "term_extension":
        return (("periods", t.periods), ("monthly_fee_bps", t.monthly_fee_bps), ("waive_penalty", t.waive_penalty))
    if t.kind == "fee_reduction":
        return (("monthly_fee_bps", t.monthly_fee_bps),)
    if t.kind == "payment_holiday":
        assert case.next_due_on is not None  # _not_applicable refused it otherwise
        params: tuple[tuple[str, object], ...] = (("from_due_on", case.next_due_on), ("months", t.months))
        return (*params, (HOLIDAY_ACCRUAL_PARAM, True)) if t.accrue else params
    if t.kind == "settlement":
        amount = settlement_amount_minor(case.balance_minor, t.discount_bps)
        return (("amount_minor", amount), ("due_on", case.on + timedelta(days=t.pay_within_days)))
    return ()  # reamortise, penalty_waiver: all defaults


# ----------------------------------------------------------------------------- valuation


def redefault_bps(policy: OptionsPolicy, pti_bps: int, dpd: int) -> int:
    """The policy's re-default probability: the first band whose payment-to-income and DPD bounds both hold."""
    for band in policy.redefault:
        if pti_bps <= band.max_pti_bps and dpd <= band.max_dpd:
            return band.probability_bps
    return policy.redefault[-1].probability_bps  # unreachable: the last band is a checked catch-all


def _month(day: date, on: date) -> tuple[int, int]:
    day = max(day, on)  # what is already past due is owed this month
    return day.year, day.month


def monthly_payment_minor(payments: Sequence[tuple[date, int]], on: date) -> tuple[int, int]:
    """The largest calendar month's total, and how many months carry a payment."""
    totals: dict[tuple[int, int], int] = {}
    for due_on, amount in payments:
        key = _month(due_on, on)
        totals[key] = totals.get(key, 0) + amount
    return max(totals.values(), default=0), sum(1 for v in totals.values() if v)


@lru_cache(maxsize=4096)
def _growth(days: int, cost_of_funds_bps: int) -> Decimal:
    """(1 + r)^(days/365); cached: the options of one request share their due dates, and a fractional Decimal
    power is the valuation's main cost."""
    return (1 + Decimal(cost_of_funds_bps) / BPS) ** (Decimal(days) / 365)


def present_value(payments: Sequence[tuple[date, int]], on: date, cost_of_funds_bps: int) -> Decimal:
    """Σ amount / (1 + r)^(days/365): actual/365 from ``on``, annual compounding at the cost of funds."""
    total = Decimal(0)
    for due_on, amount in payments:
        days = max(0, (due_on - on).days)
        total += Decimal(amount) if days == 0 else Decimal(amount) / _growth(days, cost_of_funds_bps)
    return total


def present_value_at(payments: Sequence[tuple[date, int]], on: date, annual_rate: Decimal) -> Decimal:
    """The same sum at an annual effective rate given as a fraction (the EU test's original effective rate)."""
    total = Decimal(0)
    for due_on, amount in payments:
        days = max(0, (due_on - on).days)
        total += Decimal(amount) if days == 0 else Decimal(amount) / (1 + annual_rate) ** (Decimal(days) / 365)
    return total


def pti_bps(payment_minor: int, disposable_minor: int) -> int:
    if payment_minor == 0:
        return 0
    if disposable_minor == 0:
        return MAX_PTI_BPS
    return min(MAX_PTI_BPS, -(-payment_minor * BPS // disposable_minor))  # rounded up: never flatter the plan


def required_role(policy: OptionsPolicy, concession_minor: int, balance_minor: int) -> str | None:
    """The least senior role whose authority covers the concession (amount AND share); None: nobody's."""
    for a in policy.approval:
        if within_authority(a.max_concession_minor, a.max_concession_share_bps, concession_minor, balance_minor):
            return a.role
    return None


def within_authority(max_minor: int, max_share_bps: int, concession_minor: int, balance_minor: int) -> bool:
    """Exact integer test: concession <= max amount and concession / balance <= max share."""
    return concession_minor <= max_minor and concession_minor * BPS <= max_share_bps * max(balance_minor, 1)


def value(candidate: Candidate, facts: PlanFacts, case: OptionsCase, policy: OptionsPolicy) -> OptionValue:
    """The decision figures of one previewed option (all money exact; the NPV's split sums by construction)."""
    if facts.refused is not None:
        return OptionValue(candidate.option_id, candidate.kind, candidate.params, False, facts.refused)
    monthly, months = monthly_payment_minor(facts.payments, case.on)
    pti = pti_bps(monthly, case.disposable_income_minor)
    budget = case.disposable_income_minor * policy.affordability_bps // BPS
    p = redefault_bps(policy, pti, case.dpd)
    pv = present_value(facts.payments, case.on, policy.cost_of_funds_bps)
    pv_minor = round_minor(pv)
    loss = round_minor(pv * p * policy.lgd_bps / (BPS * BPS))
    share = facts.concession_minor * BPS // max(case.balance_minor, 1)
    return OptionValue(
        candidate.option_id,
        candidate.kind,
        candidate.params,
        True,
        None,
        monthly_payment_minor=monthly,
        pti_bps=pti,
        affordable=monthly <= budget,
        customer_total_minor=sum(a for _, a in facts.payments),
        months=months,
        redefault_bps=p,
        pv_minor=pv_minor,
        expected_loss_minor=loss,
        npv_minor=pv_minor - loss,
        concession_minor=facts.concession_minor,
        concession_share_bps=share,
        required_role=required_role(policy, facts.concession_minor, case.balance_minor),
        disclosure=facts.disclosure,
    )


def rank(values: Sequence[OptionValue], policy: OptionsPolicy) -> list[OptionValue]:
    """Available options in the policy's order (each key ascending or descending), ties by option id."""

    def key(v: OptionValue) -> tuple[object, ...]:
        parts: list[object] = []
        for k in policy.ranking:
            x = int(getattr(v, k.key))  # every rank key is an integer or a bool
            parts.append(-x if k.descending else x)
        return (*parts, v.option_id)

    return sorted((v for v in values if v.available), key=key)
