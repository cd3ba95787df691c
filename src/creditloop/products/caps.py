"""Dated, configurable annual-rate caps (DOMAIN §0.3, §2.2) loaded from ``products/caps/*.json``.

* ``cn_licensed`` — 24 % a year comprehensive cost, the practical ceiling for licensed consumer lenders.
* ``cn_private_lending`` — 24 % until 2020-08-19, then 4 × the one-year LPR in force on the contract date.

A cap is compared with the rate as disclosed (2 decimals of a percent, half up), by default the PBoC nominal
figure (IRR × 12); a cap document may say ``"measure": "effective"`` instead. A breach raises
``DomainError(code="pricing_cap_exceeded")`` naming the computed rate and the cap.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from creditloop.core.errors import DomainError, ValidationError
from creditloop.products.apr import AprResult, Flows, Regime, approx_pboc_period_rate, percent
from creditloop.products.disclosure import Disclosure, disclose, disclose_option
from creditloop.products.pricing import PlanTerms
from creditloop.products.terms import Product

CAP_FILE = "cn_caps_v1.json"


class CapRegime(StrEnum):
    CN_LICENSED = "cn_licensed"
    CN_PRIVATE_LENDING = "cn_private_lending"


@dataclass(frozen=True, slots=True)
class LprFixing:
    from_on: date
    rate: Decimal
    source: str


@dataclass(frozen=True, slots=True)
class CapRule:
    id: str
    regime: CapRegime
    kind: str  # "fixed" | "lpr_multiple"
    annual_rate: Decimal | None
    multiple: Decimal | None
    measure: str  # "nominal" | "effective"
    effective_from: date
    effective_to: date | None
    name_zh: str
    name_en: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Cap:
    """A cap in force on a date: the rule, the resulting annual rate, and the LPR it was derived from (if any)."""

    rule: CapRule
    on: date
    annual_rate: Decimal
    lpr: LprFixing | None

    def describe(self) -> str:
        text = f"{percent(self.annual_rate)}% cap '{self.rule.name_en}' in force on {self.on}"
        if self.lpr is not None and self.rule.multiple is not None:
            text += f" (= {self.rule.multiple} × one-year LPR {percent(self.lpr.rate)}% published {self.lpr.from_on})"
        return text


@dataclass(frozen=True, slots=True)
class CapTable:
    lpr: tuple[LprFixing, ...]
    rules: tuple[CapRule, ...]

    def lpr_on(self, on: date) -> LprFixing:
        known = [f for f in self.lpr if f.from_on <= on]
        if not known:
            raise DomainError(f"no one-year LPR is known on {on} (first fixing {self.lpr[0].from_on})", code="no_lpr")
        return known[-1]

    def cap_for(self, on: date, regime: CapRegime) -> Cap | None:
        """The cap of ``regime`` in force on ``on`` (the contract date), or None when no rule applies."""
        for rule in self.rules:
            if (
                rule.regime is regime
                and rule.effective_from <= on
                and (rule.effective_to is None or on <= rule.effective_to)
            ):
                if rule.kind == "lpr_multiple" and rule.multiple is not None:
                    fixing = self.lpr_on(on)
                    return Cap(rule, on, rule.multiple * fixing.rate, fixing)
                if rule.annual_rate is not None:
                    return Cap(rule, on, rule.annual_rate, None)
        return None

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> CapTable:
        try:
            lpr = tuple(
                sorted(
                    (
                        LprFixing(date.fromisoformat(r["from"]), Decimal(r["rate"]), str(r.get("source", "")))
                        for r in doc["lpr_1y"]
                    ),
                    key=lambda f: f.from_on,
                )
            )
            rules = tuple(_rule(r) for r in doc["caps"])
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise ValidationError(f"cap table is malformed: {exc!r}", field="caps") from None
        if not lpr:
            raise ValidationError("cap table needs at least one LPR fixing", field="lpr_1y")
        return cls(lpr, rules)


def _rule(r: dict[str, Any]) -> CapRule:
    kind = str(r["kind"])
    if kind not in ("fixed", "lpr_multiple"):
        raise ValueError(f"unknown cap kind {kind!r}")
    measure = str(r.get("measure", "nominal"))
    if measure not in ("nominal", "effective"):
        raise ValueError(f"unknown measure {measure!r}")
    return CapRule(
        id=str(r["id"]),
        regime=CapRegime(r["regime"]),
        kind=kind,
        annual_rate=Decimal(r["annual_rate"]) if kind == "fixed" else None,
        multiple=Decimal(r["multiple"]) if kind == "lpr_multiple" else None,
        measure=measure,
        effective_from=date.fromisoformat(r["effective_from"]),
        effective_to=date.fromisoformat(r["effective_to"]) if r.get("effective_to") else None,
        name_zh=str(r.get("name_zh", "")),
        name_en=str(r.get("name_en", "")),
        sources=tuple(str(s) for s in r.get("sources", ())),
    )


@cache
def default_caps() -> CapTable:
    """The packaged cap table (China)."""
    text = resources.files("creditloop.products").joinpath("caps", CAP_FILE).read_text("utf-8")
    return CapTable.from_dict(json.loads(text))


def _regime(regime: CapRegime | str) -> CapRegime:
    try:
        return CapRegime(regime)
    except ValueError:
        raise ValidationError(
            f"cap regime must be one of {[r.value for r in CapRegime]}, got {regime!r}", field="cap"
        ) from None


def _measured(apr: AprResult | Decimal, measure: str) -> Decimal:
    if isinstance(apr, Decimal):
        return apr
    return apr.effective if measure == "effective" else apr.nominal


def check_cap(apr: AprResult | Decimal, on: date, regime: CapRegime | str, *, table: CapTable | None = None) -> None:
    """Refuse a rate above the cap in force on ``on``; a bare Decimal is an annual fraction (0.24 = 24 %)."""
    cap = (table or default_caps()).cap_for(on, _regime(regime))
    if cap is None:
        return
    rate = _measured(apr, cap.rule.measure)
    if percent(rate) > percent(cap.annual_rate):
        label = f"{cap.rule.measure} annualised rate"
        if isinstance(apr, AprResult) and apr.regime is Regime.PBOC:
            label += " (PBoC IRR × 12)" if cap.rule.measure == "nominal" else " (PBoC compounded)"
        raise DomainError(f"{label} {percent(rate)}% exceeds the {cap.describe()}", code="pricing_cap_exceeded")


# Float screen margin in percentage points: far above the float solver's error (~1e-13), far below a rounding step.
_SCREEN_MARGIN_PP = 1e-6


def clearly_within_cap(flows: Flows, on: date, regime: CapRegime | str, *, table: CapTable | None = None) -> bool:
    """True when the PBoC-regime rate of ``flows`` is so far below the cap in force that the exact check
    (``check_cap`` on the Decimal rate) must pass; False means "run the exact check", never "breach"."""
    cap = (table or default_caps()).cap_for(on, _regime(regime))
    if cap is None:
        return True
    r = approx_pboc_period_rate(flows)
    measured = (1 + r) ** 12 - 1 if cap.rule.measure == "effective" else r * 12
    # check_cap refuses when percent(rate), rounded half up to 2 places, exceeds the cap's percent: that
    # needs rate% >= cap% + 0.005.
    return measured * 100 < float(percent(cap.annual_rate)) + 0.005 - _SCREEN_MARGIN_PP


@dataclass(frozen=True, slots=True)
class CapCheck:
    periods: int
    rate_percent: Decimal
    cap_percent: Decimal | None

    @property
    def ok(self) -> bool:
        return self.cap_percent is None or self.rate_percent <= self.cap_percent


def check_product(
    product: Product,
    on: date,
    regime: CapRegime | str,
    *,
    amount_minor: int = 100_000,
    table: CapTable | None = None,
) -> tuple[CapCheck, ...]:
    """Check every installment option of a product for a purchase on ``on``; one error lists every breach."""
    table = table or default_caps()
    cap = table.cap_for(on, _regime(regime))
    checks = []
    for option in product.installment_options:
        rate = disclose_option(product, option.periods, amount_minor, on).rate
        measured = _measured(rate, cap.rule.measure) if cap else rate.nominal
        checks.append(CapCheck(option.periods, percent(measured), percent(cap.annual_rate) if cap else None))
    breaches = [c for c in checks if not c.ok]
    if breaches and cap is not None:
        listed = "; ".join(f"{c.periods} periods {c.rate_percent}%" for c in breaches)
        raise DomainError(f"{product.key}: {listed} exceed the {cap.describe()}", code="pricing_cap_exceeded")
    return tuple(checks)


def check_plan(
    terms: PlanTerms, amount_minor: int, on: date, regime: CapRegime | str, *, table: CapTable | None = None
) -> AprResult:
    """Disclose a plan (PBoC method) and check it against the cap in force on ``on``; returns the rate."""
    rate = disclose(amount_minor, terms, on).rate
    check_cap(rate, on, regime, table=table)
    return rate


def check_restructured(
    disclosures: Sequence[Disclosure], on: date, regime: CapRegime | str, *, table: CapTable | None = None
) -> None:
    """The cap rule for a restructure (issue 15): each plan it created or re-priced, disclosed over that plan's
    own contract (``servicing.restructure.PricedPlan``), against the cap in force on the restructure date.

    A restructure that creates or re-prices nothing (a waiver, a fee cut, a holiday without accrual, a
    settlement) passes no disclosures and is never refused: it only lowers what the customer pays. What is not
    checked is the rest of an existing plan annualised from the restructure date: the period running then began
    before it, so its whole fee over the days left of it reads as a rate far above what the plan costs."""
    for d in disclosures:
        check_cap(d.rate, on, regime, table=table)
