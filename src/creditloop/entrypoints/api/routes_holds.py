"""``/lines/{id}/holds``: a checkout's authorisation (a hold on open-to-buy), its capture as a purchase, its void.

Same rules as every line change (``routes_lines``): ``Idempotency-Key`` is the command id, ``If-Match`` required.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Response

from creditloop.app import commands as c
from creditloop.entrypoints.api.deps import Be, Caller, caller
from creditloop.entrypoints.api.problems import Problem
from creditloop.entrypoints.api.routes_lines import IdempotencyKey, IfMatch, change_line
from creditloop.entrypoints.api.schemas import AuthoriseBody, CaptureBody, Id, VoidBody

router = APIRouter(prefix="/lines", tags=["holds"], dependencies=[Depends(caller)])
MAX_HOLD_DAYS = 366  # as the CLI: a hold stands days or weeks; a year is already generous


def _iso(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in doc.items()}


@router.post("/{line_id}/holds", status_code=201, operation_id="authorise", summary="Reserve open-to-buy (a hold)")
def authorise(
    line_id: Id, body: AuthoriseBody, who: Caller, be: Be, response: Response, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> dict[str, Any]:  # fmt: skip
    def make(op: str, on: date) -> object:
        # against the hold's own day (a retry's recorded one), checked before anything is written
        last = on + timedelta(days=MAX_HOLD_DAYS)
        if not on <= body.expires_on <= last:
            raise Problem(422, "invalid_input", f"expires_on: must be from {on} to {last}", field="expires_on")
        return c.Authorise(op, line_id, body.amount_minor, on, body.expires_on)

    op, hold = change_line(be, who, line_id, key, if_match, "hold", body.on, make, response)
    return {"operation_id": op, **_iso(asdict(hold))}


@router.post(
    "/{line_id}/holds/{hold_id}/captures", status_code=201, operation_id="capture",
    summary="Capture (part of) a hold as a purchase",
)  # fmt: skip
def capture(
    line_id: Id, hold_id: Id, body: CaptureBody, who: Caller, be: Be, response: Response, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> dict[str, Any]:  # fmt: skip
    def make(op: str, on: date) -> object:
        return c.Capture(op, line_id, hold_id, body.amount_minor, body.periods, on, final=body.final)

    op, plan = change_line(be, who, line_id, key, if_match, "capture", body.on, make, response)
    return {"operation_id": op, "plan_id": plan.plan_id, "principal_minor": plan.principal_minor}


@router.post("/{line_id}/holds/{hold_id}/void", status_code=201, operation_id="void", summary="Release a hold")
def void(
    line_id: Id, hold_id: Id, body: VoidBody, who: Caller, be: Be, response: Response, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> dict[str, Any]:  # fmt: skip
    def make(op: str, on: date) -> object:
        return c.Void(op, line_id, hold_id, on)

    op, _ = change_line(be, who, line_id, key, if_match, "void", body.on, make, response)
    return {"operation_id": op, "hold_id": hold_id, "voided": True}
