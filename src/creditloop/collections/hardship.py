"""Hardship eligibility and the choice of a term-extension offer (DOMAIN.md §6).

This module only decides *whether* and *what* to offer; booking the restructuring (re-scheduling,
waiving penalty, reporting per the adjusted schedule) is the servicing layer's money operation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from creditloop.core.documents import Schema, Spec, load_document, packaged_document, read_document
from creditloop.core.errors import ValidationError
from creditloop.core.money import format_major

Lang = Literal["zh", "en"]
BPS = 10_000
MAX_WORKOUT_PERIODS = 60

NOT_DELINQUENT = "NOT_DELINQUENT"
TOO_DELINQUENT = "TOO_DELINQUENT"
ALREADY_RESTRUCTURED = "ALREADY_RESTRUCTURED"
CHARGED_OFF = "CHARGED_OFF"
NOTHING_OUTSTANDING = "NOTHING_OUTSTANDING"
UNAFFORDABLE = "UNAFFORDABLE"

REASON_TEXTS: dict[str, dict[str, str]] = {
    NOT_DELINQUENT: {"zh": "账户未逾期，暂不适用困难还款方案", "en": "The account is not past due"},
    TOO_DELINQUENT: {"zh": "逾期时间已超过可申请困难还款方案的期限", "en": "The account is too far past due"},
    ALREADY_RESTRUCTURED: {"zh": "该账户此前已办理过还款方案调整", "en": "The account has already been restructured"},
    CHARGED_OFF: {"zh": "该账户已核销", "en": "The account has been charged off"},
    NOTHING_OUTSTANDING: {"zh": "账户无待还金额", "en": "Nothing is outstanding on the account"},
    UNAFFORDABLE: {
        "zh": "按当前收入，即使最长分期的月供也超出可负担范围",
        "en": "Even the longest term's installment exceeds what current income can afford",
    },
}


@dataclass(frozen=True, slots=True)
class HardshipCase:
    line_id: str
    dpd: int
    outstanding_minor: int  # all unpaid principal + fees + penalty
    monthly_income_minor: int  # current income, after any shock
    monthly_other_debt_minor: int
    restructured_before: bool
    charged_off: bool
    penalty_minor: int = 0  # the part of outstanding_minor that is penalty interest (waivable)

    def __post_init__(self) -> None:
        for name in ("dpd", "outstanding_minor", "monthly_income_minor", "monthly_other_debt_minor", "penalty_minor"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValidationError(f"{name} must be an integer", field=name)
            if value < 0:
                raise ValidationError(f"{name} must not be negative, got {value}", field=name)
        if self.penalty_minor > self.outstanding_minor:
            raise ValidationError("penalty_minor cannot exceed outstanding_minor", field="penalty_minor")

    @property
    def disposable_income_minor(self) -> int:
        return max(0, self.monthly_income_minor - self.monthly_other_debt_minor)


@dataclass(frozen=True, slots=True)
class HardshipPolicy:
    policy_id: str
    version: str
    min_dpd: int
    max_dpd: int
    allowed_periods: tuple[int, ...]  # ascending
    affordability_bps: int  # max installment as a share of disposable income
    waive_penalty: bool
    new_fee_bps_per_month: int

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> HardshipPolicy:
        """Build from a decoded policy document; a malformed one raises ``ValidationError(field=...)``."""
        return read_document(doc, POLICY_SCHEMA)


POLICY_SCHEMA: Schema[HardshipPolicy] = Schema(
    "hardship policy",
    (
        Spec("min_dpd", "int", lo=0),
        # Workouts should amortise within 60 months (OCC 2003-1; China cards' 个性化分期 <= 5 years).
        Spec("allowed_periods", "int_set", lo=1, hi=MAX_WORKOUT_PERIODS),
        Spec("policy_id", "str"),
        Spec("version", "str"),
        Spec("max_dpd", "int", lo="min_dpd"),
        Spec("affordability_bps", "int", lo=1, hi=BPS),
        Spec("waive_penalty", "bool"),
        Spec("new_fee_bps_per_month", "int", lo=0, hi=BPS),
    ),
    build=lambda v: HardshipPolicy(**v),
)


def load_hardship_policy(path: str | Path) -> HardshipPolicy:
    return load_document(path, POLICY_SCHEMA)


def default_hardship_policy() -> HardshipPolicy:
    """The packaged default policy (``policies/hardship_v1.json``)."""
    return packaged_document("creditloop.collections", "policies/hardship_v1.json", POLICY_SCHEMA)


@dataclass(frozen=True, slots=True)
class TermExtensionOffer:
    periods: int
    installment_minor: int  # ceil(restructured_minor / periods): never under-collects the balance
    fee_bps_per_month: int
    waive_penalty: bool
    restructured_minor: int = 0  # balance spread over the term (outstanding less waived penalty)
    monthly_fee_minor: int = 0  # ceil(restructured_minor x fee_bps_per_month / 10000)

    @property
    def monthly_payment_minor(self) -> int:
        """What the customer pays each month: the affordability test is against this."""
        return self.installment_minor + self.monthly_fee_minor


@dataclass(frozen=True, slots=True)
class HardshipAssessment:
    eligible: bool
    reasons: tuple[str, ...]  # why not; empty when eligible
    offer: TermExtensionOffer | None


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def affordable_minor(case: HardshipCase, policy: HardshipPolicy) -> int:
    """The largest monthly payment the policy considers affordable (floored: never over-stretch)."""
    return case.disposable_income_minor * policy.affordability_bps // BPS


def _offer(case: HardshipCase, policy: HardshipPolicy, periods: int) -> TermExtensionOffer:
    base = case.outstanding_minor - (case.penalty_minor if policy.waive_penalty else 0)
    return TermExtensionOffer(
        periods=periods,
        installment_minor=_ceil_div(base, periods),
        fee_bps_per_month=policy.new_fee_bps_per_month,
        waive_penalty=policy.waive_penalty,
        restructured_minor=base,
        monthly_fee_minor=_ceil_div(base * policy.new_fee_bps_per_month, BPS),
    )


def choose_offer(case: HardshipCase, policy: HardshipPolicy) -> TermExtensionOffer | None:
    """The SHORTEST allowed term whose monthly payment fits: least extra time in debt and cost."""
    budget = affordable_minor(case, policy)
    for periods in policy.allowed_periods:  # ascending
        offer = _offer(case, policy, periods)
        if offer.monthly_payment_minor <= budget:
            return offer
    return None


def assess(case: HardshipCase, policy: HardshipPolicy) -> HardshipAssessment:
    """Collect every reason the case is ineligible; offer a term extension when there is none."""
    reasons: list[str] = []
    if case.charged_off:
        reasons.append(CHARGED_OFF)
    if case.restructured_before:
        # One restructuring only: repeated re-aging hides losses (FFIEC re-aging limits, §4.1.3).
        reasons.append(ALREADY_RESTRUCTURED)
    if case.dpd < policy.min_dpd:
        reasons.append(NOT_DELINQUENT)
    if case.dpd > policy.max_dpd:
        reasons.append(TOO_DELINQUENT)
    if case.outstanding_minor == 0:
        reasons.append(NOTHING_OUTSTANDING)
    offer = choose_offer(case, policy) if case.outstanding_minor > 0 else None
    if case.outstanding_minor > 0 and offer is None:
        reasons.append(UNAFFORDABLE)
    if reasons:
        return HardshipAssessment(eligible=False, reasons=tuple(reasons), offer=None)
    return HardshipAssessment(eligible=True, reasons=(), offer=offer)


def reason_text(code: str, lang: Lang = "zh") -> str:
    try:
        texts = REASON_TEXTS[code]
    except KeyError:
        raise ValidationError(f"unknown reason code {code!r}", field="code") from None
    if lang not in texts:
        raise ValidationError(f"unsupported language {lang!r}; use 'zh' or 'en'", field="lang")
    return texts[lang]


def offer_text(offer: TermExtensionOffer, lang: Lang = "zh") -> str:
    """Customer-facing description of the offer (amounts in yuan)."""
    pay = format_major(offer.monthly_payment_minor)
    total = format_major(offer.restructured_minor)
    if lang == "zh":
        parts = [f"可将待还金额 {total} 元分 {offer.periods} 期偿还，每期应还 {pay} 元"]
        if offer.fee_bps_per_month:
            parts.append(f"（含每月手续费 {format_major(offer.monthly_fee_minor)} 元）")
        else:
            parts.append("，不收取额外手续费")
        if offer.waive_penalty:
            parts.append("；已减免罚息")
        return "".join(parts) + "。"
    if lang == "en":
        text = f"You can repay the outstanding {total} yuan in {offer.periods} monthly installments of {pay} yuan"
        if offer.fee_bps_per_month:
            text += f" (including a monthly fee of {format_major(offer.monthly_fee_minor)} yuan)"
        else:
            text += " with no additional fee"
        if offer.waive_penalty:
            text += "; penalty interest is waived"
        return text + "."
    raise ValidationError(f"unsupported language {lang!r}; use 'zh' or 'en'", field="lang")
