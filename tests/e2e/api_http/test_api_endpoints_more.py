"""Issue 18's remaining endpoints over HTTP: success, bad input naming the field, and another customer's data."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from creditloop.app import hardship_commands as h
from creditloop.entrypoints.api.keys import issue

from .conftest import TODAY, Api, make_api
from .walk_more import contact_body, form


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    made = make_api(tmp_path_factory.mktemp("api_more"))
    made.keys["other"] = issue(made.be.keys, "customer", "t", made.be.clock.now(), "C-DEMO-2")
    with made.client:
        yield made


def _problem(res: object, status: int, field: str | None = None, code: str | None = None) -> dict[str, object]:
    assert res.status_code == status, res.text  # type: ignore[attr-defined]
    assert res.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    doc: dict[str, object] = res.json()  # type: ignore[attr-defined]
    if field is not None:
        assert doc["field"] == field, doc
    if code is not None:
        assert doc["code"] == code, doc
    return doc


def test_an_application_is_decided_with_reasons_and_a_bilingual_notice_then_read_back(api: Api) -> None:
    res = api.client.post("/api/v1/applications", json={"customer_id": "C-A-1", "form": form(1)},
                          headers=api.auth("checkout"))  # fmt: skip
    assert res.status_code == 201, res.text
    doc = res.json()
    assert doc["outcome"] in ("approve", "refer", "decline") and doc["notice"]["zh"] and doc["notice"]["en"]
    assert doc["line_id"] == ("L-C-A-1" if doc["outcome"] == "approve" else None)
    assert isinstance(doc["reasons"], list)
    again = api.client.post("/api/v1/applications", json={"customer_id": "C-A-1", "form": form(1)},
                            headers=api.auth("checkout"))  # fmt: skip
    assert again.json() == doc  # the application id is the idempotency key
    changed = {**form(1), "requested_limit": "9000.00"}
    _problem(api.client.post("/api/v1/applications", json={"customer_id": "C-A-1", "form": changed},
                             headers=api.auth("checkout")), 409, code="idempotency_conflict")  # fmt: skip
    read = api.client.get(res.headers["location"], headers=api.auth("auditor")).json()
    assert read["outcome"] == doc["outcome"] and read["reasons"] == doc["reasons"]
    _problem(api.client.get("/api/v1/decisions/underwriting/APP-NONE", headers=api.auth("admin")), 404)


def test_a_bad_form_names_the_field_and_never_echoes_the_value(api: Api) -> None:
    bad = {**form(2), "id_number": "x" * 40}
    doc = _problem(api.client.post("/api/v1/applications", json={"customer_id": "C-A-2", "form": bad},
                                   headers=api.auth("checkout")), 422, field="form.id_number")  # fmt: skip
    assert "x" * 40 not in str(doc)
    missing = {k: v for k, v in form(3).items() if k != "phone"}
    _problem(api.client.post("/api/v1/applications", json={"customer_id": "C-A-3", "form": missing},
                             headers=api.auth("checkout")), 422, field="form.phone")  # fmt: skip
    future = {**form(5), "applied_at": "2026-07-01T10:00:00+08:00"}
    _problem(api.client.post("/api/v1/applications", json={"customer_id": "C-A-5", "form": future},
                             headers=api.auth("checkout")), 422, field="form.applied_at")  # fmt: skip
    _problem(api.client.post("/api/v1/applications", json={"form": form(4)}, headers=api.auth("checkout")), 422,
             field="customer_id")  # fmt: skip


def test_a_disclosure_leads_with_the_annualised_rate_in_both_languages(api: Api) -> None:
    res = api.client.post("/api/v1/disclosures", json={"amount_minor": 300_000, "periods": 3},
                          headers=api.auth("customer"))  # fmt: skip
    assert res.status_code == 200, res.text
    doc = res.json()
    assert doc["amount_minor"] == 300_000 and doc["periods"] == 3 and len(doc["installments"]) == 3
    assert doc["text"]["zh"].startswith("年化") and doc["text"]["en"].startswith("Annualised")
    assert doc["total_repayable_minor"] == 300_000 + doc["total_cost_minor"]
    _problem(api.client.post("/api/v1/disclosures", json={"amount_minor": 1.5, "periods": 3},
                             headers=api.auth("customer")), 422, field="amount_minor")  # fmt: skip
    _problem(api.client.post("/api/v1/disclosures", json={"amount_minor": 100, "periods": 3, "product": "x.json"},
                             headers=api.auth("customer")), 422, field="product")  # fmt: skip


def test_hardship_request_read_accept_and_track(api: Api) -> None:
    api.be.send(h.SubmitHardshipRequest("t-hs-4", "L-DEMO-4", TODAY, "agent", "job_loss_or_pay_cut", 300_000,
                                        200_000, False))  # fmt: skip
    api.be.send(h.GenerateHardshipOptions("t-hs-4", TODAY))
    read = api.client.get("/api/v1/hardship/requests/t-hs-4", headers=api.auth("collector")).json()
    offered = [o["option_id"] for o in read["options"] if o.get("available")]
    assert offered and read["plans"] == []
    _problem(api.client.post("/api/v1/hardship/requests/t-hs-4/acceptance", json={"option_id": "NOPE"},
                             headers=api.auth("collector")), 422, field="option_id")  # fmt: skip
    res = api.client.post("/api/v1/hardship/requests/t-hs-4/acceptance", json={"option_id": offered[0]},
                          headers=api.auth("collector"))  # fmt: skip
    assert res.status_code == 201, res.text
    assert res.json()["plan"]["approved_by"] == "agent" and res.json()["plan"]["status"] == "active"
    after = api.client.get("/api/v1/hardship/requests/t-hs-4", headers=api.auth("collector")).json()
    assert [p["option_id"] for p in after["plans"]] == [offered[0]]
    tracked = api.client.post("/api/v1/hardship/tracking", json={}, headers=api.auth("supervisor")).json()
    assert any(p["request_id"] == "t-hs-4" for p in tracked["items"])
    # C-DEMO-1's key: L-DEMO-4 is another customer's line -> 404, the same as a request that does not exist
    other = api.client.get("/api/v1/hardship/requests/t-hs-4", headers=api.auth("customer"))
    missing = api.client.get("/api/v1/hardship/requests/none", headers=api.auth("customer"))
    assert _problem(other, 404) == _problem(missing, 404)


def test_a_contact_the_conduct_rules_forbid_is_refused_naming_the_rule(api: Api) -> None:
    body = {"debtor_contacts": ["debtor-mobile"], "third_parties": ["ref-1"]}
    assert api.client.put("/api/v1/collections/cases/L-DEMO-5", json=body,
                          headers=api.auth("collector")).status_code == 200  # fmt: skip
    ok = api.client.post("/api/v1/collections/cases/L-DEMO-5/contacts", json=contact_body(10),
                         headers=api.auth("collector", **{"Idempotency-Key": "c-ok-1"}))  # fmt: skip
    assert ok.status_code == 201, ok.text
    assert ok.json()["attempt_id"] == "c-ok-1" and ok.json()["party"] == "debtor"
    retry = api.client.post("/api/v1/collections/cases/L-DEMO-5/contacts", json=contact_body(10),
                            headers=api.auth("collector", **{"Idempotency-Key": "c-ok-1"}))  # fmt: skip
    assert retry.status_code == 201 and retry.json() == ok.json()  # the same attempt, recorded once
    other = {**contact_body(10), "outcome": "connected"}
    _problem(api.client.post("/api/v1/collections/cases/L-DEMO-5/contacts", json=other,
                             headers=api.auth("collector", **{"Idempotency-Key": "c-ok-1"})), 409,
             code="idempotency_conflict")  # fmt: skip
    night = _problem(api.client.post("/api/v1/collections/cases/L-DEMO-5/contacts", json=contact_body(23, days_back=1),
                                     headers=api.auth("collector")), 409)  # fmt: skip
    assert str(night["code"]).startswith("conduct.") and night["field"] == "at"
    _problem(api.client.post("/api/v1/collections/cases/L-DEMO-5/contacts", json={**contact_body(), "channel": "fax"},
                             headers=api.auth("collector")), 422, field="channel")  # fmt: skip
    ahead = api.client.post("/api/v1/collections/cases/L-DEMO-5/contacts", json=contact_body(10, days_back=-1),
                            headers=api.auth("collector"))  # fmt: skip
    _problem(ahead, 422, field="at")
    _problem(api.client.post("/api/v1/collections/cases/L-DEMO-6/contacts", json=contact_body(),
                             headers=api.auth("collector")), 404, field="line_id")  # fmt: skip
    _problem(api.client.put("/api/v1/collections/cases/L-DEMO-5", json={"debtor_contacts": []},
                            headers=api.auth("collector")), 422, field="debtor_contacts")  # fmt: skip


def test_a_customer_files_and_reads_a_dispute_an_agent_resolves_it_and_the_reply_is_bilingual(api: Api) -> None:
    body = {"line_id": "L-DEMO-1", "months": ["2026-03"], "field": "status"}
    res = api.client.post("/api/v1/credit-disputes", json=body,
                          headers=api.auth("customer", **{"Idempotency-Key": "d-1"}))  # fmt: skip
    assert res.status_code == 201, res.text
    assert res.json()["status"] == "open" and res.json()["channel"] == "customer" and res.json()["reply"] is None
    assert api.client.get("/api/v1/credit-disputes/d-1", headers=api.auth("customer")).json()["dispute_id"] == "d-1"
    again = api.client.post(
        "/api/v1/credit-disputes", json=body, headers=api.auth("customer", **{"Idempotency-Key": "d-1"})
    )
    assert again.status_code == 201 and again.json() == res.json()
    other = api.client.get("/api/v1/credit-disputes/d-1", headers={"Authorization": f"Bearer {api.keys['other']}"})
    _problem(other, 404)
    _problem(api.client.post("/api/v1/credit-disputes", json={**body, "line_id": "L-DEMO-2"},
                             headers=api.auth("customer")), 404)  # fmt: skip
    _problem(api.client.post("/api/v1/credit-disputes", json={**body, "months": ["2026-13"]},
                             headers=api.auth("customer")), 422, field="months.0")  # fmt: skip
    _problem(api.client.post("/api/v1/credit-disputes", json={**body, "months": ["2027-01"]},
                             headers=api.auth("customer")), 422, field="months")  # fmt: skip
    done = api.client.post("/api/v1/credit-disputes/d-1/resolution", json={"outcome": "confirmed"},
                           headers=api.auth("supervisor"))  # fmt: skip
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "closed" and done.json()["reply"]["zh"] and done.json()["reply"]["en"]
    _problem(api.client.post("/api/v1/credit-disputes/d-1/resolution", json={"outcome": "confirmed"},
                             headers=api.auth("supervisor")), 422, field="dispute_id")  # fmt: skip
    _problem(api.client.post("/api/v1/credit-disputes/d-1/resolution", json={"outcome": "maybe"},
                             headers=api.auth("supervisor")), 422, field="outcome")  # fmt: skip


def test_a_simulation_runs_as_a_job_with_progress_and_a_result(api: Api) -> None:
    pytest.importorskip("numpy")
    res = api.client.post("/api/v1/simulations", json={"customers": 20, "months": 1, "seed": 3},
                          headers=api.auth("analyst"))  # fmt: skip
    assert res.status_code == 202, res.text
    url = res.headers["location"]
    assert url == res.json()["url"] and res.json()["status"] in ("queued", "running")
    deadline = time.monotonic() + 60
    while True:
        job = api.client.get(url, headers=api.auth("analyst")).json()
        if job["status"] not in ("queued", "running") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert job["status"] == "succeeded", job
    assert job["progress"]["done"] == job["progress"]["total"] == 20
    assert job["result"]["customers"] == 20 and job["result"]["journal_balanced"] is True
    _problem(api.client.post("/api/v1/simulations", json={"customers": 100_000}, headers=api.auth("analyst")), 422,
             field="customers")  # fmt: skip
    _problem(api.client.get("/api/v1/simulations/abc123", headers=api.auth("analyst")), 404)
    _problem(api.client.post("/api/v1/simulations", json={"start": "0001-01-01"}, headers=api.auth("analyst")), 422,
             field="start")  # fmt: skip
