"""Basel IRB capital for one exposure class: asset correlation, K, risk weight (DOMAIN.md §4.3; docs/risk.md).

The formulas are the Basel risk-weight functions (BCBS CRE31.5-31.16 for corporate, CRE31.13-31.16 and Basel II
paras 328-330 for retail; the illustrative table of Basel II Annex 5 is ``basel_irb.json``):

    K  = [LGD * N( (G(PD) + sqrt(R) * G(0.999)) / sqrt(1 - R) ) - PD * LGD] * MA      (MA = 1 for retail)
    RW = 12.5 * K,   RWA = RW * EAD,   capital = 8 % of RWA = K * EAD

The normal CDF and its inverse come from ``statistics.NormalDist`` (standard library): the portfolio context is
part of the lean install, which may not import scipy (pyproject's import contract), and NormalDist's inverse is
Wichura's AS241 (about 1e-16 relative error), more than the 1e-6 the vectors ask for.

Floats inside: these are regulatory ratios, not posted amounts; money enters and leaves as integer minor units in
``capital.py``. No Basel II 1.06 scaling factor (Basel III dropped it; the Annex 5 table does not include it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from statistics import NormalDist

from creditloop.core.errors import ValidationError
from creditloop.portfolio.risk_inputs import Number, finite, fraction

_N = NormalDist()
CONFIDENCE = 0.999  # the Basel one-year 99.9 % quantile of the systematic factor
G_CONFIDENCE = _N.inv_cdf(CONFIDENCE)


class AssetClass(StrEnum):
    QRRE = "qrre"  # qualifying revolving retail (cards, credit lines: CRE30.24)
    OTHER_RETAIL = "other_retail"  # instalment loans and other retail, treated as unsecured
    MORTGAGE = "mortgage"  # residential mortgages
    CORPORATE = "corporate"  # corporate, with the SME firm-size and the maturity adjustments


# Basel III input floors (CRE32.13 PD, CRE32.16 and CRE36.85 LGD), applied to the inputs before the formula when
# asked for. Corporate: the A-IRB floor for an unsecured exposure. Other retail: the unsecured floor.
PD_FLOOR = 0.0005
PD_FLOOR_QRRE_REVOLVER = 0.0010
LGD_FLOOR: dict[AssetClass, float] = {
    AssetClass.QRRE: 0.50,
    AssetClass.OTHER_RETAIL: 0.30,
    AssetClass.MORTGAGE: 0.05,
    AssetClass.CORPORATE: 0.25,
}
# The corporate formula is used from the Basel II PD floor up (para 285): below it b(PD) makes the maturity
# adjustment explode (1 - 1.5 b -> 0 at PD 2.9e-6) and K falls as PD rises. PD = 0 (no default: K = 0) is kept.
CORPORATE_PD_MIN = 0.0003
SALES_MIN_M, SALES_MAX_M = 5.0, 50.0  # EUR millions: the firm-size adjustment's range (CRE31.9)
MATURITY_MIN, MATURITY_MAX, MATURITY_DEFAULT = 1.0, 5.0, 2.5  # years (CRE32.46-32.47)


@dataclass(frozen=True, slots=True)
class FloorApplied:
    field: str  # "pd" or "lgd"
    given: float
    floor: float


@dataclass(frozen=True, slots=True)
class IrbResult:
    """Everything the calculation used and produced; ``*_used`` are after floors and clamps."""

    asset_class: AssetClass
    pd: float
    lgd: float
    pd_used: float
    lgd_used: float
    floors_on: bool
    floors_applied: tuple[FloorApplied, ...]
    correlation: float
    sme_adjustment: float | None  # the correlation reduction for a firm with sales below 50m (corporate only)
    sales_m_used: float | None
    maturity_used: float | None
    maturity_b: float | None
    maturity_adjustment: float | None  # (1 + (M - 2.5) b) / (1 - 1.5 b); None for retail and for PD = 0
    defaulted: bool
    el_best: float | None  # defaulted exposures only
    expected_loss_rate: float  # PD * LGD, or ELbest for a defaulted exposure
    k: float

    @property
    def risk_weight(self) -> float:
        """RW as a fraction of EAD (12.5 K)."""
        return 12.5 * self.k

    @property
    def risk_weight_percent(self) -> float:
        return 100.0 * self.risk_weight


def asset_class_of(value: str | AssetClass) -> AssetClass:
    try:
        return AssetClass(value)
    except ValueError:
        known = ", ".join(c.value for c in AssetClass)
        raise ValidationError(f"asset_class must be one of {known}, got {value!r}", field="asset_class") from None


def correlation(asset_class: AssetClass, pd: float, sales_m: float | None = None) -> tuple[float, float | None]:
    """The asset correlation R and, for a corporate with sales given, the SME reduction already subtracted."""
    if asset_class is AssetClass.QRRE:
        return 0.04, None
    if asset_class is AssetClass.MORTGAGE:
        return 0.15, None
    if asset_class is AssetClass.OTHER_RETAIL:
        w = -math.expm1(-35.0 * pd) / -math.expm1(-35.0)
        return 0.03 * w + 0.16 * (1.0 - w), None
    w = -math.expm1(-50.0 * pd) / -math.expm1(-50.0)
    r = 0.12 * w + 0.24 * (1.0 - w)
    if sales_m is None:
        return r, None
    s = min(max(sales_m, SALES_MIN_M), SALES_MAX_M)
    sme = 0.04 * (1.0 - (s - SALES_MIN_M) / (SALES_MAX_M - SALES_MIN_M))
    return r - sme, sme


def maturity_b(pd: float) -> float:
    """The maturity-adjustment slope b(PD) = (0.11852 - 0.05478 ln PD)^2, for 0 < PD."""
    return (0.11852 - 0.05478 * math.log(pd)) ** 2


def unexpected_loss_k(pd: float, lgd: float, r: float) -> float:
    """LGD times the 99.9 % conditional PD less the expected loss, before any maturity adjustment; 0 <= PD < 1."""
    if pd == 0.0:
        return 0.0  # G(0) = -inf: no default even in the stressed state
    stressed = _N.cdf((_N.inv_cdf(pd) + math.sqrt(r) * G_CONFIDENCE) / math.sqrt(1.0 - r))
    # LGD times one non-negative factor: K is then exactly monotone in LGD even in floating point; the max guards
    # a rounding residue below zero at tiny PD
    return lgd * max(0.0, stressed - pd)


def _floors(
    asset_class: AssetClass, pd: float, lgd: float, transactor: bool
) -> tuple[float, float, list[FloorApplied]]:
    pd_floor = PD_FLOOR_QRRE_REVOLVER if asset_class is AssetClass.QRRE and not transactor else PD_FLOOR
    applied = []
    if pd < pd_floor:
        applied.append(FloorApplied("pd", pd, pd_floor))
        pd = pd_floor
    lgd_floor = LGD_FLOOR[asset_class]
    if lgd < lgd_floor:
        applied.append(FloorApplied("lgd", lgd, lgd_floor))
        lgd = lgd_floor
    return pd, lgd, applied


def _check_options(
    asset_class: AssetClass, pd: float, sales_m: Number | None, maturity: Number | None, el_best: Number | None
) -> tuple[float | None, float | None, float | None]:
    """Refuse options that mean nothing for this exposure rather than ignoring them silently."""
    sales = maturity_years = el = None
    if sales_m is not None:
        if asset_class is not AssetClass.CORPORATE:
            raise ValidationError("sales_m applies to the corporate class only", field="sales_m")
        sales = finite(sales_m, "sales_m")
        if sales < 0:
            raise ValidationError(f"sales_m must not be negative, got {sales_m}", field="sales_m")
    if maturity is not None:
        if asset_class is not AssetClass.CORPORATE:
            raise ValidationError("maturity applies to the corporate class only (retail has none)", field="maturity")
        maturity_years = finite(maturity, "maturity")
        if maturity_years <= 0:
            raise ValidationError(f"maturity must be positive (years), got {maturity}", field="maturity")
    if el_best is not None:
        if pd < 1.0:
            raise ValidationError("el_best applies only to a defaulted exposure (pd = 1)", field="el_best")
        el = fraction(el_best, "el_best")
    return sales, maturity_years, el


def irb_capital(
    asset_class: str | AssetClass,
    pd: Number,
    lgd: Number,
    *,
    sales_m: Number | None = None,
    maturity: Number | None = None,
    floors: bool = False,
    transactor: bool = False,
    el_best: Number | None = None,
) -> IrbResult:
    """K and the risk weight of one exposure class at ``pd`` and ``lgd`` (decimal fractions, 0.01 = 1 %).

    ``sales_m`` (EUR millions, clamped to 5..50) and ``maturity`` (years, default 2.5, clamped to 1..5) apply to
    corporate only. ``floors`` applies the Basel III PD and LGD floors first; ``transactor`` marks a QRRE
    transactor (PD floor 0.05 % instead of the revolvers' 0.10 %). A defaulted exposure (``pd`` = 1) has
    K = max(0, LGD - ELbest) (Basel II para 272; the same words in e.g. SAMA's rulebook 11.3 and CBB CA-5.4.4);
    ``el_best`` defaults to LGD, so K = 0, which is the formula's own limit as PD -> 1; a bank with an LGD
    in-default above its best-estimate EL passes ``el_best`` and holds the difference.
    """
    cls = asset_class_of(asset_class)
    pd_given, lgd_given = fraction(pd, "pd"), fraction(lgd, "lgd")
    if transactor and cls is not AssetClass.QRRE:
        raise ValidationError("transactor applies to the qrre class only", field="transactor")
    sales, maturity_given, el = _check_options(cls, pd_given, sales_m, maturity, el_best)
    pd_used, lgd_used, applied = _floors(cls, pd_given, lgd_given, transactor) if floors else (pd_given, lgd_given, [])
    if cls is AssetClass.CORPORATE and 0.0 < pd_used < CORPORATE_PD_MIN:
        raise ValidationError(
            f"pd must be 0 or at least {CORPORATE_PD_MIN} for the corporate class (Basel II para 285 floor): below it "
            "the maturity adjustment leaves its range (1 - 1.5 b <= 0 under PD 2.9e-6) and K stops rising with PD; "
            f"use the floors option (0.05 %) or a PD of at least 0.03 %, got {pd}",
            field="pd",
        )
    r, sme = correlation(cls, pd_used, sales)
    defaulted = pd_used >= 1.0
    sales_used = None if sales is None else min(max(sales, SALES_MIN_M), SALES_MAX_M)
    m_used = b = ma = None
    if cls is AssetClass.CORPORATE:
        m_used = MATURITY_DEFAULT if maturity_given is None else min(max(maturity_given, MATURITY_MIN), MATURITY_MAX)
        if 0.0 < pd_used < 1.0:
            b = maturity_b(pd_used)
            ma = (1.0 + (m_used - MATURITY_DEFAULT) * b) / (1.0 - 1.5 * b)
    if defaulted:
        el = lgd_used if el is None else el
        k = max(0.0, lgd_used - el)
        el_rate = el
    else:
        k = unexpected_loss_k(pd_used, lgd_used, r) * (1.0 if ma is None else ma)
        el_rate = pd_used * lgd_used
    return IrbResult(
        asset_class=cls,
        pd=pd_given,
        lgd=lgd_given,
        pd_used=pd_used,
        lgd_used=lgd_used,
        floors_on=floors,
        floors_applied=tuple(applied),
        correlation=r,
        sme_adjustment=sme,
        sales_m_used=sales_used,
        maturity_used=m_used,
        maturity_b=b,
        maturity_adjustment=ma,
        defaulted=defaulted,
        el_best=el if defaulted else None,
        expected_loss_rate=el_rate,
        k=k,
    )
