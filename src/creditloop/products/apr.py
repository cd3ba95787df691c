"""Annualised-rate calculators: China PBoC 2021 No. 3 IRR, US Reg Z Appendix J, EU APRC.

All three solve one equation — advances discounted = payments discounted — and differ in how time is measured
and how the per-period rate is annualised (DOMAIN §0.1):

* PBoC: monthly IRR r on the money actually received; time in months (whole calendar months counted back from each
  flow to the first advance, odd days / 30), compound discounting ``(1+r)^-τ``. Reported as nominal ``12 r``
  (年化利率, IRR ×12) and effective ``(1+r)^12 − 1`` (复利年化), each labelled.
* Reg Z Appendix J actuarial, general equation (b)(8): each flow discounted by ``(1 + f·i)(1 + i)^t`` where t whole
  unit periods are counted back from the flow to the start and f is the fraction of a unit period left at the start.
  The unit period ((b)(4): semimonths, multiples of weeks or months, a single payment's term) and the counting
  ((b)(5)) live in ``regz_units``. APR = i × unit periods per year (nominal).
* EU APRC (2008/48/EC Annex I = CCD2 Annex III): ``Σ C_k (1+X)^-t_k = Σ D_l (1+X)^-s_l``, t in years, effective.
  ``CALENDAR`` (the directive): whole months count 1/12 year, left-over days over the 365 or 366 days of the year
  counted back from the end of the odd period. ``DAYS_365`` (Directive 98/7/EC examples): calendar days / 365.

The root is found in Decimal (40 digits) by Brent's method on a bracket [0, hi] with a sign change; a missing root
or a failure to converge is an error, never a silently wrong rate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation, localcontext
from enum import StrEnum
from functools import cache
from typing import Any

from creditloop.core.dates import add_months
from creditloop.core.errors import DomainError, ValidationError
from creditloop.core.money import format_major
from creditloop.products.inputs import MAX_FLOWS, amount_minor, iso_date
from creditloop.products.regz_units import UnitPeriod as UnitPeriod  # re-exported: the Reg Z unit period
from creditloop.products.regz_units import infer_unit_period as unit_period_of
from creditloop.products.regz_units import is_month_end_series, unit_position

PRECISION = 40
X_TOL = Decimal("1e-22")
MAX_ITER = 200
MAX_PERIOD_RATE = Decimal(10) ** 12  # per unit period: far beyond any loan, still a finite bracket


class Regime(StrEnum):
    PBOC = "pboc"
    REG_Z = "reg-z"
    EU = "eu"


class EuTimeBasis(StrEnum):
    CALENDAR = "calendar"
    DAYS_365 = "days_365"


@dataclass(frozen=True, slots=True)
class CashFlow:
    on: date
    amount_minor: int


@dataclass(frozen=True, slots=True)
class Flows:
    """Dated advances (money the borrower receives) and payments (money the borrower pays), in minor units.

    Validated on construction: both non-empty, amounts positive, no payment before the first advance, and the
    payments repay at least the advances (a negative cost of credit is not a rate anyone discloses).
    """

    advances: tuple[CashFlow, ...]
    payments: tuple[CashFlow, ...]

    def __post_init__(self) -> None:
        for name, items in (("advances", self.advances), ("payments", self.payments)):
            if not items:
                raise ValidationError(f"{name} must not be empty", field=name)
            for k, cf in enumerate(items):
                if isinstance(cf.amount_minor, bool) or not isinstance(cf.amount_minor, int) or cf.amount_minor <= 0:
                    raise ValidationError(
                        f"{name}[{k}].amount must be positive, got {cf.amount_minor!r}", field=f"{name}[{k}].amount"
                    )
        start = self.start_on
        early = [k for k, p in enumerate(self.payments) if p.on < start]
        if early:
            k = early[0]
            raise ValidationError(
                f"payments[{k}] on {self.payments[k].on} is before the first advance on {start}",
                field=f"payments[{k}].date",
            )
        paid, lent = self.total_paid_minor, self.total_advanced_minor
        if paid < lent:
            raise ValidationError(
                f"payments total {format_major(paid)} never repay the advances {format_major(lent)}", field="payments"
            )

    @property
    def start_on(self) -> date:
        return min(a.on for a in self.advances)

    @property
    def total_advanced_minor(self) -> int:
        return sum(a.amount_minor for a in self.advances)

    @property
    def total_paid_minor(self) -> int:
        return sum(p.amount_minor for p in self.payments)

    @classmethod
    def from_dict(cls, doc: Any) -> Flows:
        """``{"advances": [{"date": "YYYY-MM-DD", "amount": "5000.00"}], "payments": [...]}`` (major units)."""
        if not isinstance(doc, dict):
            raise ValidationError("flows must be a JSON object with advances and payments", field="input")
        return cls(_parse_list(doc, "advances"), _parse_list(doc, "payments"))


def _parse_list(doc: dict[str, Any], name: str) -> tuple[CashFlow, ...]:
    raw = doc.get(name)
    if not isinstance(raw, list):
        raise ValidationError(f"{name} must be a list of {{date, amount}} objects", field=name)
    if len(raw) > MAX_FLOWS:
        raise ValidationError(f"{name} must hold at most {MAX_FLOWS} flows, got {len(raw)}", field=name)
    out = []
    for k, item in enumerate(raw):
        where = f"{name}[{k}]"
        if not isinstance(item, dict) or "date" not in item or "amount" not in item:
            raise ValidationError(f"{where} must be an object with date and amount", field=where)
        on = iso_date(item["date"], f"{where}.date", label=f"{where}.date ")
        amount = amount_minor(item["amount"], f"{where}.amount", label=f"{where}.amount ")
        out.append(CashFlow(on, amount))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class AprResult:
    """The solved rate. ``period_rate`` is per ``unit_period`` (PBoC: month; EU: year); rates are fractions."""

    regime: Regime
    unit_period: UnitPeriod
    period_rate: Decimal

    @property
    def periods_per_year(self) -> Decimal:
        return self.unit_period.per_year

    @property
    def nominal(self) -> Decimal:
        """Unit-period rate × unit periods per year (PBoC 12 × monthly IRR; the Reg Z APR)."""
        return self.period_rate * self.periods_per_year

    @property
    def effective(self) -> Decimal:
        """Compounded over a year: ``(1 + period rate)^periods_per_year − 1`` (the EU APRC)."""
        with localcontext() as ctx:
            ctx.prec = PRECISION
            return (1 + self.period_rate) ** self.periods_per_year - 1

    @property
    def headline(self) -> Decimal:
        """The figure the regime discloses: nominal for PBoC (IRR ×12) and Reg Z, effective for the EU."""
        return self.effective if self.regime is Regime.EU else self.nominal

    def to_dict(self, places: int = 2) -> dict[str, Any]:
        return {
            "regime": self.regime.value,
            "unit_period": self.unit_period.value,
            "period_rate_percent": str(percent(self.period_rate, places + 2)),
            "nominal_percent": str(percent(self.nominal, places)),
            "effective_percent": str(percent(self.effective, places)),
            "headline_percent": str(percent(self.headline, places)),
        }


def percent(rate: Decimal, places: int = 2) -> Decimal:
    """A fraction as a percentage rounded half up to ``places`` decimals (0.1306623 → 13.07)."""
    return (rate * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


# ------------------------------------------------------------------------------------------------ time positions


def months_and_days(start: date, on: date) -> tuple[int, int]:
    """Whole calendar months counted back from ``on`` towards ``start``, and the odd days left at the start."""
    months = (on.year - start.year) * 12 + on.month - start.month
    while months > 0 and add_months(on, -months) < start:
        months -= 1
    return months, (add_months(on, -months) - start).days


def eu_years(start: date, on: date, basis: EuTimeBasis) -> Decimal:
    """Time from the first drawdown in years under the chosen EU convention."""
    if basis is EuTimeBasis.DAYS_365:
        return Decimal((on - start).days) / 365
    months, odd_days = months_and_days(start, on)
    odd_end = add_months(on, -months)
    year_length = (odd_end - add_months(odd_end, -12)).days  # 365 or 366 counted back from the odd period's end
    return Decimal(months) / 12 + Decimal(odd_days) / year_length


def infer_unit_period(flows: Flows) -> UnitPeriod:
    """Appendix J (b)(4): the unit period the regulation designates for these flows (see ``regz_units``)."""
    return unit_period_of(flows.start_on, [a.on for a in flows.advances], [p.on for p in flows.payments])


# ------------------------------------------------------------------------------------------------ root finding


def solve_bracketed(
    fn: Callable[[Decimal], Decimal], lo: Decimal, hi: Decimal, *, xtol: Decimal = X_TOL, max_iter: int = MAX_ITER
) -> Decimal:
    """Brent's method (scipy ``brentq`` logic) in Decimal on a bracket with a sign change.

    Inverse quadratic / secant steps where they behave, bisection otherwise, so convergence is guaranteed; raises
    ``DomainError(code="apr_no_root")`` without a sign change and ``apr_not_converged`` after ``max_iter`` steps.
    """
    xpre, xcur = lo, hi
    fpre, fcur = fn(xpre), fn(xcur)
    if fpre == 0:
        return xpre
    if fcur == 0:
        return xcur
    if (fpre > 0) == (fcur > 0):
        raise DomainError(f"no sign change between {lo} and {hi}: no rate solves the equation", code="apr_no_root")
    xblk, fblk, spre, scur = Decimal(0), Decimal(0), Decimal(0), Decimal(0)
    for _ in range(max_iter):
        if fpre != 0 and fcur != 0 and (fpre > 0) != (fcur > 0):
            xblk, fblk = xpre, fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (xtol + abs(xcur) * xtol) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0 or abs(sbis) < delta:
            return xcur
        interpolated = False
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            try:
                if xpre == xblk:  # secant
                    stry = -fcur * (xcur - xpre) / (fcur - fpre)
                else:  # inverse quadratic interpolation
                    dpre = (fpre - fcur) / (xpre - xcur)
                    dblk = (fblk - fcur) / (xblk - xcur)
                    stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
                interpolated = 2 * abs(stry) < min(abs(spre), 3 * abs(sbis) - delta)
            except (DivisionByZero, InvalidOperation):
                interpolated = False
        if interpolated:
            spre, scur = scur, stry
        else:
            spre = scur = sbis
        xpre, fpre = xcur, fcur
        xcur += scur if abs(scur) > delta else (delta if sbis > 0 else -delta)
        fcur = fn(xcur)
    raise DomainError(f"rate did not converge in {max_iter} iterations", code="apr_not_converged")


def _solve(flows: Flows, discount: Callable[[Decimal, date], Decimal]) -> Decimal:
    """Smallest-bracket root of advances − payments discounted; 0 when the credit costs nothing."""

    # Canonical order: the same flows in any input order sum identically, so they give the identical rate.
    advances = sorted((a.on, a.amount_minor) for a in flows.advances)
    payments = sorted((p.on, p.amount_minor) for p in flows.payments)

    def net(x: Decimal) -> Decimal:
        lent = sum((amount * discount(x, on) for on, amount in advances), Decimal(0))
        paid = sum((amount * discount(x, on) for on, amount in payments), Decimal(0))
        return lent - paid

    with localcontext() as ctx:
        ctx.prec = PRECISION
        if flows.total_paid_minor == flows.total_advanced_minor:
            return Decimal(0)  # zero-cost credit: exactly 0 %, not a float near it
        hi = Decimal("0.01")
        while net(hi) <= 0:
            hi *= 4
            if hi > MAX_PERIOD_RATE:
                raise DomainError(
                    "no rate up to 10^14 % per period equates the advances and payments "
                    "(payments due at the start exceed the advances?)",
                    code="apr_no_root",
                )
        return +solve_bracketed(net, Decimal(0), hi)


# ------------------------------------------------------------------------------------------------ the three regimes


def pboc_rate(flows: Flows) -> AprResult:
    """PBoC 2021 No. 3 IRR: monthly compound rate; time in months with odd days / 30."""
    start = flows.start_on

    @cache  # time positions are fixed while the solver tries rates: 10,000 flows stay fast
    def position(on: date) -> tuple[int, int]:
        return months_and_days(start, on)

    def discount(r: Decimal, on: date) -> Decimal:
        months, odd = position(on)
        factor = (1 + r) ** months
        if odd:
            factor *= (1 + r) ** (Decimal(odd) / 30)
        return 1 / factor

    return AprResult(Regime.PBOC, UnitPeriod.MONTH, _solve(flows, discount))


def approx_pboc_period_rate(flows: Flows) -> float:
    """The PBoC monthly IRR in binary floating point (bisection, ~1e-15 absolute): a screen, never a disclosure.

    The exact rate costs a few milliseconds of 40-digit Decimal arithmetic; callers that only need to know
    whether a rate is clearly inside a limit use this and fall back to ``pboc_rate`` near the limit.
    """
    start = flows.start_on
    times = [(sum_months(start, cf.on), float(cf.amount_minor)) for cf in flows.advances]  # months, amount
    pays = [(sum_months(start, cf.on), float(cf.amount_minor)) for cf in flows.payments]

    def net(r: float) -> float:
        base = 1.0 + r
        lent: float = sum(a * base**-t for t, a in times)
        paid: float = sum(a * base**-t for t, a in pays)
        return lent - paid

    if flows.total_paid_minor == flows.total_advanced_minor:
        return 0.0
    lo, hi = 0.0, 0.01
    while net(hi) <= 0:
        lo, hi = hi, hi * 4
        if hi > 1e12:
            return float("inf")
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        if net(mid) > 0:
            hi = mid
        else:
            lo = mid
    return hi


def sum_months(start: date, on: date) -> float:
    """PBoC time of a flow in months: whole calendar months plus odd days / 30."""
    months, odd = months_and_days(start, on)
    return months + odd / 30


def reg_z_rate(flows: Flows, unit_period: UnitPeriod | None = None) -> AprResult:
    """Reg Z Appendix J actuarial method, general equation (b)(8); APR = i × unit periods per year."""
    unit = unit_period or infer_unit_period(flows)
    start = flows.start_on
    month_ends = is_month_end_series(sorted({p.on for p in flows.payments}))

    @cache
    def position(on: date) -> tuple[int, Decimal]:
        return unit_position(start, on, unit, month_end_series=month_ends)

    def discount(i: Decimal, on: date) -> Decimal:
        t, f = position(on)
        return 1 / ((1 + f * i) * (1 + i) ** t)

    return AprResult(Regime.REG_Z, unit, _solve(flows, discount))


def eu_rate(flows: Flows, time_basis: EuTimeBasis = EuTimeBasis.CALENDAR) -> AprResult:
    """EU APRC: annual effective rate X with time in years from the first drawdown."""
    start = flows.start_on

    @cache
    def years_of(on: date) -> Decimal:
        return eu_years(start, on, time_basis)

    @cache  # one logarithm per trial rate, not one per flow
    def log_of(x: Decimal) -> Decimal:
        return (1 + x).ln()

    def discount(x: Decimal, on: date) -> Decimal:
        years = years_of(on)
        return (-years * log_of(x)).exp() if years else Decimal(1)

    return AprResult(Regime.EU, UnitPeriod.YEAR, _solve(flows, discount))


def annual_rate(
    flows: Flows,
    regime: Regime,
    *,
    unit_period: UnitPeriod | None = None,
    eu_time_basis: EuTimeBasis = EuTimeBasis.CALENDAR,
) -> AprResult:
    """Dispatch on the regime; ``unit_period`` applies to Reg Z only, ``eu_time_basis`` to the EU only."""
    if regime is Regime.PBOC:
        return pboc_rate(flows)
    if regime is Regime.REG_Z:
        return reg_z_rate(flows, unit_period)
    return eu_rate(flows, eu_time_basis)


def flows_of(advance_on: date, advance_minor: int, payments: Sequence[tuple[date, int]]) -> Flows:
    """One advance and dated payments (zero payments are dropped: a fee-free month pays nothing)."""
    return Flows((CashFlow(advance_on, advance_minor),), tuple(CashFlow(d, a) for d, a in payments if a))
