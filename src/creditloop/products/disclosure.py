"""Checkout disclosure: the schedule, the cost of credit and the annualised rate, in Chinese and English.

PBoC Announcement [2021] No. 3 wants the annualised rate shown prominently and before any daily or monthly rate, so
the text leads with it. The rate is solved from the real cash flows: the purchase amount advanced on the start date,
every installment (down payment included, on the start date) paid on its due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from creditloop.core.errors import ValidationError
from creditloop.core.money import format_major
from creditloop.products.apr import AprResult, EuTimeBasis, Regime, UnitPeriod, annual_rate, flows_of, percent
from creditloop.products.pricing import PlanTerms, PricingMethod, build_schedule, product_schedule
from creditloop.products.schedule import ScheduledInstallment
from creditloop.products.terms import Product

LANGS = ("zh", "en")


@dataclass(frozen=True, slots=True)
class Disclosure:
    amount_minor: int
    start_on: date
    method: PricingMethod
    schedule: tuple[ScheduledInstallment, ...]
    rate: AprResult

    @property
    def down_payment_minor(self) -> int:
        return sum(i.principal_minor for i in self.schedule if i.is_down_payment)

    @property
    def regular(self) -> tuple[ScheduledInstallment, ...]:
        return tuple(i for i in self.schedule if not i.is_down_payment)

    @property
    def total_interest_minor(self) -> int:
        return sum(i.interest_minor for i in self.schedule)

    @property
    def total_fee_minor(self) -> int:
        return sum(i.fee_minor for i in self.schedule)

    @property
    def total_cost_minor(self) -> int:
        """Everything paid beyond the amount borrowed: interest plus fees."""
        return self.total_interest_minor + self.total_fee_minor

    @property
    def total_repayable_minor(self) -> int:
        return sum(i.total_minor for i in self.schedule)

    def text(self, lang: str = "zh") -> str:
        """A short disclosure a checkout page can show; the annualised rate comes first."""
        if lang not in LANGS:
            raise ValidationError(f"lang must be one of {list(LANGS)}, got {lang!r}", field="lang")
        return _text_zh(self) if lang == "zh" else _text_en(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "amount_minor": self.amount_minor,
            "start_on": self.start_on.isoformat(),
            "method": self.method.value,
            "periods": len(self.regular),
            "down_payment_minor": self.down_payment_minor,
            "total_interest_minor": self.total_interest_minor,
            "total_fee_minor": self.total_fee_minor,
            "total_cost_minor": self.total_cost_minor,
            "total_repayable_minor": self.total_repayable_minor,
            "rate": self.rate.to_dict(),
            "installments": [installment_dict(i) for i in self.schedule],
            "text": {lang: self.text(lang) for lang in LANGS},
        }


def installment_dict(i: ScheduledInstallment) -> dict[str, Any]:
    return {
        "seq": i.seq,
        "due_on": i.due_on.isoformat(),
        "principal_minor": i.principal_minor,
        "interest_minor": i.interest_minor,
        "fee_minor": i.fee_minor,
        "total_minor": i.total_minor,
        "down_payment": i.is_down_payment,
    }


def disclose_schedule(
    amount_minor: int,
    start_on: date,
    method: PricingMethod,
    schedule: list[ScheduledInstallment],
    *,
    regime: Regime = Regime.PBOC,
    unit_period: UnitPeriod | None = None,
    eu_time_basis: EuTimeBasis = EuTimeBasis.CALENDAR,
) -> Disclosure:
    flows = flows_of(start_on, amount_minor, [(i.due_on, i.total_minor) for i in schedule])
    rate = annual_rate(flows, regime, unit_period=unit_period, eu_time_basis=eu_time_basis)
    return Disclosure(amount_minor, start_on, method, tuple(schedule), rate)


def disclose(
    amount_minor: int,
    terms: PlanTerms,
    start_on: date,
    *,
    first_due_on: date | None = None,
    regime: Regime = Regime.PBOC,
    unit_period: UnitPeriod | None = None,
    eu_time_basis: EuTimeBasis = EuTimeBasis.CALENDAR,
) -> Disclosure:
    """Disclose a plan priced by ``terms`` (any method) for a purchase of ``amount_minor`` on ``start_on``."""
    schedule = build_schedule(amount_minor, terms, start_on, first_due_on)
    return disclose_schedule(
        amount_minor,
        start_on,
        terms.method,
        schedule,
        regime=regime,
        unit_period=unit_period,
        eu_time_basis=eu_time_basis,
    )


def disclose_option(
    product: Product, periods: int, amount_minor: int, purchased_on: date, *, regime: Regime = Regime.PBOC
) -> Disclosure:
    """Disclose a packaged installment option exactly as servicing will bill it (statement-cycle dates)."""
    option = product.option(periods)
    method = PricingMethod.FLAT_MONTHLY_FEE if option.monthly_fee_bps else PricingMethod.INTEREST_FREE
    schedule = product_schedule(product, periods, amount_minor, purchased_on)
    return disclose_schedule(amount_minor, purchased_on, method, schedule, regime=regime)


# ------------------------------------------------------------------------------------------------ texts


def _amounts(d: Disclosure) -> tuple[str, str | None]:
    """The regular installment amount, and the last one when it differs."""
    totals = [i.total_minor for i in d.regular]
    first = format_major(totals[0])
    odd = [t for t in totals if t != totals[0]]
    if not odd:
        return first, None
    if len(odd) == 1 and totals[-1] != totals[0]:
        return first, format_major(totals[-1])
    return f"{format_major(min(totals))}–{format_major(max(totals))}", None


def _rate_zh(d: Disclosure) -> str:
    r = d.rate
    if r.period_rate == 0:
        return "年化利率 0.00%（免息）。"
    nominal, effective = percent(r.nominal), percent(r.effective)
    if r.regime is Regime.PBOC:
        return f"年化利率 {nominal}%（IRR 内部收益率法，月利率 × 12）；按复利计算的实际年化利率 {effective}%。"
    if r.regime is Regime.REG_Z:
        return f"年利率 APR {nominal}%（美国 Reg Z 附录 J 精算法）。"
    return f"年化总成本率 APRC {effective}%（欧盟消费信贷指令）。"


def _rate_en(d: Disclosure) -> str:
    r = d.rate
    if r.period_rate == 0:
        return "Annualised rate 0.00% (interest-free)."
    nominal, effective = percent(r.nominal), percent(r.effective)
    if r.regime is Regime.PBOC:
        return f"Annualised rate {nominal}% (IRR method, monthly rate × 12); compounded annual rate {effective}%."
    if r.regime is Regime.REG_Z:
        return f"ANNUAL PERCENTAGE RATE {nominal}% (Reg Z Appendix J actuarial method)."
    return f"APRC {effective}% (EU Consumer Credit Directive)."


def _text_zh(d: Disclosure) -> str:
    each, last = _amounts(d)
    plan = f"借款 {format_major(d.amount_minor)} 元"
    if d.down_payment_minor:
        plan += f"，首付 {format_major(d.down_payment_minor)} 元（下单时支付）"
    plan += f"，分 {len(d.regular)} 期，每期应还 {each} 元" + (f"（末期 {last} 元）" if last else "")
    cost = (
        f"利息合计 {format_major(d.total_interest_minor)} 元，手续费合计 {format_major(d.total_fee_minor)} 元，"
        f"应还总额 {format_major(d.total_repayable_minor)} 元；首期还款日 {d.regular[0].due_on.isoformat()}。"
    )
    return f"{_rate_zh(d)}\n{plan}；{cost}"


def _text_en(d: Disclosure) -> str:
    each, last = _amounts(d)
    plan = f"Amount {format_major(d.amount_minor)}"
    if d.down_payment_minor:
        plan += f", down payment {format_major(d.down_payment_minor)} at checkout"
    n = len(d.regular)
    plan += f", {n} installment{'s' if n > 1 else ''} of {each}" + (f" (last {last})" if last else "")
    cost = (
        f"Total interest {format_major(d.total_interest_minor)}, total fees {format_major(d.total_fee_minor)}, "
        f"total to repay {format_major(d.total_repayable_minor)}; first due {d.regular[0].due_on.isoformat()}."
    )
    return f"{_rate_en(d)}\n{plan}. {cost}"
