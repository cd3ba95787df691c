"""Credit-report disputes: a customer (or an agent for them) files one, reads it; an agent resolves it and the
customer gets the written reply in Chinese and English. ``/credit-disputes``."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Response

from creditloop.app import dispute_commands as dc
from creditloop.app.dispute_handlers import reply_for
from creditloop.app.dispute_store import CreditDispute, dispute_store
from creditloop.core.errors import NotFound
from creditloop.entrypoints.api.deps import Be, Caller, business_day, caller, own_customer, owned_line
from creditloop.entrypoints.api.problems import Problem
from creditloop.entrypoints.api.routes_workout import IdemKey
from creditloop.entrypoints.api.schemas import Id
from creditloop.entrypoints.api.schemas_more import DisputeBody, ResolveBody

router = APIRouter(prefix="/credit-disputes", tags=["credit disputes"], dependencies=[Depends(caller)])


def dispute_dict(d: CreditDispute, today: date) -> dict[str, Any]:
    out = {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(d).items()}
    out["months"] = list(d.months)
    out["days_left"] = d.days_left(today)
    out["reply"] = None if d.status == "open" else {lang: reply_for(d, lang) for lang in ("zh", "en")}
    return out


def _get(uow: Any, dispute_id: str) -> CreditDispute:
    with uow:
        found = dispute_store(uow).get(dispute_id)
    if found is None:
        raise NotFound(f"no credit dispute {dispute_id!r}", field="dispute_id")
    return found


def _filed(uow: Any, dispute_id: str) -> CreditDispute | None:
    with uow:
        return dispute_store(uow).get(dispute_id)


def _visible(be: Any, who: Any, dispute_id: str) -> CreditDispute:
    try:
        found: CreditDispute = be.read(_get, dispute_id)
    except NotFound:
        if who.role == "customer":
            raise Problem(404, "not_found", "no such resource") from None
        raise
    own_customer(who, found.customer_id)
    return found


@router.post("", status_code=201, operation_id="file_credit_dispute", summary="File a credit-report dispute")
def file_dispute(body: DisputeBody, who: Caller, be: Be, response: Response, key: IdemKey = None) -> dict[str, Any]:
    """On the customer's own line (a customer key files as the customer). The ``Idempotency-Key`` is the dispute
    id; a dispute of what is owed now holds collection contact while it is open."""
    with be.lock:
        owned_line(be, who, body.line_id)
        channel = "customer" if who.role == "customer" else body.channel
        dispute_id = key or f"dispute-{uuid.uuid4().hex[:16]}"
        known = None if key is None or body.on is not None else be.read(_filed, dispute_id)
        on = known.filed_on if known is not None else business_day(be, body.on)  # a retry keeps its filing day
        stored = be.send(dc.FileCreditDispute(dispute_id, body.line_id, tuple(body.months), body.field, channel,
                                              on, body.consent, body.claim, body.jurisdiction,
                                              body.lang))  # fmt: skip
    response.headers["Idempotency-Key"] = dispute_id
    response.headers["Location"] = f"/api/v1/credit-disputes/{dispute_id}"
    return dispute_dict(stored, be.today())


@router.get("/{dispute_id}", operation_id="get_credit_dispute", summary="A credit-report dispute and its reply")
def get_dispute(dispute_id: Id, who: Caller, be: Be) -> dict[str, Any]:
    with be.lock:
        return dispute_dict(_visible(be, who, dispute_id), be.today())


@router.post("/{dispute_id}/resolution", operation_id="resolve_credit_dispute",
             summary="Resolve a dispute (an agent): corrected, confirmed or undeterminable")  # fmt: skip
def resolve(dispute_id: Id, body: ResolveBody, who: Caller, be: Be) -> dict[str, Any]:
    result = be.send(dc.ResolveCreditDispute(dispute_id, body.outcome, business_day(be, body.on),
                                             body.corrected_value))  # fmt: skip
    return dispute_dict(result["dispute"], be.today())
