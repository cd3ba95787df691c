"""Defects found by the review of the REST API (H4): each test failed before its fix."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from .conftest import TODAY, Api
from .walk_more import form


def _problem(res: Any, status: int, field: str | None = None, code: str | None = None) -> dict[str, Any]:
    assert res.status_code == status, res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    doc: dict[str, Any] = res.json()
    if field is not None:
        assert doc.get("field") == field, doc
    if code is not None:
        assert doc["code"] == code, doc
    return doc


class _NextDay:
    """The fixture's clock one day on (a retry after midnight)."""

    def now(self) -> datetime:
        return datetime(2026, 6, 16, 4, 0, tzinfo=UTC)

    def today(self) -> date:
        return TODAY + timedelta(days=1)


@contextmanager
def _after_midnight(api: Api) -> Iterator[None]:
    before = api.be.clock
    api.be.clock = _NextDay()
    try:
        yield
    finally:
        api.be.clock = before


def test_the_same_application_for_another_customer_is_a_conflict_and_writes_no_personal_data(api: Api) -> None:
    """It answered 201 with a line ``L-<other customer>`` that was never opened, and stored the applicant's name,
    ID number and phone as the other customer's profile."""
    first = api.client.post("/api/v1/applications", json={"customer_id": "C-H4-1", "form": form(4001)},
                            headers=api.auth("checkout"))  # fmt: skip
    assert first.status_code == 201 and first.json()["outcome"] == "approve", first.text
    other = api.client.post("/api/v1/applications", json={"customer_id": "C-H4-2", "form": form(4001)},
                            headers=api.auth("checkout"))  # fmt: skip
    _problem(other, 409, code="idempotency_conflict")
    assert api.be.pii_store.get("C-H4-2") is None
    _problem(api.client.get("/api/v1/lines/L-C-H4-2", headers=api.auth("admin")), 404)
    again = api.client.post("/api/v1/applications", json={"customer_id": "C-H4-1", "form": form(4001)},
                            headers=api.auth("checkout"))  # fmt: skip
    assert again.status_code == 201 and again.json() == first.json()  # the true retry is still the recorded one


@pytest.mark.parametrize("month", ["0000-01", "0001-12"])
def test_a_credit_report_month_outside_the_ledgers_years_is_422_not_500(api: Api, month: str) -> None:
    res = api.client.get(f"/api/v1/customers/C-DEMO-1/credit-report?month={month}", headers=api.auth("admin"))
    _problem(res, 422, field="month", code="invalid_input")


def test_a_simulation_the_run_would_refuse_is_422_before_any_job(api: Api) -> None:
    """It was 202 and a job that then failed with a bare 'the simulation failed'."""
    pytest.importorskip("numpy")
    doc = _problem(api.client.post("/api/v1/simulations", json={"start": "2025-01-15"}, headers=api.auth("analyst")),
                   422, field="start")  # fmt: skip
    assert "first day of a month" in doc["detail"]
    _problem(api.client.post("/api/v1/simulations", json={"scenario": "pandemic", "months": 1},
                             headers=api.auth("analyst")), 422, field="months")  # fmt: skip


def test_a_hardship_request_retried_after_midnight_without_on_is_the_recorded_request(api: Api) -> None:
    """docs/api.md: a retry without ``on`` gets the business date first recorded. It was 409 idempotency_conflict."""
    body = {"line_id": "L-DEMO-2", "category": "job_loss_or_pay_cut", "monthly_income_minor": 300_000,
            "monthly_expenses_minor": 200_000, "channel": "agent"}  # fmt: skip
    headers = api.auth("collector", **{"Idempotency-Key": "h4-hardship-1"})
    first = api.client.post("/api/v1/hardship/requests", json=body, headers=headers)
    assert first.status_code == 201, first.text
    with _after_midnight(api):
        again = api.client.post("/api/v1/hardship/requests", json=body, headers=headers)
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    read = api.client.get("/api/v1/hardship/requests/h4-hardship-1", headers=api.auth("collector")).json()
    assert read["requested_on"] == TODAY.isoformat()


