"""``POST /applications`` writes the decision (with its line, velocity history and audit row) and the approved
applicant's encrypted data (``customer_pii``) in one transaction: a failure in the data's write leaves neither,
and the client gets a clean problem response. On SQLite and on PostgreSQL (``CREDITLOOP_TEST_POSTGRES_URL``)."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")

import sqlalchemy as sa
from fastapi.testclient import TestClient

from creditloop.adapters.pii_crypto import new_key
from creditloop.adapters.sqlalchemy.pii_store import SqlCustomerPii
from creditloop.config import Settings
from creditloop.entrypoints.api.app import create_app
from creditloop.entrypoints.api.backend import Backend
from creditloop.entrypoints.api.demo import issue_keys
from creditloop.entrypoints.api.settings import ApiSettings

from .conftest import FixedClock
from .walk_more import form

CUSTOMER = "C-ATOM-1"
APPLICATION = form(41, income="40000.00")  # approved (as in test_api_pii)
URL = "/api/v1/applications"


def _rows(be: Backend) -> dict[str, int]:
    """How many rows the application left in each table it writes."""
    app_id = APPLICATION["application_id"]
    queries = {
        "underwriting_decisions": ("SELECT count(*) FROM underwriting_decisions WHERE application_id = :a", app_id),
        "application_history": ("SELECT count(*) FROM application_history WHERE application_id = :a", app_id),
        "audit_decisions": ("SELECT count(*) FROM audit_decisions WHERE subject_id = :a", app_id),
        "credit_lines": ("SELECT count(*) FROM credit_lines WHERE line_id = :a", f"L-{CUSTOMER}"),
        "customer_pii": ("SELECT count(*) FROM customer_pii WHERE customer_id = :a", CUSTOMER),
    }
    with be.engine.connect() as conn:
        return {t: conn.execute(sa.text(q), {"a": a}).scalar_one() for t, (q, a) in queries.items()}


def test_a_failed_pii_write_rolls_the_decision_back_and_a_retry_writes_both(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDITLOOP_PII_KEY", new_key())  # on PostgreSQL the server does not start without one
    be = Backend(settings, FixedClock())
    keys = issue_keys(be)
    client = TestClient(create_app(api=ApiSettings(rate_burst=100_000), backend=be))
    headers = {"Authorization": f"Bearer {keys['checkout']}"}
    body = {"customer_id": CUSTOMER, "form": APPLICATION}
    calls: list[str] = []

    def broken_put(self: SqlCustomerPii, row: object) -> None:
        calls.append(getattr(row, "customer_id", "?"))
        raise RuntimeError("disk full at /var/lib/secret")  # after the decision's rows are written, before commit

    with monkeypatch.context() as patch:
        patch.setattr(SqlCustomerPii, "put", broken_put)
        res = client.post(URL, json=body, headers=headers)
    assert calls == [CUSTOMER]  # the decision was an approval and reached the PII write
    assert res.status_code == 500 and res.headers["content-type"] == "application/problem+json"
    assert res.json()["code"] == "internal_error"
    assert "Traceback" not in res.text and "RuntimeError" not in res.text and "secret" not in res.text
    assert _rows(be) == dict.fromkeys(_rows(be), 0)  # neither the decision (nor its line) nor the data
    assert client.get(f"/api/v1/decisions/underwriting/{APPLICATION['application_id']}",
                      headers=headers).status_code == 404  # fmt: skip

    res = client.post(URL, json=body, headers=headers)  # the same application again, nothing broken now
    assert res.status_code == 201 and res.json()["outcome"] == "approve", res.text
    assert res.json()["line_id"] == f"L-{CUSTOMER}"
    assert _rows(be) == {"underwriting_decisions": 1, "application_history": 1, "audit_decisions": 1,
                         "credit_lines": 1, "customer_pii": 1}  # fmt: skip
    sealed = be.pii_store.get(CUSTOMER)
    assert sealed is not None and sealed.application_id == APPLICATION["application_id"]
    assert be.cipher.decrypt("id_number", sealed.id_number_enc) == APPLICATION["id_number"]


def test_a_declined_application_stores_its_decision_and_no_pii(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CREDITLOOP_PII_KEY", new_key())
    be = Backend(settings, FixedClock())
    keys = issue_keys(be)
    client = TestClient(create_app(api=ApiSettings(rate_burst=100_000), backend=be))
    declined = {**form(42, income="300.00"), "requested_limit": "50000.00"}
    res = client.post(URL, json={"customer_id": "C-ATOM-2", "form": declined},
                      headers={"Authorization": f"Bearer {keys['checkout']}"})  # fmt: skip
    assert res.status_code == 201 and res.json()["outcome"] != "approve", res.text
    with be.engine.connect() as conn:
        decided = conn.execute(sa.text("SELECT count(*) FROM underwriting_decisions WHERE application_id = :a"),
                               {"a": declined["application_id"]}).scalar_one()  # fmt: skip
        pii = conn.execute(sa.text("SELECT count(*) FROM customer_pii WHERE customer_id = 'C-ATOM-2'")).scalar_one()
    assert (decided, pii) == (1, 0)
