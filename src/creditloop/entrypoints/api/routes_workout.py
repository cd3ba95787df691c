"""Hardship after the request (read it, accept an option, track plans) and collections contacts: the conduct
engine decides every contact attempt, and a forbidden one is refused with a problem naming the rule."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response
from fastapi.responses import JSONResponse

from creditloop.app import collections_commands as cc
from creditloop.app import hardship_commands as h
from creditloop.app.hardship_store import StoredPlan
from creditloop.collections.plans import ACTIVE
from creditloop.core.errors import DomainError, NotFound
from creditloop.entrypoints.api import approval
from creditloop.entrypoints.api.deps import Be, Caller, business_day, caller, owned_line
from creditloop.entrypoints.api.pagination import Cursor, Limit, after_key, key_cursor
from creditloop.entrypoints.api.problems import MEDIA_TYPE, Problem
from creditloop.entrypoints.api.schemas import Id
from creditloop.entrypoints.api.schemas_more import AcceptOptionBody, CaseBody, ContactBody, TrackPlansBody

router = APIRouter(dependencies=[Depends(caller)])
IdemKey = Annotated[
    str | None, Header(alias="Idempotency-Key", max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
]


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def plan_dict(plan: StoredPlan) -> dict[str, Any]:
    out: dict[str, Any] = _plain(asdict(plan))
    out["schedule"] = [{"due_on": d.isoformat(), "amount_minor": a} for d, a in plan.schedule]
    return out


def _request_view(uow: Any, request_id: str) -> dict[str, Any]:
    with uow:
        store = uow.hardship
        found = store.get_request(request_id)
        if found is None:
            raise NotFound(f"no hardship request {request_id!r}", field="request_id")
        plans = [p for p in store.plans(line_id=found.line_id) if p.request_id == request_id]
    return {
        "request_id": found.request_id, "line_id": found.line_id, "channel": found.channel,
        "category": found.category, "outcome": found.outcome, "requested_on": found.requested_on.isoformat(),
        "vulnerabilities": list(found.vulnerabilities), "options_on": _plain(found.options_on),
        "options": [{k: _plain(v) for k, v in o.items()} for o in found.options],
        "plans": [plan_dict(p) for p in plans],
    }  # fmt: skip


@router.get(
    "/hardship/requests/{request_id}", tags=["hardship"], operation_id="get_hardship_request",
    summary="A hardship request: its options and, once accepted, its plan and how it is kept",
)  # fmt: skip
def get_request(request_id: Id, who: Caller, be: Be) -> dict[str, Any]:
    with be.lock:
        try:
            view = be.read(_request_view, request_id)
        except NotFound:
            if who.role == "customer":
                raise Problem(404, "not_found", "no such resource") from None
            raise
        owned_line(be, who, view["line_id"])
    return view


@router.post(
    "/hardship/requests/{request_id}/acceptance", status_code=201, tags=["hardship"],
    operation_id="accept_hardship_option", summary="Accept an offered option (within the role's authority)",
)  # fmt: skip
def accept(request_id: Id, body: AcceptOptionBody, who: Caller, be: Be) -> dict[str, Any]:
    """Past the caller's authority (the approval matrix) the answer is 409 ``concession_exceeds_authority`` naming the
    role it needs; the plan is applied to the line and tracked from today."""
    approver = approval.approval_role_of(who.role)  # the authority an acceptance carries: approval_roles.json
    result = be.send(h.AcceptHardshipOption(request_id, body.option_id, approver, business_day(be, body.on)))
    return {"plan": plan_dict(result.plan), "required_role": result.required_role,
            "disclosure": _plain(result.disclosure)}  # fmt: skip


@router.post(
    "/hardship/tracking", tags=["hardship"], operation_id="track_hardship_plans",
    summary="Track the active hardship plans as of a day (kept, missed, broken)",
)  # fmt: skip
def track(body: TrackPlansBody, who: Caller, be: Be, limit: Limit = 50, cursor: Cursor = None) -> dict[str, Any]:
    """One batch: the next ``limit`` active plans by plan id after the cursor (the store's LIMIT), tracked and
    returned; ``next_cursor`` tracks the next batch. Tracking is idempotent for a day, so a batch can be retried and
    a plan that completes or breaks in one batch cannot shift the next. With ``plan``, that plan only."""
    after = None if body.plan is not None else after_key(cursor)
    plans = be.send(h.TrackHardshipPlans(business_day(be, body.on), body.plan, after, limit))
    more = body.plan is None and len(plans) == limit and be.read(_active_after, plans[-1].plan_id)
    return {"items": [plan_dict(p) for p in plans], "next_cursor": key_cursor(plans[-1].plan_id) if more else None}


def _active_after(uow: Any, plan_id: str) -> bool:
    with uow:
        return bool(uow.hardship.plans(status=ACTIVE, after=plan_id, limit=1))


@router.put(
    "/collections/cases/{line_id}", tags=["collections"], operation_id="open_collection_case",
    summary="Open (or update) a line's collections case: its time zone and contacts",
)  # fmt: skip
def open_case(line_id: Id, body: CaseBody, who: Caller, be: Be) -> dict[str, Any]:
    """Contacts are ids (``debtor-mobile``, ``ref-1``), never phone numbers: the conduct rules count by id."""
    case = be.send(cc.OpenCollectionCase(line_id, body.zone, business_day(be, body.on), tuple(body.debtor_contacts),
                                         tuple(body.third_parties), body.jurisdiction))  # fmt: skip
    out: dict[str, Any] = _plain(asdict(case))
    return out


@router.post(
    "/collections/cases/{line_id}/contacts", status_code=201, tags=["collections"],
    operation_id="record_contact_attempt", summary="Record a contact attempt (the conduct rules decide first)",
)  # fmt: skip
def contact(line_id: Id, body: ContactBody, who: Caller, be: Be, response: Response, key: IdemKey = None) -> Any:
    """A contact the rules forbid (quiet hours, daily caps, an open dispute, an opt-out...) is recorded as refused
    for the audit and answered **409** with ``code`` the rule (``conduct.quiet_hours``...) and when it is next
    allowed; its problem document also lists every rule that refused it (``rules``) and ``next_allowed_at`` (the
    dashboard shows them in Chinese or English). The ``Idempotency-Key`` is the attempt id."""
    if body.at.tzinfo is None:
        raise Problem(422, "invalid_input", "at: must be an ISO instant with an offset", field="at")
    if body.at > be.clock.now() + timedelta(minutes=5):
        raise Problem(422, "invalid_input", "at: an attempt is recorded when it is made, not ahead", field="at")
    attempt = key or f"contact-{uuid.uuid4().hex[:16]}"
    result = be.send(cc.RecordContactAttempt(attempt, line_id, body.contact_id, body.channel, body.at, body.outcome,
                                             body.purpose, "lender", body.script))  # fmt: skip
    response.headers["Idempotency-Key"] = attempt
    if not result.record.allowed:
        return _refused(result, attempt)
    r = result.record
    after = result.next_allowed_at
    return {"attempt_id": r.record_id, "line_id": r.line_id, "contact_id": r.contact_id, "party": r.party,
            "channel": r.channel, "at": r.at.isoformat(), "outcome": r.outcome, "policy": r.policy,
            "next_allowed_at": None if after is None else after.isoformat()}  # fmt: skip


def _refused(result: Any, attempt: str) -> JSONResponse:
    """409 as ``raise_if_refused`` answers it (``code`` the first rule, ``field`` at), with every rule and the next
    allowed instant as members of the problem document."""
    try:
        result.raise_if_refused()
    except DomainError as exc:
        after = result.next_allowed_at
        body = {"type": f"urn:creditloop:problem:{exc.code}", "title": "Conflict", "status": 409,
                "detail": exc.message, "code": exc.code, "field": "at", "rules": list(result.record.codes),
                "next_allowed_at": None if after is None else after.isoformat()}  # fmt: skip
        return JSONResponse(body, status_code=409, media_type=MEDIA_TYPE, headers={"Idempotency-Key": attempt})
    raise AssertionError("a refused record always raises")  # pragma: no cover
