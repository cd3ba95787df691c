"""The authorisation matrix, walked: every role x every operation is 200/201 exactly where authz.json allows it and
403 elsewhere; 401 without a key. Every route of the app is in the matrix (or public)."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from creditloop.app import commands as c
from creditloop.app import hardship_commands as h
from creditloop.app.collections_commands import OpenCollectionCase
from creditloop.core.errors import IdempotencyConflict
from creditloop.entrypoints.api.authz import PUBLIC, ROLES, matrix

from .conftest import TODAY, Api
from .walk_more import REQUESTS as MORE_REQUESTS
from .walk_more import SUCCESS as MORE_SUCCESS

_n = itertools.count()
Call = tuple[str, str, dict[str, Any] | None, dict[str, str]]  # method, path, json body, extra headers
ANY = {"If-Match": "*"}


def _key() -> dict[str, str]:
    return {**ANY, "Idempotency-Key": f"walk-{next(_n)}"}


def _reversal(api: Api) -> Call:
    payment = f"walk-pay-{next(_n)}"
    api.be.send(c.Repay(payment, "L-DEMO-1", 100, TODAY))
    return "POST", f"/api/v1/lines/L-DEMO-1/payments/{payment}/reversal", {}, _key()


def _hold(api: Api) -> str:
    hold = f"walk-hold-{next(_n)}"
    api.be.send(c.Authorise(hold, "L-DEMO-1", 100, TODAY, TODAY))
    return hold


def _options(api: Api) -> Call:
    request = f"walk-hs-{next(_n)}"
    api.be.send(h.SubmitHardshipRequest(request, "L-DEMO-4", TODAY, "agent", "job_loss_or_pay_cut", 300_000,
                                        200_000, False))  # fmt: skip
    return "POST", f"/api/v1/hardship/requests/{request}/options", {}, {}


def _case(api: Api) -> None:
    """The case the dashboard reads; the walk's PUT /collections/cases/L-DEMO-4 may have opened it already."""
    with contextlib.suppress(IdempotencyConflict):
        api.be.send(OpenCollectionCase("L-DEMO-4", "Asia/Shanghai", TODAY, ("debtor-4",), (), "cn"))


def _open(api: Api) -> Call:
    n = next(_n)
    return "POST", "/api/v1/lines", {"line_id": f"L-W-{n}", "customer_id": f"C-W-{n}", "limit_minor": 50_000}, {}


HARDSHIP = {"line_id": "L-DEMO-1", "category": "job_loss_or_pay_cut", "monthly_income_minor": 300_000,
            "monthly_expenses_minor": 200_000}  # fmt: skip
# Operation id -> a valid request for it (on the demo customer's own line, so a customer key may succeed).
CHECKOUT = {"amount_minor": 30_000, "periods": 3, "monthly_income_minor": 800_000, "living_costs_minor": 400_000}
REQUESTS: dict[str, Callable[[Api], Call]] = {
    "whoami": lambda api: ("GET", "/api/v1/me", None, {}),
    "open_line": _open,
    "get_line": lambda api: ("GET", "/api/v1/lines/L-DEMO-1", None, {}),
    "get_statement": lambda api: ("GET", "/api/v1/lines/L-DEMO-1/statement", None, {}),
    "purchase": lambda api: ("POST", "/api/v1/lines/L-DEMO-1/purchases", {"amount_minor": 100}, _key()),
    "repay": lambda api: ("POST", "/api/v1/lines/L-DEMO-1/payments", {"amount_minor": 100}, _key()),
    "checkout_check": lambda api: ("POST", "/api/v1/lines/L-DEMO-1/checkout/check", CHECKOUT, {}),
    "checkout_purchase": lambda api: ("POST", "/api/v1/lines/L-DEMO-1/checkout", CHECKOUT, _key()),
    "refund": lambda api: ("POST", "/api/v1/lines/L-DEMO-1/refunds", {"purchase_id": "demo-p1", "amount_minor": 100},
                           _key()),
    "reverse_payment": _reversal,
    "authorise": lambda api: ("POST", "/api/v1/lines/L-DEMO-1/holds", {"amount_minor": 100, "expires_on": "2026-06-20"},
                              _key()),
    "capture": lambda api: ("POST", f"/api/v1/lines/L-DEMO-1/holds/{_hold(api)}/captures", {"amount_minor": 100},
                            _key()),
    "void": lambda api: ("POST", f"/api/v1/lines/L-DEMO-1/holds/{_hold(api)}/void", {}, _key()),
    "submit_hardship_request": lambda api: ("POST", "/api/v1/hardship/requests", HARDSHIP, _key()),
    "hardship_options": _options,
    "list_alerts": lambda api: ("GET", "/api/v1/alerts", None, {}),
    "collections_queue": lambda api: ("GET", "/api/v1/collections/queue", None, {}),
    "credit_report": lambda api: ("GET", "/api/v1/customers/C-DEMO-1/credit-report", None, {}),
    "risk_capital": lambda api: ("POST", "/api/v1/risk/capital", {"class": "qrre", "pd": "0.02", "lgd": "0.8"}, {}),
    "risk_stress": lambda api: ("POST", "/api/v1/risk/stress", {"pd": "0.02", "rho": "0.04", "z": "-3.0902"}, {}),
    "dashboard_portfolio": lambda api: ("GET", "/api/v1/dashboard/portfolio", None, {}),
    "portfolio_ecl": lambda api: ("GET", "/api/v1/portfolio/ecl", None, {}),
    "portfolio_analytics": lambda api: ("GET", "/api/v1/portfolio/analytics", None, {}),
    "dashboard_customer": lambda api: ("GET", "/api/v1/dashboard/customers/C-DEMO-1", None, {}),
    "dashboard_hardship_queue": lambda api: ("GET", "/api/v1/dashboard/hardship/queue", None, {}),
    "dashboard_case": lambda api: (_case(api), ("GET", "/api/v1/dashboard/collections/L-DEMO-4/case", None, {}))[1],
}  # fmt: skip
REQUESTS.update(MORE_REQUESTS)


def test_every_route_is_in_the_matrix_and_every_matrix_entry_has_a_request(api: Api) -> None:
    spec = api.client.get("/api/v1/openapi.json").json()
    ops = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert ops - PUBLIC == set(matrix()) == set(REQUESTS)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_the_matrix_gives_it(api: Api, role: str) -> None:
    outcomes, expected = {}, {}
    for op, make in REQUESTS.items():
        method, path, body, headers = make(api)
        res = api.client.request(method, path, json=body, headers=api.auth(role, **headers))
        outcomes[op] = res.status_code
        success = MORE_SUCCESS.get(op, 201 if method == "POST" and op not in _OK_POSTS else 200)
        expected[op] = success if role in matrix()[op] else 403
        if res.status_code >= 400:
            assert res.headers["content-type"] == "application/problem+json", (op, res.text)
    assert outcomes == expected


_OK_POSTS = {"hardship_options", "risk_capital", "risk_stress", "checkout_check"}  # computations, nothing created: 200


def test_without_a_key_every_operation_is_401(api: Api) -> None:
    for op, make in REQUESTS.items():
        method, path, body, headers = make(api)
        res = api.client.request(method, path, json=body, headers=headers)
        assert res.status_code == 401, op
        assert res.json()["code"] == "unauthorised"
        assert res.headers["www-authenticate"].startswith("Bearer")
