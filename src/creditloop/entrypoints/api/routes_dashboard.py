"""``/dashboard``: the reads the risk dashboard needs that no other route gives (portfolio overview, customer 360,
hardship queue, a collections case), and the two actions it takes: approving a hardship option as the caller's
approval role (``approval_roles.json``) and recording a contact attempt, which the conduct rules may refuse.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timedelta
from functools import cache
from importlib.resources import files
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, Field

from creditloop.app import hardship_commands as h
from creditloop.app.collections_commands import RecordContactAttempt
from creditloop.app.dashboard_views import case_detail, customer_360, hardship_queue, portfolio_overview
from creditloop.collections.conduct import RULES
from creditloop.entrypoints.api.deps import Be, Caller, business_day, caller
from creditloop.entrypoints.api.problems import MEDIA_TYPE, Problem
from creditloop.entrypoints.api.schemas import Body, Id, OnField

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/dashboard", tags=["dashboard"], dependencies=[Depends(caller)])
EVENTS_FILE = "portfolio_events.json"
MAX_SKEW = timedelta(days=366)  # a contact attempt is recorded around now, not in another century


@cache
def approval_roles() -> dict[str, str]:
    """API role -> the hardship policy's approval role it acts as (data: ``approval_roles.json``)."""
    raw = json.loads(files(__package__).joinpath("approval_roles.json").read_text(encoding="utf-8"))
    return {k: str(v) for k, v in raw.items() if not k.startswith("_")}


def chart_events(be: Be) -> list[dict[str, Any]]:
    """Months to mark on the charts (``portfolio_events.json`` in the data directory: the demo's shock)."""
    if be.data_dir is None or not (be.data_dir / EVENTS_FILE).is_file():
        return []
    try:
        raw = json.loads((be.data_dir / EVENTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # an unreadable file marks nothing; the charts still show
        logger.warning("%s is not readable JSON; no months are marked", EVENTS_FILE)
        return []
    return [e for e in raw if isinstance(e, dict) and isinstance(e.get("month"), str)] if isinstance(raw, list) else []


@router.get("/portfolio", operation_id="dashboard_portfolio", summary="Portfolio overview")
def portfolio(who: Caller, be: Be) -> dict[str, Any]:
    """Balance-weighted delinquency by month (with the shock months), vintages and roll rates (stored panel)."""
    return be.read(portfolio_overview, chart_events(be))


@router.get("/customers/{customer_id}", operation_id="dashboard_customer", summary="Customer 360")
def customer(customer_id: Id, who: Caller, be: Be) -> dict[str, Any]:
    """The customer's lines (schedule, statements, timeline), alerts, hardship requests and plans, contacts."""
    return be.read(customer_360, customer_id)


@router.get("/hardship/queue", operation_id="dashboard_hardship_queue", summary="Hardship requests to approve")
def hardship(who: Caller, be: Be) -> dict[str, Any]:
    return {"items": be.read(hardship_queue), "approval_role": approval_roles().get(who.role)}


class AcceptBody(Body):
    option_id: Annotated[str, Field(min_length=1, max_length=40)]
    on: OnField = None


@router.post(
    "/hardship/requests/{request_id}/accept", status_code=201, operation_id="dashboard_hardship_accept",
    summary="Approve a hardship option as the caller's approval role",
)  # fmt: skip
def accept(request_id: Id, body: AcceptBody, who: Caller, be: Be) -> dict[str, Any]:
    """Within the authority of the caller's approval role (``approval_roles.json``), or 409 ``past_authority``."""
    role = approval_roles().get(who.role)
    if role is None:
        raise Problem(403, "forbidden", f"the role {who.role!r} approves no hardship option")
    result = be.send(h.AcceptHardshipOption(request_id, body.option_id, role, business_day(be, body.on)))
    plan = result.plan
    return {"plan_id": plan.plan_id, "request_id": plan.request_id, "line_id": plan.line_id,
            "option_id": plan.option_id, "kind": plan.kind, "approved_by": plan.approved_by,
            "required_role": result.required_role, "concession_minor": plan.concession_minor,
            "accepted_on": plan.accepted_on.isoformat()}  # fmt: skip


@router.get("/collections/{line_id}/case", operation_id="dashboard_case", summary="A collections case")
def case(line_id: Id, who: Caller, be: Be) -> dict[str, Any]:
    """Zone, jurisdiction, the opaque contact ids by party, the contact log, flags and promises."""
    return be.read(case_detail, line_id)


class ContactBody(Body):
    contact_id: Id
    channel: Literal["sms", "app", "call", "letter"]
    at: AwareDatetime
    outcome: Literal["connected", "unanswered", "delivered", "refused", "wrong_party"]
    purpose: Literal["collect", "locate"] = "collect"


@router.post(
    "/collections/{line_id}/contacts", status_code=201, operation_id="dashboard_contact",
    summary="Record a contact attempt (the conduct rules decide)",
    responses={409: {"description": "Refused by the conduct rules: `code` conduct_refused, `rules` the rule codes"}},
)  # fmt: skip
def contact(line_id: Id, body: ContactBody, who: Caller, be: Be) -> Any:
    """Allowed: 201 with the record. Refused: recorded as refused (audited, no contact happened) and answered
    409 ``conduct_refused`` with the rule codes, their text and when the same attempt would next be allowed."""
    if abs(body.at - be.clock.now()) > MAX_SKEW:
        raise Problem(422, "invalid_input", f"at: more than {MAX_SKEW.days} days from now", field="at")
    attempt = f"dash-{uuid.uuid4().hex[:16]}"
    result = be.send(RecordContactAttempt(attempt, line_id, body.contact_id, body.channel, body.at, body.outcome,
                                          body.purpose))  # fmt: skip
    r = result.record
    if not r.allowed:
        return _refused(list(r.codes), result.next_allowed_at)
    return {"record_id": r.record_id, "line_id": r.line_id, "party": r.party, "channel": r.channel,
            "at": r.at.isoformat(), "local_on": r.local_on.isoformat(), "allowed": True,
            "outcome": r.outcome}  # fmt: skip


def _refused(codes: list[str], next_at: datetime | None) -> JSONResponse:
    detail = "; ".join(RULES.get(code, code) for code in codes)
    body = {"type": "urn:creditloop:problem:conduct_refused", "title": "Conflict", "status": 409,
            "detail": f"refused by the conduct rules: {detail}", "code": "conduct_refused", "rules": codes,
            "next_allowed_at": None if next_at is None else next_at.isoformat()}  # fmt: skip
    return JSONResponse(body, status_code=409, media_type=MEDIA_TYPE)
