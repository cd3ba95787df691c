"""``/risk``: the pure calculators (Basel IRB capital, Vasicek stressed PD). No ledger involved."""

from __future__ import annotations

from enum import Enum
from typing import Any

from fastapi import APIRouter, Depends

from creditloop.entrypoints.api.deps import Caller, caller
from creditloop.entrypoints.api.schemas import CapitalBody, StressBody
from creditloop.portfolio.capital import amounts
from creditloop.portfolio.irb import irb_capital
from creditloop.portfolio.vasicek import conditional_pd

router = APIRouter(prefix="/risk", tags=["risk"], dependencies=[Depends(caller)])


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    return value


@router.post("/capital", operation_id="risk_capital", summary="IRB capital of one exposure")
def capital(body: CapitalBody, who: Caller) -> dict[str, Any]:
    """K, the risk weight and (with ``ead_minor``) RWA, capital and expected loss in fen (docs/risk.md)."""
    opt = {k: None if v is None else str(v) for k, v in (("sales_m", body.sales_m), ("maturity", body.maturity),
                                                          ("el_best", body.el_best))}  # fmt: skip
    result = irb_capital(body.asset_class, str(body.pd), str(body.lgd), floors=body.floors,
                         transactor=body.transactor, **opt)  # fmt: skip
    doc: dict[str, Any] = {"schema": "creditloop.risk.capital/1", **_plain(result)}
    if body.ead_minor is not None:
        rwa, capital_minor, expected = amounts(result, body.ead_minor)
        doc.update(ead_minor=body.ead_minor, rwa_minor=rwa, capital_minor=capital_minor,
                   expected_loss_minor=expected)  # fmt: skip
    return doc


@router.post("/stress", operation_id="risk_stress", summary="Vasicek PD given the state of the economy")
def stress(body: StressBody, who: Caller) -> dict[str, Any]:
    cpd = conditional_pd(str(body.pd), str(body.rho), str(body.z))
    p = float(body.pd)
    return {"schema": "creditloop.risk.stress/1", "pd": p, "rho": float(body.rho), "z": float(body.z),
            "conditional_pd": cpd, "multiplier": cpd / p if p > 0 else None}  # fmt: skip
