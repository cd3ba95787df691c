"""Early warning, hardship, collections and the credit report: ``/alerts``, ``/hardship``, ``/collections``,
``/customers/{id}/credit-report``."""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response

from creditloop.app import hardship_commands as h
from creditloop.app.alert_views import list_alerts
from creditloop.app.collections_views import collections_queue
from creditloop.app.credit_report import customer_report
from creditloop.app.hardship_options import option_dict
from creditloop.collections.option_text import option_text
from creditloop.core.dates import add_months, month_end
from creditloop.entrypoints.api.deps import Be, Caller, business_day, caller, own_customer, owned_line
from creditloop.entrypoints.api.pagination import Cursor, Limit, after_key, keyset_page, page
from creditloop.entrypoints.api.problems import Problem
from creditloop.entrypoints.api.schemas import HardshipOptionsBody, HardshipRequestBody, Id

router = APIRouter(dependencies=[Depends(caller)])
_MONTH = re.compile(r"(19\d\d|2\d{3})-(0[1-9]|1[0-2])")  # the ledger's years (year 0 made a 500)


@router.get("/alerts", tags=["alerts"], operation_id="list_alerts", summary="Early-warning alerts")
def alerts(
    who: Caller, be: Be, status: Annotated[str | None, Query(max_length=10)] = None,
    line_id: Annotated[str | None, Query(max_length=64)] = None, limit: Limit = 50, cursor: Cursor = None,
) -> dict[str, Any]:  # fmt: skip
    """Unclosed alerts of every line (``status`` open or actioned narrows them), or every alert of ``line_id``, by
    alert id: the store reads the page (``limit + 1`` after the cursor's alert id), not the whole list."""
    return keyset_page(be.read(list_alerts, status, line_id, after_key(cursor), limit + 1), limit, "alert_id")


@router.get(
    "/collections/queue", tags=["collections"], operation_id="collections_queue", summary="The collections queue"
)
def queue(who: Caller, be: Be, on: date | None = None, limit: Limit = 50, cursor: Cursor = None) -> dict[str, Any]:
    """Delinquent and referred lines in working order, with segment, tier, reasons and amount at risk."""
    result = be.read(collections_queue, business_day(be, on))
    return {"on": result["on"], "policy": result["policy"], "held": result["held"],
            **page(result["items"], limit, cursor)}  # fmt: skip


@router.post(
    "/hardship/requests", status_code=201, tags=["hardship"], operation_id="submit_hardship_request",
    summary="Record a hardship request",
)  # fmt: skip
def submit_hardship(
    body: HardshipRequestBody, who: Caller, be: Be, response: Response,
    key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
    = None,
) -> dict[str, Any]:  # fmt: skip
    """The ``Idempotency-Key`` is the request id. A customer files only on their own line, as the customer."""
    owned_line(be, who, body.line_id)  # a line's customer never changes: the check needs no lock
    channel = "customer" if who.role == "customer" else body.channel
    request_id = key or f"hardship-{uuid.uuid4().hex[:16]}"
    recorded = None if key is None or body.on is not None else be.read(_requested_on, request_id)
    on = recorded or business_day(be, body.on)
    cmd = h.SubmitHardshipRequest(
        request_id, body.line_id, on, channel, body.category, body.monthly_income_minor,
        body.monthly_expenses_minor, body.consent, body.text, body.lang,
    )  # fmt: skip
    stored = be.send(cmd)
    response.headers["Idempotency-Key"] = request_id
    return {
        "request_id": stored.request_id, "line_id": stored.line_id, "outcome": stored.outcome,
        "category": stored.category, "category_source": stored.category_source,
        "vulnerabilities": list(stored.vulnerabilities), "text_kept": stored.text is not None,
    }  # fmt: skip


def _requested_on(uow: Any, request_id: str) -> date | None:
    """A recorded request's date: a retry without ``on`` after midnight is the same request, not a conflict."""
    with uow:
        found = uow.hardship.get_request(request_id)
    return None if found is None else found.requested_on


def _option(v: Any, rank: int | None) -> dict[str, Any]:
    out = option_dict(v, rank)
    if v.available:
        out["text"] = {"zh": option_text(v, "zh"), "en": option_text(v, "en")}
    return out


@router.post(
    "/hardship/requests/{request_id}/options", tags=["hardship"], operation_id="hardship_options",
    summary="Value, rank and offer the hardship options",
)  # fmt: skip
def hardship_options(request_id: Id, body: HardshipOptionsBody, who: Caller, be: Be) -> dict[str, Any]:
    result = be.send(h.GenerateHardshipOptions(request_id, business_day(be, body.on)))
    return {
        "request_id": result.request_id,
        "on": result.on.isoformat() if isinstance(result.on, date) else result.on,
        "policy_version": result.policy_version,
        "presented": [_option(v, k + 1) for k, v in enumerate(result.presented)],
        "unavailable": [_option(v, None) for v in result.unavailable],
        "status_quo": asdict(result.status_quo),
    }


@router.get(
    "/customers/{customer_id}/credit-report", tags=["credit report"], operation_id="credit_report",
    summary="The customer's credit report",
)  # fmt: skip
def credit_report(
    customer_id: Id, who: Caller, be: Be,
    month: Annotated[str | None, Query(description="YYYY-MM (default: the last ended month).")] = None,
) -> dict[str, Any]:  # fmt: skip
    own_customer(who, customer_id)
    if month is not None and not _MONTH.fullmatch(month):
        raise Problem(422, "invalid_input", f"month: expected YYYY-MM (1900..2999), got {month!r}", field="month")
    first = date(int(month[:4]), int(month[5:]), 1) if month else add_months(be.today().replace(day=1), -1)
    report: dict[str, Any] = be.read(customer_report, customer_id, month_end(first))
    return report
