"""``/lines/{id}/checkout``: education at checkout (issue 16, item 5; docs/education.md) — the affordability check
and the cost in plain words (``/check``, writes nothing), and the purchase behind the check.

The purchase is a change to the line: ``If-Match`` as on ``/purchases``; ``Idempotency-Key`` is the checkout id
(a retry keeps the first decision, so a cool-off is not escaped by asking again). The instant of the step (the
cool-off clock) is the server's clock, never the client's.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import Field

from creditloop.app.checkout import CheckoutPurchase, CheckoutResult, CustomerMeans
from creditloop.entrypoints.api.deps import Be, Caller, business_day, caller, owned_line
from creditloop.entrypoints.api.routes_lines import IdempotencyKey, IfMatch, change_line
from creditloop.entrypoints.api.schemas import Body, Id, Minor, OnField

router = APIRouter(prefix="/lines", tags=["checkout"], dependencies=[Depends(caller)])
Means = Annotated[int, Field(strict=True, ge=0, le=10**13)]


class CheckoutBody(Body):
    amount_minor: Minor
    periods: Annotated[int, Field(strict=True, ge=1, le=60)]
    monthly_income_minor: Means
    living_costs_minor: Means
    other_debts_minor: Means = 0
    confirmed: bool = False
    on: OnField = None


def _command(be: Any, op: str, line_id: str, body: CheckoutBody, day: date, preview: bool) -> CheckoutPurchase:
    means = CustomerMeans(body.monthly_income_minor, body.living_costs_minor, body.other_debts_minor)
    return CheckoutPurchase(op, line_id, body.amount_minor, body.periods, day, be.clock.now(), means,
                            confirmed=body.confirmed, preview=preview)  # fmt: skip


@router.post("/{line_id}/checkout/check", operation_id="checkout_check", summary="Affordability and cost, no purchase")
def check(line_id: Id, body: CheckoutBody, who: Caller, be: Be) -> dict[str, Any]:
    with be.lock:
        owned_line(be, who, line_id)
        result: CheckoutResult = be.send(_command(be, "preview", line_id, body, business_day(be, body.on), True))
    return result.to_dict()


@router.post("/{line_id}/checkout", status_code=201, operation_id="checkout_purchase",
             summary="Buy behind the affordability check")  # fmt: skip
def buy(
    line_id: Id, body: CheckoutBody, who: Caller, be: Be, response: Response, key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> dict[str, Any]:  # fmt: skip
    def make(op: str, day: date) -> object:
        return _command(be, op, line_id, body, day, False)

    op, result = change_line(be, who, line_id, key, if_match, "checkout", body.on, make, response)
    return {"operation_id": op, **result.to_dict()}
