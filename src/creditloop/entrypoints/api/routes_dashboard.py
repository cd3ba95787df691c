"""``/dashboard``: the reads the risk dashboard needs that no other route gives (portfolio overview, customer 360,
hardship queue, a collections case). Its two actions go to the API's own routes (issue 18 tidy):
``POST /hardship/requests/{id}/acceptance`` (``accept_hardship_option``, as the caller's approval role) and
``POST /collections/cases/{line}/contacts`` (``record_contact_attempt``, whose 409 lists every refusing rule).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, Depends

from creditloop.app.dashboard_views import case_detail, customer_360, hardship_queue, portfolio_overview
from creditloop.entrypoints.api import approval
from creditloop.entrypoints.api.deps import Be, Caller, caller
from creditloop.entrypoints.api.pagination import Cursor, Limit, after_key, keyset_page
from creditloop.entrypoints.api.schemas import Id

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/dashboard", tags=["dashboard"], dependencies=[Depends(caller)])
EVENTS_FILE = "portfolio_events.json"


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
def hardship(who: Caller, be: Be, limit: Limit = 50, cursor: Cursor = None) -> dict[str, Any]:
    """Requests awaiting approval by request id, a page at a time (the store reads ``limit + 1`` after the cursor)."""
    rows = be.read(hardship_queue, after_key(cursor), limit + 1)
    return {**keyset_page(rows, limit, "request_id"), "approval_role": approval.approval_roles().get(who.role)}


@router.get("/collections/{line_id}/case", operation_id="dashboard_case", summary="A collections case")
def case(line_id: Id, who: Caller, be: Be) -> dict[str, Any]:
    """Zone, jurisdiction, the opaque contact ids by party, the contact log, flags and promises."""
    return be.read(case_detail, line_id)
