"""IRB capital per segment and for the portfolio: EAD, PD, LGD -> RWA, capital, expected loss, and optionally
the Vasicek stressed loss at a chosen state of the economy.

Money is integer minor units in and out (``ead_minor`` -> ``rwa_minor``, ``capital_minor``): each amount is the
exact product of a float ratio and the EAD, rounded once by ``core.money.round_minor``. Capital is K * EAD (the
same as 8 % of RWA up to that one rounding). Totals are sums of the rounded segment amounts, so a report's
columns add up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from creditloop.core.errors import ValidationError
from creditloop.core.money import round_minor
from creditloop.portfolio.irb import AssetClass, IrbResult, asset_class_of, irb_capital
from creditloop.portfolio.risk_inputs import Number, finite
from creditloop.portfolio.vasicek import conditional_pd


@dataclass(frozen=True, slots=True)
class Segment:
    name: str
    asset_class: AssetClass
    ead_minor: int
    pd: Number
    lgd: Number
    sales_m: Number | None = None
    maturity: Number | None = None
    transactor: bool = False
    el_best: Number | None = None


@dataclass(frozen=True, slots=True)
class SegmentCapital:
    segment: Segment
    irb: IrbResult
    rwa_minor: int
    capital_minor: int
    expected_loss_minor: int
    stressed_pd: float | None  # Vasicek PD at the stress z, with the segment's IRB correlation
    stressed_loss_minor: int | None


@dataclass(frozen=True, slots=True)
class PortfolioCapital:
    segments: tuple[SegmentCapital, ...]
    floors: bool
    stress_z: float | None
    ead_minor: int
    rwa_minor: int
    capital_minor: int
    expected_loss_minor: int
    stressed_loss_minor: int | None

    @property
    def average_risk_weight_percent(self) -> float:
        return 100.0 * self.rwa_minor / self.ead_minor if self.ead_minor else 0.0


def _times(ratio: float, amount_minor: int) -> int:
    return round_minor(Decimal(ratio) * amount_minor)  # Decimal(float) is exact: one rounding, here


def amounts(irb: IrbResult, ead_minor: int) -> tuple[int, int, int]:
    """RWA, capital and expected loss in minor units for an exposure of ``ead_minor``."""
    return _times(irb.risk_weight, ead_minor), _times(irb.k, ead_minor), _times(irb.expected_loss_rate, ead_minor)


def segment_capital(segment: Segment, *, floors: bool = False, stress_z: float | None = None) -> SegmentCapital:
    if isinstance(segment.ead_minor, bool) or not isinstance(segment.ead_minor, int) or segment.ead_minor < 0:
        raise ValidationError(f"ead_minor must be a non-negative integer, got {segment.ead_minor!r}", field="ead")
    irb = irb_capital(
        segment.asset_class,
        segment.pd,
        segment.lgd,
        sales_m=segment.sales_m,
        maturity=segment.maturity,
        floors=floors,
        transactor=segment.transactor,
        el_best=segment.el_best,
    )
    stressed_pd = stressed_loss = None
    if stress_z is not None:
        stressed_pd = 1.0 if irb.defaulted else conditional_pd(irb.pd_used, irb.correlation, stress_z)
        rate = irb.expected_loss_rate if irb.defaulted else stressed_pd * irb.lgd_used
        stressed_loss = _times(rate, segment.ead_minor)
    rwa, capital, expected_loss = amounts(irb, segment.ead_minor)
    return SegmentCapital(
        segment=segment,
        irb=irb,
        rwa_minor=rwa,
        capital_minor=capital,
        expected_loss_minor=expected_loss,
        stressed_pd=stressed_pd,
        stressed_loss_minor=stressed_loss,
    )


def portfolio_capital(
    segments: Sequence[Segment], *, floors: bool = False, stress_z: Number | None = None
) -> PortfolioCapital:
    """Every segment's capital and the portfolio totals; ``stress_z`` adds the Vasicek loss at that factor value."""
    if not segments:
        raise ValidationError("at least one segment is needed", field="segments")
    z = None if stress_z is None else finite(stress_z, "z")
    rows = []
    for i, seg in enumerate(segments):
        try:
            rows.append(segment_capital(seg, floors=floors, stress_z=z))
        except ValidationError as exc:
            raise ValidationError(f"segment {seg.name!r}: {exc.message}", field=f"segments[{i}].{exc.field}") from None
    return PortfolioCapital(
        segments=tuple(rows),
        floors=floors,
        stress_z=z,
        ead_minor=sum(r.segment.ead_minor for r in rows),
        rwa_minor=sum(r.rwa_minor for r in rows),
        capital_minor=sum(r.capital_minor for r in rows),
        expected_loss_minor=sum(r.expected_loss_minor for r in rows),
        stressed_loss_minor=None if z is None else sum(r.stressed_loss_minor or 0 for r in rows),
    )


_SEGMENT_KEYS = {"name", "class", "ead_minor", "pd", "lgd", "sales_m", "maturity", "transactor", "el_best"}


def segment_from_dict(doc: Mapping[str, Any], index: int) -> Segment:
    """One segment of a JSON portfolio file (docs/risk.md); errors name ``segments[i].field``."""
    where = f"segments[{index}]"
    if not isinstance(doc, Mapping):
        raise ValidationError("must be an object", field=where)
    unknown = set(doc) - _SEGMENT_KEYS
    if unknown:
        raise ValidationError(f"unknown keys {sorted(unknown)}; known: {sorted(_SEGMENT_KEYS)}", field=where)
    for key in ("class", "ead_minor", "pd", "lgd"):
        if key not in doc:
            raise ValidationError(f"{key} is required", field=f"{where}.{key}")
    name = doc.get("name", f"segment {index + 1}")
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("must be a non-empty string", field=f"{where}.name")
    transactor = doc.get("transactor", False)
    if not isinstance(transactor, bool):
        raise ValidationError("must be true or false", field=f"{where}.transactor")
    try:
        cls = asset_class_of(doc["class"])
    except ValidationError as exc:
        raise ValidationError(exc.message, field=f"{where}.class") from None
    ead = doc["ead_minor"]
    if isinstance(ead, bool) or not isinstance(ead, int) or ead < 0:
        raise ValidationError(f"must be a non-negative integer of minor units, got {ead!r}", field=f"{where}.ead_minor")
    return Segment(
        name=name,
        asset_class=cls,
        ead_minor=ead,
        pd=doc["pd"],
        lgd=doc["lgd"],
        sales_m=doc.get("sales_m"),
        maturity=doc.get("maturity"),
        transactor=transactor,
        el_best=doc.get("el_best"),
    )
