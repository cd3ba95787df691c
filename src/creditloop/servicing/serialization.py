"""CreditLine <-> plain JSON-able dict, for repositories that store the aggregate as a document."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from creditloop.products.terms import Product
from creditloop.servicing.credit_line import CreditLine
from creditloop.servicing.model import (
    Hold,
    HoldStatus,
    Installment,
    LineStatus,
    Plan,
    PlanKind,
    RepaymentResult,
    SettlementOffer,
    SettlementStatus,
    Statement,
)

FORMAT_VERSION = 1


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _plan_to_dict(p: Plan) -> dict[str, Any]:
    return {
        "plan_id": p.plan_id,
        "purchase_id": p.purchase_id,
        "purchased_on": p.purchased_on.isoformat(),
        "principal_minor": p.principal_minor,
        "periods": p.periods,
        "monthly_fee_bps": p.monthly_fee_bps,
        "kind": p.kind.value,
        "refunded_minor": p.refunded_minor,
        "installments": [
            [
                i.seq,
                i.statement_on.isoformat(),
                i.due_on.isoformat(),
                i.principal_minor,
                i.fee_minor,
                i.carried_fee_minor,
                i.paid_principal_minor,
                i.paid_fee_minor,
                i.billed,
                i.interest_minor,
                i.carried_interest_minor,
                i.paid_interest_minor,
                i.down_payment,
                i.revolving,
            ]
            for i in p.installments
        ],
    }


def _plan_from_dict(p: dict[str, Any]) -> Plan:
    return Plan(
        plan_id=p["plan_id"],
        purchase_id=p["purchase_id"],
        purchased_on=date.fromisoformat(p["purchased_on"]),
        principal_minor=p["principal_minor"],
        periods=p["periods"],
        monthly_fee_bps=p["monthly_fee_bps"],
        kind=PlanKind(p["kind"]),
        refunded_minor=p["refunded_minor"],
        installments=[
            Installment(
                i[0],
                date.fromisoformat(i[1]),
                date.fromisoformat(i[2]),
                i[3],
                i[4],
                i[5],
                i[6],
                i[7],
                i[8],
                i[9],
                i[10],
                i[11],
                i[12],
                i[13],
            )
            for i in p["installments"]
        ],
    )


_STATEMENT_FIELDS = tuple(f for f in Statement.__dataclass_fields__ if f not in ("statement_on", "due_on"))


def _statement_to_dict(s: Statement) -> dict[str, Any]:
    doc: dict[str, Any] = {"statement_on": s.statement_on.isoformat(), "due_on": s.due_on.isoformat()}
    for name in _STATEMENT_FIELDS:
        doc[name] = getattr(s, name)
    return doc


def line_to_dict(line: CreditLine) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "line_id": line.line_id,
        "customer_id": line.customer_id,
        "product": line.product.key,
        "limit_minor": line.limit_minor,
        "opened_on": line.opened_on.isoformat(),
        "statement_day": line.statement_day,
        "due_days": line.due_days,
        "opened_limit_minor": line.opened_limit_minor,
        "events": line.events,
        "holds": [
            [
                h.hold_id,
                h.amount_minor,
                h.authorised_on.isoformat(),
                h.expires_on.isoformat(),
                h.remaining_minor,
                h.status.value,
            ]
            for h in line.holds.values()
        ],
        "status": line.status.value,
        "plans": [_plan_to_dict(p) for p in line.plans],
        "settled_plans": [_plan_to_dict(p) for p in line.settled_plans],
        "penalty_minor": line.penalty_minor,
        "penalty_carry": str(line.penalty_carry),
        "revolving_carry": str(line.revolving_carry),
        "credit_balance_minor": line.credit_balance_minor,
        "charged_off_minor": line.charged_off_minor,
        "charged_off_on": line.charged_off_on.isoformat() if line.charged_off_on else None,
        "delinquent_since": line.delinquent_since.isoformat() if line.delinquent_since else None,
        "dpd": line.dpd,
        "last_closed_on": line.last_closed_on.isoformat(),
        "restructured_on": line.restructured_on.isoformat() if line.restructured_on else None,
        "statements": [_statement_to_dict(s) for s in line.statements],
        "seen_ids": line.seen_ids,
        "results": {
            k: {
                "paid_on": r.paid_on.isoformat(),
                "amount_minor": r.amount_minor,
                "allocation": [list(a) for a in r.allocation],
                "to_credit_balance_minor": r.to_credit_balance_minor,
                "recovery_minor": r.recovery_minor,
            }
            for k, r in line.results.items()
        },
        "version": line.version,
        "purchases_since_cut_minor": line.purchases_since_cut_minor,
        "payments_since_cut_minor": line.payments_since_cut_minor,
        "billed_since_cut_minor": line.billed_since_cut_minor,
        **({} if line.settlement is None else {"settlement": _settlement_to_dict(line.settlement)}),
    }


def _settlement_to_dict(o: SettlementOffer) -> dict[str, Any]:
    return {
        "request_id": o.request_id,
        "offered_on": o.offered_on.isoformat(),
        "amount_minor": o.amount_minor,
        "due_on": o.due_on.isoformat(),
        "paid_minor": o.paid_minor,
        "status": o.status.value,
        "forgiven_minor": o.forgiven_minor,
        "closed_on": o.closed_on.isoformat() if o.closed_on else None,
    }


def _settlement_from_dict(d: dict[str, Any] | None) -> SettlementOffer | None:
    if d is None:
        return None  # lines stored before settlements existed, and lines never offered one
    return SettlementOffer(
        d["request_id"],
        date.fromisoformat(d["offered_on"]),
        d["amount_minor"],
        date.fromisoformat(d["due_on"]),
        d["paid_minor"],
        SettlementStatus(d["status"]),
        d["forgiven_minor"],
        _d(d["closed_on"]),
    )


def line_from_dict(doc: dict[str, Any], products: Callable[[str], Product]) -> CreditLine:
    line = CreditLine(
        line_id=doc["line_id"],
        customer_id=doc["customer_id"],
        product=products(doc["product"]),
        limit_minor=doc["limit_minor"],
        opened_on=date.fromisoformat(doc["opened_on"]),
        statement_day=doc["statement_day"],
        due_days=doc["due_days"],
        opened_limit_minor=doc["opened_limit_minor"],
        events=list(doc["events"]),
        status=LineStatus(doc["status"]),
        penalty_minor=doc["penalty_minor"],
        penalty_carry=Decimal(doc["penalty_carry"]),
        revolving_carry=Decimal(doc["revolving_carry"]),
        credit_balance_minor=doc["credit_balance_minor"],
        charged_off_minor=doc["charged_off_minor"],
        charged_off_on=_d(doc["charged_off_on"]),
        delinquent_since=_d(doc["delinquent_since"]),
        dpd=doc["dpd"],
        last_closed_on=date.fromisoformat(doc["last_closed_on"]),
        restructured_on=_d(doc["restructured_on"]),
        seen_ids=dict(doc["seen_ids"]),
        version=doc["version"],
        purchases_since_cut_minor=doc["purchases_since_cut_minor"],
        payments_since_cut_minor=doc["payments_since_cut_minor"],
        billed_since_cut_minor=list(doc["billed_since_cut_minor"]),
        settlement=_settlement_from_dict(doc.get("settlement")),
    )
    line.holds = {
        h[0]: Hold(h[0], h[1], date.fromisoformat(h[2]), date.fromisoformat(h[3]), h[4], HoldStatus(h[5]))
        for h in doc["holds"]
    }
    line.plans = [_plan_from_dict(p) for p in doc["plans"]]
    line.settled_plans = [_plan_from_dict(p) for p in doc.get("settled_plans", [])]
    for s in doc["statements"]:
        line.statements.append(
            Statement(
                date.fromisoformat(s["statement_on"]),
                date.fromisoformat(s["due_on"]),
                **{name: int(s[name]) for name in _STATEMENT_FIELDS},
            )
        )
    for k, r in doc["results"].items():
        line.results[k] = RepaymentResult(
            k,
            date.fromisoformat(r["paid_on"]),
            r["amount_minor"],
            tuple((a, int(m)) for a, m in r["allocation"]),
            r["to_credit_balance_minor"],
            r["recovery_minor"],
        )
    return line
