"""``/lines``: open, show (with an ETag), latest statement, purchase, repay, refund, reverse a payment.

Changes to a line need ``If-Match`` with the line's ETag (428 without it, 412 when the line changed since), or
``If-Match: *`` from a channel that does not read first. A retry of a recorded ``Idempotency-Key`` skips the
check: the line has changed (by that very request) and the retry must get the recorded result, not 412.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Header, Response

from creditloop.app import commands as c
from creditloop.app.views import LineView, latest_statement, line_summary, recorded_day
from creditloop.core.errors import NotFound
from creditloop.entrypoints.api.backend import Backend
from creditloop.entrypoints.api.deps import Be, Caller, business_day, caller, hidden_from_customer, own_view, owned_line
from creditloop.entrypoints.api.keys import Principal
from creditloop.entrypoints.api.problems import Problem
from creditloop.entrypoints.api.schemas import Id, OpenLineBody, PurchaseBody, RefundBody, RepayBody, ReverseBody

router = APIRouter(prefix="/lines", tags=["lines"], dependencies=[Depends(caller)])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key", max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        description="The command id: a retry with the same key and body returns the same result (default: new).",
    ),
]  # fmt: skip
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=200, description="The line's ETag, or *.")]


def etag_of(view: Any) -> str:
    """A strong ETag over the line's whole representation: any change to it changes the tag."""
    body = orjson.dumps(view.to_dict(), option=orjson.OPT_SORT_KEYS)
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _precondition(if_match: str | None, current: str) -> None:
    if if_match is None:
        raise Problem(428, "precondition_required", "changes to a line need If-Match: <the line's ETag> (or *)",
                      field="If-Match")  # fmt: skip
    tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    if "*" not in tags and current not in tags:
        raise Problem(412, "precondition_failed", "the line changed since that ETag; read it again", field="If-Match")


def change_line(
    be: Backend, who: Principal, line_id: str, key: str | None, if_match: str | None, kind: str, on: date | None,
    make: Callable[[str, date], object], response: Response,
) -> tuple[str, Any]:  # fmt: skip
    """Check ownership and the precondition, send the command and set the new ETag: one transaction
    (``Backend.change``), so no other change of the line slips in between the check and the command."""
    op_id = key or f"{kind}-{uuid.uuid4().hex[:16]}"

    def guard(view: LineView, recorded: date | None) -> date:
        own_view(who, view)
        if recorded is None:
            _precondition(if_match, etag_of(view))
        return business_day(be, on) if on is not None or recorded is None else recorded

    with hidden_from_customer(who):
        result, after = be.change(line_id, op_id, guard, lambda day: make(op_id, day))
    response.headers["ETag"] = etag_of(after)
    response.headers["Idempotency-Key"] = op_id
    return op_id, result


@router.post("", status_code=201, operation_id="open_line", summary="Open a credit line")
def open_line(body: OpenLineBody, who: Caller, be: Be, response: Response) -> dict[str, Any]:
    """The line id is the opening's idempotency key: opening it again with the same body returns the same line."""
    day = business_day(be, body.on) if body.on is not None else _opening_day(be, body.line_id)
    cmd = c.OpenLine(body.line_id, body.customer_id, body.limit_minor, day, body.statement_day, body.due_days,
                     body.product)  # fmt: skip
    line = be.send(cmd)
    response.headers["ETag"] = etag_of(be.read(line_summary, line.line_id))
    response.headers["Location"] = f"/api/v1/lines/{line.line_id}"
    return {"line_id": line.line_id, "limit_minor": line.limit_minor, "opened_on": line.opened_on.isoformat(),
            "product": line.product.key}  # fmt: skip


def _opening_day(be: Backend, line_id: str) -> date:
    """Today, or the day an existing line opened: a retry without ``on`` after midnight is the same opening."""
    try:
        return be.read(recorded_day, line_id, None) or be.today()
    except NotFound:
        return be.today()


@router.get("/{line_id}", operation_id="get_line", summary="A line's balances, schedule, statements and history")
def get_line(line_id: Id, who: Caller, be: Be, response: Response) -> dict[str, Any]:
    view = owned_line(be, who, line_id)
    response.headers["ETag"] = etag_of(view)
    doc: dict[str, Any] = view.to_dict()
    return doc


@router.get("/{line_id}/statement", operation_id="get_statement", summary="The line's latest statement")
def get_statement(line_id: Id, who: Caller, be: Be) -> dict[str, Any]:
    owned_line(be, who, line_id)  # a line's customer never changes: no need to read both in one transaction
    return {"line_id": line_id, "statement": be.read(latest_statement, line_id)}


@router.post("/{line_id}/purchases", status_code=201, operation_id="purchase", summary="Buy on the line")
def purchase(
    line_id: Id, body: PurchaseBody, who: Caller, be: Be, response: Response, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> dict[str, Any]:  # fmt: skip
    def make(op: str, day: date) -> object:
        return c.Purchase(op, line_id, body.amount_minor, body.periods, day)

    op, plan = change_line(be, who, line_id, key, if_match, "purchase", body.on, make, response)
    rows = [{"seq": i.seq, "due_on": i.due_on.isoformat(), "principal_minor": i.principal_minor,
             "fee_minor": i.fee_minor} for i in plan.installments]  # fmt: skip
    return {"operation_id": op, "plan_id": plan.plan_id, "installments": rows}


@router.post("/{line_id}/payments", status_code=201, operation_id="repay", summary="Repay through the waterfall")
def repay(
    line_id: Id, body: RepayBody, who: Caller, be: Be, response: Response, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> dict[str, Any]:  # fmt: skip
    def make(op: str, day: date) -> object:
        return c.Repay(op, line_id, body.amount_minor, day)

    op, result = change_line(be, who, line_id, key, if_match, "payment", body.on, make, response)
    doc = {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(result).items()}
    return {"operation_id": op, **doc}


@router.post("/{line_id}/refunds", status_code=201, operation_id="refund", summary="A merchant refund or return")
def refund(
    line_id: Id, body: RefundBody, who: Caller, be: Be, response: Response, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> dict[str, Any]:  # fmt: skip
    def make(op: str, day: date) -> object:
        return c.Refund(op, line_id, body.purchase_id, body.amount_minor, day)

    op, to_credit = change_line(be, who, line_id, key, if_match, "refund", body.on, make, response)
    return {"operation_id": op, "purchase_id": body.purchase_id, "to_credit_balance_minor": to_credit}


@router.post(
    "/{line_id}/payments/{payment_id}/reversal", status_code=201, operation_id="reverse_payment",
    summary="Reverse a bounced payment",
)  # fmt: skip
def reverse_payment(
    line_id: Id, payment_id: Id, body: ReverseBody, who: Caller, be: Be, response: Response,
    key: IdempotencyKey = None, if_match: IfMatch = None,
) -> dict[str, Any]:  # fmt: skip
    def make(op: str, day: date) -> object:
        return c.ReversePayment(op, line_id, payment_id, day)

    op, result = change_line(be, who, line_id, key, if_match, "reversal", body.on, make, response)
    return {"operation_id": op, **result.to_dict()}
