"""Valid requests for issue 18's remaining operations (applications, disclosures, hardship, contacts, disputes,
simulations, personal data), for the role x operation walk and the endpoint tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from creditloop.adapters.sqlalchemy.pii_store import SealedPii
from creditloop.app import commands as c
from creditloop.app import dispute_commands as dc
from creditloop.app import hardship_commands as h
from creditloop.entrypoints.api.routes_simulations import jobs_of
from creditloop.entrypoints.api.sim_jobs import Job
from creditloop.strategy.idcard import check_char as check_character

from .conftest import TODAY, Api

_n = itertools.count()
Call = tuple[str, str, dict[str, Any] | None, dict[str, str]]
DEMO_ID = "11010519900307123" + check_character("11010519900307123")
DEMO_NAME, DEMO_PHONE = "张三丰", "13912345678"


def form(n: int, income: str = "30000.00") -> dict[str, Any]:
    body = f"33010619850301{n % 1000:03d}"
    return {
        "application_id": f"APP-W-{n}", "applied_at": "2026-06-15T10:00:00+08:00", "channel": "app",
        "name": "李四", "id_number": body + check_character(body), "birth_date": "1985-03-01",
        "phone": f"1390000{n:04d}", "device_id": f"device-{n}", "city": "杭州", "city_tier": 2,
        "employer": f"杭州某某科技有限公司{n}", "sector": "technology", "monthly_income": income,
        "monthly_debt_payments": "0.00", "other_lenders": 0, "requested_limit": "6000.00",
        "consent_bureau": True, "consent_sharing": True, "verified_income": income,
    }  # fmt: skip


def seal_demo(api: Api, customer_id: str = "C-DEMO-1", id_number: str = DEMO_ID) -> None:
    """Personal data for a demo customer (the demo book opens lines without an application)."""
    c_ = api.be.cipher
    api.be.pii_store.put(SealedPii(customer_id, f"APP-{customer_id}", c_.encrypt("name", DEMO_NAME),
                                   c_.encrypt("id_number", id_number), c_.encrypt("phone", DEMO_PHONE),
                                   c_.index(id_number), api.be.clock.now()))  # fmt: skip


def _decision(api: Api) -> Call:
    n = next(_n)
    from creditloop.strategy.application import ApplicationForm

    api.be.send(c.DecideApplication(ApplicationForm.model_validate(form(10_000 + n)), customer_id=f"C-WD-{n}"))
    return "GET", f"/api/v1/decisions/underwriting/APP-W-{10_000 + n}", None, {}


def _request(api: Api, line: str = "L-DEMO-1") -> str:
    rid = f"walk-hr-{next(_n)}"
    api.be.send(h.SubmitHardshipRequest(rid, line, TODAY, "agent", "job_loss_or_pay_cut", 300_000, 200_000, False))
    return rid


def _accept(api: Api) -> Call:
    """A delinquent demo line without a plan yet: its request, options generated, the first one offered."""
    free = [x for x in ("L-DEMO-5", "L-DEMO-4", "L-DEMO-3") if not api.be.read(lambda u, i: _plans(u, i), x)]
    if not free:  # all three used (the walk accepts once per allowed role): a request that is never executed
        return "POST", "/api/v1/hardship/requests/none/acceptance", {"option_id": "PW"}, {}
    rid = _request(api, free[0])
    offered = api.be.send(h.GenerateHardshipOptions(rid, TODAY)).presented[0].option_id
    return "POST", f"/api/v1/hardship/requests/{rid}/acceptance", {"option_id": offered}, {}


def _plans(uow: Any, line_id: str) -> list[Any]:
    with uow:
        return list(uow.hardship.plans(line_id=line_id))


def _case_line(api: Api) -> str:
    """A fresh line with a collections case (contacts are ids, never numbers)."""
    n = next(_n)
    line = f"L-WC-{n}"
    api.be.send(c.OpenLine(line, f"C-WC-{n}", 100_000, TODAY - timedelta(days=40)))
    from creditloop.app import collections_commands as cc

    api.be.send(cc.OpenCollectionCase(line, "Asia/Shanghai", TODAY, ("debtor-mobile",), ("ref-1",)))
    return line


def contact_body(hour: int = 10, days_back: int = 0) -> dict[str, Any]:
    """A call to the debtor at ``hour`` Beijing time, ``days_back`` days before today (never ahead of the clock)."""
    at = datetime(TODAY.year, TODAY.month, TODAY.day, hour, 0, tzinfo=UTC) - timedelta(hours=8, days=days_back)
    return {"contact_id": "debtor-mobile", "channel": "call", "at": at.isoformat(), "outcome": "unanswered"}


def _dispute(api: Api, line: str = "L-DEMO-1") -> str:
    did = f"walk-d-{next(_n)}"
    api.be.send(dc.FileCreditDispute(did, line, ("2026-03",), "status", "customer", TODAY, False))
    return did


def _job(api: Api) -> Call:
    job = Job(f"{next(_n):016x}", {"customers": 10, "months": 1}, datetime(2026, 6, 15, tzinfo=UTC), "succeeded")
    jobs_of(api.app, api.be).jobs[job.job_id] = job
    return "GET", f"/api/v1/simulations/{job.job_id}", None, {}


def _profile(api: Api) -> Call:
    seal_demo(api)
    return "GET", "/api/v1/customers/C-DEMO-1/profile", None, {}


REQUESTS: dict[str, Callable[[Api], Call]] = {
    "submit_application": lambda api: ("POST", "/api/v1/applications",
                                       {"customer_id": f"C-WA-{(n := next(_n))}", "form": form(n)}, {}),
    "get_decision": _decision,
    "disclose": lambda api: ("POST", "/api/v1/disclosures", {"amount_minor": 300_000, "periods": 3}, {}),
    "get_hardship_request": lambda api: ("GET", f"/api/v1/hardship/requests/{_request(api)}", None, {}),
    "accept_hardship_option": _accept,
    "track_hardship_plans": lambda api: ("POST", "/api/v1/hardship/tracking", {}, {}),
    "open_collection_case": lambda api: ("PUT", "/api/v1/collections/cases/L-DEMO-6",
                                         {"debtor_contacts": ["debtor-mobile"]}, {}),
    "record_contact_attempt": lambda api: ("POST", f"/api/v1/collections/cases/{_case_line(api)}/contacts",
                                           contact_body(), {}),
    "file_credit_dispute": lambda api: ("POST", "/api/v1/credit-disputes",
                                        {"line_id": "L-DEMO-1", "months": ["2026-03"], "field": "status"}, {}),
    "get_credit_dispute": lambda api: ("GET", f"/api/v1/credit-disputes/{_dispute(api)}", None, {}),
    "resolve_credit_dispute": lambda api: ("POST", f"/api/v1/credit-disputes/{_dispute(api)}/resolution",
                                           {"outcome": "confirmed"}, {}),
    "start_simulation": lambda api: ("POST", "/api/v1/simulations", {"customers": 10, "months": 1}, {}),
    "get_simulation": _job,
    "customer_profile": _profile,
    "find_customer": lambda api: (seal_demo(api), ("POST", "/api/v1/customers/search", {"id_number": DEMO_ID}, {}))[1],
}  # fmt: skip
# Success other than 201 for a POST / 200 for a GET.
SUCCESS = {"disclose": 200, "track_hardship_plans": 200, "resolve_credit_dispute": 200, "start_simulation": 202,
           "find_customer": 200}  # fmt: skip
