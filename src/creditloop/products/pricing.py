"""Pricing schedules: the installment product shapes of "Credit-line servicing" item 1.

Methods (``PricingMethod``):

* FLAT_MONTHLY_FEE — JD Baitiao: each period pays a level share of principal plus ``monthly_fee_bps`` of the
  ORIGINAL financed principal (DOMAIN §1.1.3).
* TOTAL_FEE — Ant Huabei: one fee of ``total_fee_bps`` of the financed principal for the whole term (3 → 2.5 %,
  6 → 4.5 %, 9 → 6.5 %, 12 → 8.8 %), spread over the periods with ``allocate`` at equal weights: every period gets
  the floor share and the leftover fen go one each to the earliest periods (largest remainder, ties earliest first).
* FLAT_INTEREST — Fineract cumulative FLAT: interest = financed × annual rate × period fraction, every period.
* EMI — declining balance, Fineract progressive EMI (LOAN_ENGINE §1.3) incl. the EMI adjustment step and the last
  period absorbing the remainder.
* EQUAL_PRINCIPAL — level principal, interest on the declining balance.
* INTEREST_FREE — level principal, nothing else ("pay in 4", "pay next month").

A down payment (``down_payment_bps`` of the purchase, pay-in-4 style) is installment 1, due on the disbursement
date; fees and interest are priced on what is financed after it. One-off charges due on or before the down-payment
date move to the first regular installment (Fineract ``downpayment.adoc``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from creditloop.core.errors import ValidationError
from creditloop.core.money import Rounding, allocate, require_positive, round_minor
from creditloop.products.daycount import DayCount, Frequency, add_periods, period_fraction
from creditloop.products.schedule import ScheduledInstallment, flat_fee_schedule, next_statement_on

if TYPE_CHECKING:  # terms builds on this module (its options carry PlanTerms): a type, not an import
    from creditloop.products.terms import Product

BPS = Decimal(10_000)
E = TypeVar("E", bound=StrEnum)


class PricingMethod(StrEnum):
    FLAT_MONTHLY_FEE = "flat_monthly_fee"
    TOTAL_FEE = "total_fee"
    FLAT_INTEREST = "flat_interest"
    EMI = "emi"
    EQUAL_PRINCIPAL = "equal_principal"
    INTEREST_FREE = "interest_free"


_RATE_METHODS = frozenset({PricingMethod.FLAT_INTEREST, PricingMethod.EMI, PricingMethod.EQUAL_PRINCIPAL})


@dataclass(frozen=True, slots=True)
class PlanTerms:
    """How a purchase is repaid. Validated on construction; every error names the field.

    ``periods`` counts the regular installments (a down payment comes on top). ``annual_rate`` is a nominal
    annual fraction (``Decimal("0.12")`` = 12 %) for the interest-bearing methods. ``installment_multiple_minor``
    is Fineract's installmentAmountInMultiplesOf: the EMI (or the level principal of the other methods) and the
    down payment are rounded to a multiple of it and the last installment absorbs the difference.
    ``principal_rounding`` rounds level principal shares: HALF_UP like Fineract, DOWN like Baitiao's
    ``flat_fee_schedule``. ``rounding`` rounds interest and fees.
    """

    method: PricingMethod
    periods: int
    frequency: Frequency = Frequency.MONTHLY
    every: int = 1
    annual_rate: Decimal = Decimal(0)
    monthly_fee_bps: int = 0
    total_fee_bps: int = 0
    day_count: DayCount = DayCount.THIRTY_360
    down_payment_bps: int = 0
    installment_multiple_minor: int = 1
    rounding: Rounding = Rounding.HALF_UP
    principal_rounding: Rounding = Rounding.HALF_UP
    emi_adjustment: bool = True

    def __post_init__(self) -> None:
        _check_int(self.periods, "periods", 1, 360)
        _check_int(self.every, "every", 1, 366)
        _check_int(self.monthly_fee_bps, "monthly_fee_bps", 0, 1_000)
        _check_int(self.total_fee_bps, "total_fee_bps", 0, 10_000)
        _check_int(self.down_payment_bps, "down_payment_bps", 0, 9_999)
        _check_int(self.installment_multiple_minor, "installment_multiple_minor", 1, 1_000_000)
        if not isinstance(self.annual_rate, Decimal) or not self.annual_rate.is_finite():
            raise ValidationError("annual_rate must be a finite Decimal fraction, e.g. 0.12", field="annual_rate")
        if not Decimal(0) <= self.annual_rate <= Decimal(10):
            raise ValidationError(f"annual_rate must be in [0, 10], got {self.annual_rate}", field="annual_rate")
        m = self.method
        if m not in _RATE_METHODS and self.annual_rate:
            raise ValidationError(f"annual_rate applies to {sorted(_RATE_METHODS)}, not {m}", field="annual_rate")
        if m is not PricingMethod.FLAT_MONTHLY_FEE and self.monthly_fee_bps:
            raise ValidationError("monthly_fee_bps applies to flat_monthly_fee only", field="monthly_fee_bps")
        if m is not PricingMethod.TOTAL_FEE and self.total_fee_bps:
            raise ValidationError("total_fee_bps applies to total_fee only", field="total_fee_bps")
        if m is PricingMethod.FLAT_MONTHLY_FEE and (self.frequency is not Frequency.MONTHLY or self.every != 1):
            raise ValidationError("flat_monthly_fee needs a monthly frequency with every = 1", field="frequency")

    @classmethod
    def from_dict(cls, doc: Any) -> PlanTerms:
        """Parse a JSON-shaped dict (rates as decimal strings); unknown keys are refused, not ignored."""
        if not isinstance(doc, dict):
            raise ValidationError("terms must be a JSON object", field="terms")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(doc) - known)
        if unknown:
            raise ValidationError(f"unknown field(s) {unknown}; known: {sorted(known)}", field=unknown[0])
        for required in ("method", "periods"):
            if required not in doc:
                raise ValidationError(f"{required} is required", field=required)
        kwargs: dict[str, Any] = dict(doc)
        kwargs["method"] = _enum(PricingMethod, doc["method"], "method")
        for name, enum in (("frequency", Frequency), ("day_count", DayCount)):
            if name in doc:
                kwargs[name] = _enum(enum, doc[name], name)
        for name in ("rounding", "principal_rounding"):
            if name in doc:
                kwargs[name] = _enum(Rounding, doc[name], name)
        if "annual_rate" in doc:
            kwargs["annual_rate"] = _decimal(doc["annual_rate"], "annual_rate")
        if "emi_adjustment" in doc and not isinstance(doc["emi_adjustment"], bool):
            raise ValidationError("emi_adjustment must be true or false", field="emi_adjustment")
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = str(value) if isinstance(value, Decimal | StrEnum) else value
        return out


@dataclass(frozen=True, slots=True)
class Charge:
    """A one-off charge (e.g. an NSF fee) due on a date; it is billed with the installment covering that date."""

    due_on: date
    amount_minor: int


def _check_int(value: object, name: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{name} must be an integer in [{low}, {high}], got {value!r}", field=name)


def _enum(enum: type[E], value: object, name: str) -> E:
    try:
        return enum(str(value))
    except ValueError:
        raise ValidationError(f"{name} must be one of {[e.value for e in enum]}, got {value!r}", field=name) from None


def _decimal(value: object, name: str) -> Decimal:
    if isinstance(value, bool | float):
        raise ValidationError(f'{name} must be a decimal string such as "0.12", got {value!r}', field=name)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(f"{name} must be a decimal number, got {value!r}", field=name) from None


def to_multiple(amount_minor: Decimal, multiple_minor: int, rounding: Rounding) -> int:
    """Round an exact amount to a multiple of ``multiple_minor`` (1 = the fen) with ``round_minor``."""
    return round_minor(amount_minor / multiple_minor, rounding) * multiple_minor


def _level_shares(total_minor: int, n: int, multiple: int, rounding: Rounding) -> list[int]:
    """``n`` level shares rounded to the multiple; the last absorbs the remainder and never goes negative."""
    share = to_multiple(Decimal(total_minor) / n, multiple, rounding)
    if share * (n - 1) > total_minor:
        share = to_multiple(Decimal(total_minor) / n, multiple, Rounding.DOWN)
    return [share] * (n - 1) + [total_minor - share * (n - 1)]


def emi_amount(balance_minor: int, rate_factors: Sequence[Decimal], multiple: int, rounding: Rounding) -> int:
    """Fineract progressive EMI: ``Π(1+rf) × balance / fn`` with ``fn = 1 + (1+rf_n)(1 + (1+rf_{n-1})(…))``.

    For equal rate factors this is the annuity formula; unequal ones (actual-day periods) are honoured exactly.
    """
    if not any(rate_factors):
        return to_multiple(Decimal(balance_minor) / len(rate_factors), multiple, rounding)
    product = Decimal(1)
    for rf in rate_factors:
        product *= 1 + rf
    fn = Decimal(1)
    for rf in rate_factors[1:]:
        fn = 1 + fn * (1 + rf)
    return to_multiple(Decimal(balance_minor) * product / fn, multiple, rounding)


def _amortise(
    balance_minor: int, rate_factors: Sequence[Decimal], emi_minor: int, rounding: Rounding
) -> list[tuple[int, int]]:
    """(principal, interest) per period at a fixed EMI; the last period pays the remaining balance + its interest."""
    rows: list[tuple[int, int]] = []
    balance = balance_minor
    for i, rf in enumerate(rate_factors):
        interest = round_minor(Decimal(balance) * rf, rounding)
        last = i == len(rate_factors) - 1
        principal = balance if last else min(max(emi_minor - interest, 0), balance)
        rows.append((principal, interest))
        balance -= principal
    return rows


def _pays_off_early(rows: Sequence[tuple[int, int]]) -> bool:
    """The balance ran out before the last period (nothing left for it to absorb)."""
    return len(rows) > 1 and rows[-1][0] == 0


def emi_rows(balance_minor: int, rate_factors: Sequence[Decimal], terms: PlanTerms) -> list[tuple[int, int]]:
    """Amortise at the EMI, then Fineract's adjustment: while the last installment differs from the EMI by more
    than ``floor(n / 2)`` fen, move the EMI by the difference / n (rounded to the fen, half even, then to the
    multiple) and keep the new EMI only when the last-period difference shrinks."""
    n = len(rate_factors)
    multiple = terms.installment_multiple_minor
    emi = emi_amount(balance_minor, rate_factors, multiple, terms.rounding)
    rows = _amortise(balance_minor, rate_factors, emi, terms.rounding)
    if multiple > 1 and _pays_off_early(rows):  # a multiple rounded up so far that the plan ends early
        emi = to_multiple(Decimal(emi - multiple), multiple, Rounding.DOWN)
        rows = _amortise(balance_minor, rate_factors, emi, terms.rounding)
    if not terms.emi_adjustment or n < 2:
        return rows
    diff = sum(rows[-1]) - emi
    for _ in range(50):  # the difference strictly shrinks, so this ends long before the bound
        if diff == 0 or abs(diff) <= n // 2:
            break
        step = round_minor(Decimal(diff) / n, Rounding.HALF_EVEN)
        candidate = to_multiple(Decimal(emi + step), multiple, terms.rounding)
        if candidate == emi:
            break
        new_rows = _amortise(balance_minor, rate_factors, candidate, terms.rounding)
        new_diff = sum(new_rows[-1]) - candidate
        if abs(new_diff) >= abs(diff) or _pays_off_early(new_rows):
            break
        emi, rows, diff = candidate, new_rows, new_diff
    return rows


def due_dates(terms: PlanTerms, disbursed_on: date, first_due_on: date | None = None) -> list[date]:
    try:
        first = first_due_on or add_periods(disbursed_on, 1, terms.frequency, terms.every)
        if first <= disbursed_on:
            raise ValidationError(
                f"first_due_on {first} must be after disbursed_on {disbursed_on}", field="first_due_on"
            )
        return [add_periods(first, k, terms.frequency, terms.every) for k in range(terms.periods)]
    except (ValueError, OverflowError):  # datetime's last year is 9999
        raise ValidationError(
            f"{terms.periods} installments every {terms.every} {terms.frequency.value} period(s) from "
            f"{first_due_on or disbursed_on} would fall due after 9999-12-31",
            field="disbursed_on",
        ) from None


def rate_factors(terms: PlanTerms, disbursed_on: date, dues: Sequence[date]) -> list[Decimal]:
    """Per-period rate = annual rate × the period's year fraction under the terms' day count."""
    starts = [disbursed_on, *dues[:-1]]
    regular_first = dues[0] == add_periods(disbursed_on, 1, terms.frequency, terms.every)
    return [
        terms.annual_rate
        * period_fraction(s, e, terms.day_count, terms.frequency, terms.every, regular=(i > 0 or regular_first))
        for i, (s, e) in enumerate(zip(starts, dues, strict=True))
    ]


def _regular_rows(financed: int, terms: PlanTerms, rfs: Sequence[Decimal]) -> list[tuple[int, int, int]]:
    """(principal, interest, fee) for each regular period."""
    n, m = terms.periods, terms.method
    if m is PricingMethod.EMI:
        return [(p, i, 0) for p, i in emi_rows(financed, rfs, terms)]
    # Fineract applies installmentAmountInMultiplesOf to level installments only: equal-principal installments
    # are not level (RS01 rounds 277.78 → 278, RS04 keeps 277.78 on the same product).
    multiple = 1 if m is PricingMethod.EQUAL_PRINCIPAL else terms.installment_multiple_minor
    principals = _level_shares(financed, n, multiple, terms.principal_rounding)
    if m is PricingMethod.INTEREST_FREE:
        return [(p, 0, 0) for p in principals]
    if m is PricingMethod.FLAT_MONTHLY_FEE:
        fee = round_minor(Decimal(financed) * terms.monthly_fee_bps / BPS, terms.rounding)
        return [(p, 0, fee) for p in principals]
    if m is PricingMethod.TOTAL_FEE:
        total_fee = round_minor(Decimal(financed) * terms.total_fee_bps / BPS, terms.rounding)
        return [(p, 0, f) for p, f in zip(principals, allocate(total_fee, [1] * n), strict=True)]
    if m is PricingMethod.FLAT_INTEREST:
        return [
            (p, round_minor(Decimal(financed) * rf, terms.rounding), 0) for p, rf in zip(principals, rfs, strict=True)
        ]
    rows, balance = [], financed  # EQUAL_PRINCIPAL
    for p, rf in zip(principals, rfs, strict=True):
        rows.append((p, round_minor(Decimal(balance) * rf, terms.rounding), 0))
        balance -= p
    return rows


def build_schedule(
    principal_minor: int,
    terms: PlanTerms,
    disbursed_on: date,
    first_due_on: date | None = None,
    *,
    charges: Sequence[Charge] = (),
) -> list[ScheduledInstallment]:
    """The installment schedule of ``principal_minor`` under ``terms``; principal sums exactly to the amount.

    Without ``first_due_on`` the first installment falls one period after disbursement. ``statement_on`` equals
    ``due_on`` (these plans are not tied to a statement cycle; see ``product_schedule`` for that).
    """
    require_positive(principal_minor, "principal_minor")
    dues = due_dates(terms, disbursed_on, first_due_on)
    down = 0
    if terms.down_payment_bps:
        down = to_multiple(
            Decimal(principal_minor) * terms.down_payment_bps / BPS,
            terms.installment_multiple_minor,
            terms.principal_rounding,
        )
    financed = principal_minor - down
    if financed <= 0:
        raise ValidationError("the down payment leaves nothing to finance", field="down_payment_bps")
    rows = _regular_rows(financed, terms, rate_factors(terms, disbursed_on, dues))
    fees = [f for _, _, f in rows]
    for c in charges:
        require_positive(c.amount_minor, "charges.amount_minor")
        slot = next((k for k, d in enumerate(dues) if d >= c.due_on), None)
        if slot is None:
            raise ValidationError(f"charge due {c.due_on} falls after the last installment {dues[-1]}", field="charges")
        fees[slot] += c.amount_minor  # a charge due on the down-payment date lands here, on the first regular one
    out: list[ScheduledInstallment] = []
    if down:
        out.append(ScheduledInstallment(1, disbursed_on, disbursed_on, down, 0, 0, True))
    for (principal, interest, _), fee, due in zip(rows, fees, dues, strict=True):
        out.append(ScheduledInstallment(len(out) + 1, due, due, principal, fee, interest))
    if sum(i.principal_minor for i in out) != principal_minor:  # pragma: no cover - arithmetic guarantee
        raise ValidationError("schedule principal does not sum to the amount", field="principal_minor")
    return out


def terms_for_option(product: Product, periods: int) -> PlanTerms:
    """A packaged installment option as ``PlanTerms`` (floored principal shares, like ``flat_fee_schedule``)."""
    option = product.option(periods)
    method = PricingMethod.FLAT_MONTHLY_FEE if option.monthly_fee_bps else PricingMethod.INTEREST_FREE
    return PlanTerms(
        method=method,
        periods=option.periods,
        monthly_fee_bps=option.monthly_fee_bps,
        rounding=product.rounding,
        principal_rounding=Rounding.DOWN,
    )


def option_schedule(
    product: Product, periods: int, amount_minor: int, purchased_on: date, statement_day: int, due_days: int
) -> list[ScheduledInstallment]:
    """The schedule a line bills for a purchase: the option's own terms, or the line's statement cycle."""
    option = product.option(periods)
    if option.terms is not None:
        return build_schedule(amount_minor, PlanTerms.from_dict(option.terms), purchased_on)
    return flat_fee_schedule(
        amount_minor,
        option.periods,
        option.monthly_fee_bps,
        next_statement_on(purchased_on, statement_day),
        due_days,
        product.rounding,
    )


def product_schedule(
    product: Product, periods: int, amount_minor: int, purchased_on: date
) -> list[ScheduledInstallment]:
    """What servicing will bill for a purchase put on ``periods`` installments: the statement-cycle schedule."""
    require_positive(amount_minor, "amount_minor")
    option = product.option(periods)
    return flat_fee_schedule(
        amount_minor,
        option.periods,
        option.monthly_fee_bps,
        next_statement_on(purchased_on, product.statement_day),
        product.due_days_after_statement,
        product.rounding,
    )