def test_a_credit_dispute_retried_after_midnight_without_on_is_the_recorded_dispute(api: Api) -> None:
    body = {"line_id": "L-DEMO-1", "months": ["2026-05"], "field": "status"}
    headers = api.auth("customer", **{"Idempotency-Key": "h4-dispute-1"})
    first = api.client.post("/api/v1/credit-disputes", json=body, headers=headers)
    assert first.status_code == 201, first.text
    with _after_midnight(api):
        again = api.client.post("/api/v1/credit-disputes", json=body, headers=headers)
    assert again.status_code == 201, again.text
    assert again.json()["filed_on"] == first.json()["filed_on"] == TODAY.isoformat()
    assert again.json()["due_on"] == first.json()["due_on"]


class _MinuteLater:
    def now(self) -> datetime:
        return datetime(2026, 6, 15, 4, 1, tzinfo=UTC)

    def today(self) -> date:
        return TODAY


def test_a_checkout_purchase_retried_a_minute_later_is_the_recorded_purchase(api: Api) -> None:
    """docs/api.md: a retry keeps the first decision. The purchase's audit row carried the request's instant, so any
    retry of a made purchase (the server's clock had moved) was 409 idempotency_conflict."""
    body = {"amount_minor": 1000, "periods": 3, "monthly_income_minor": 1_000_000, "living_costs_minor": 100_000}
    headers = api.auth("checkout", **{"If-Match": "*", "Idempotency-Key": "h4-checkout-1"})
    first = api.client.post("/api/v1/lines/L-DEMO-6/checkout", json=body, headers=headers)
    assert first.status_code == 201 and first.json()["status"] == "purchased", first.text
    before = api.client.get("/api/v1/lines/L-DEMO-6", headers=api.auth("admin")).json()
    later = api.be.clock
    api.be.clock = _MinuteLater()
    try:
        again = api.client.post("/api/v1/lines/L-DEMO-6/checkout", json=body, headers=headers)
    finally:
        api.be.clock = later
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    assert api.client.get("/api/v1/lines/L-DEMO-6", headers=api.auth("admin")).json() == before  # posted once


def test_opening_a_line_again_after_midnight_without_on_returns_the_line(api: Api) -> None:
    """The line id is the opening's idempotency key; a retry without ``on`` after midnight was 409."""
    body = {"line_id": "L-H4-OPEN", "customer_id": "C-H4-OPEN", "limit_minor": 100_000}
    first = api.client.post("/api/v1/lines", json=body, headers=api.auth("supervisor"))
    assert first.status_code == 201, first.text
    with _after_midnight(api):
        again = api.client.post("/api/v1/lines", json=body, headers=api.auth("supervisor"))
        other = api.client.post("/api/v1/lines", json={**body, "customer_id": "C-H4-OTHER"},
                                headers=api.auth("supervisor"))  # fmt: skip
    assert again.status_code == 201, again.text
    assert again.json() == first.json() and again.json()["opened_on"] == TODAY.isoformat()
    _problem(other, 409, code="idempotency_conflict")


def test_a_hold_retried_after_midnight_without_on_is_the_recorded_hold(api: Api) -> None:
    """The expiry's range was checked against today, not the recorded day: a hold expiring on the day it was
    authorised, retried after midnight, was 422 instead of its recorded result."""
    body = {"amount_minor": 500, "expires_on": TODAY.isoformat()}
    headers = api.auth("checkout", **{"If-Match": "*", "Idempotency-Key": "h4-hold-1"})
    first = api.client.post("/api/v1/lines/L-DEMO-2/holds", json=body, headers=headers)
    assert first.status_code == 201, first.text
    with _after_midnight(api):
        again = api.client.post("/api/v1/lines/L-DEMO-2/holds", json=body, headers=headers)
        fresh = api.client.post(
            "/api/v1/lines/L-DEMO-2/holds",
            json=body,
            headers=api.auth("checkout", **{"If-Match": "*", "Idempotency-Key": "h4-hold-2"}),
        )
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    _problem(fresh, 422, field="expires_on")  # a new hold may still not expire before its day
