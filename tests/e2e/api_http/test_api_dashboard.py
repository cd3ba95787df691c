"""The dashboard's routes over HTTP: the page and its assets (public, strict CSP, a fixed list), the portfolio
overview of the demo book with its shock, the customer 360, hardship approval by the caller's approval role, and a
contact the conduct rules refuse (409 naming the rules, and recorded as refused)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from creditloop.config import Settings
from creditloop.entrypoints.api.app import create_app
from creditloop.entrypoints.api.backend import Backend
from creditloop.entrypoints.api.demo import issue_keys
from creditloop.entrypoints.api.demo_dashboard import seed_all
from creditloop.entrypoints.api.settings import ApiSettings

from .conftest import Api, FixedClock


@pytest.fixture(scope="module")
def dash(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    data: Path = tmp_path_factory.mktemp("dash")
    be = Backend(Settings(data_dir=data, database_url=None), FixedClock())
    seed_all(be)  # before any other day-end: it closes the portfolio's month ends from the first one
    app = create_app(api=ApiSettings(rate_burst=100_000), backend=be)
    made = Api(app, TestClient(app), be, issue_keys(be))
    with made.client:
        yield made


def test_the_page_and_its_assets_are_public_offline_and_under_a_strict_csp(dash: Api) -> None:
    page = dash.client.get("/dashboard")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "<script>" not in page.text and "http" not in page.text.replace('href="data:,"', "")  # no inline, no CDN
    js = dash.client.get("/dashboard/static/charts.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    for bad in ("../app.py", "..%2Fpages.py", "index.html", "nope.js"):
        res = dash.client.get(f"/dashboard/static/{bad}")
        assert res.status_code == 404 and res.headers["content-type"] == "application/problem+json", bad


def test_portfolio_overview_is_balance_weighted_and_marks_the_shock(dash: Api) -> None:
    doc = dash.client.get("/api/v1/dashboard/portfolio", headers=dash.auth("analyst")).json()
    months = [r["month"] for r in doc["delinquency"]]
    assert months == ["2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
    assert doc["shock_months"] == ["2026-03"] and doc["events"][0]["zh"] == "收入冲击"
    for r in doc["delinquency"]:  # the buckets split the balance exactly; 30+ is M2 and worse
        assert sum(r["buckets"].values()) == r["balance_minor"]
        assert r["dpd30_minor"] == sum(v for b, v in r["buckets"].items() if b not in ("M0", "M1"))
    before, after = doc["delinquency"][2], doc["delinquency"][-1]
    assert before["dpd30_balance_rate"] == 0.0 < after["dpd30_balance_rate"]
    assert {r["bucket"] for r in doc["rolls"]} >= {"M0", "M1"}
    assert {r["vintage"] for r in doc["vintages"]} == set(months)


def test_customer_360_and_an_unknown_customer(dash: Api) -> None:
    doc = dash.client.get("/api/v1/dashboard/customers/C-DEMO-4", headers=dash.auth("collector")).json()
    (line,) = doc["lines"]
    assert line["line"]["line_id"] == "L-DEMO-4" and line["line"]["dpd"] > 90
    assert [a["alert_id"] for a in line["alerts"]] == ["demo-alert-1"]
    assert line["case"] == {"zone": "Asia/Shanghai", "jurisdiction": "cn"}
    res = dash.client.get("/api/v1/dashboard/customers/C-NOBODY", headers=dash.auth("collector"))
    assert res.status_code == 404 and res.json()["code"] == "not_found"


def test_hardship_is_approved_as_the_callers_approval_role(dash: Api) -> None:
    queue = dash.client.get("/api/v1/dashboard/hardship/queue", headers=dash.auth("supervisor")).json()
    waiting = [r["request_id"] for r in queue["items"]]
    assert queue["approval_role"] == "manager" and waiting == ["demo-hardship-1", "demo-hardship-2"]
    large = "/api/v1/hardship/requests/demo-hardship-2/acceptance"  # a 667-yuan waiver: a team lead's at least
    past = dash.client.post(large, json={"option_id": "PW"}, headers=dash.auth("collector"))
    assert past.status_code == 409 and past.json()["code"] == "concession_exceeds_authority"
    assert "past the authority of agent; it needs team_lead" in past.json()["detail"]
    url = "/api/v1/hardship/requests/demo-hardship-1/acceptance"  # the API's route, as the dashboard sends it
    assert dash.client.post(url, json={"option_id": "PW"}, headers=dash.auth("auditor")).status_code == 403
    bad = dash.client.post(url, json={"option_id": "NOPE"}, headers=dash.auth("supervisor"))
    assert bad.status_code == 422 and bad.json()["field"] == "option_id"
    ok = dash.client.post(url, json={"option_id": "PW"}, headers=dash.auth("supervisor"))
    plan = ok.json()["plan"]
    assert ok.status_code == 201 and plan["approved_by"] == "manager" and plan["kind"] == "penalty_waiver"
    again = dash.client.post(url, json={"option_id": "PW"}, headers=dash.auth("collector"))
    assert again.status_code == 409 and again.json()["code"] == "hardship_plan_already_accepted"
    left = dash.client.get("/api/v1/dashboard/hardship/queue", headers=dash.auth("supervisor")).json()["items"]
    assert [r["request_id"] for r in left] == ["demo-hardship-2"]


def test_a_forbidden_contact_is_refused_naming_the_rules_and_recorded(dash: Api) -> None:
    url = "/api/v1/collections/cases/L-DEMO-4/contacts"  # the API's route, as the dashboard sends it
    late = {"contact_id": "debtor-4", "channel": "call", "outcome": "connected", "at": "2026-06-14T23:30:00+08:00"}
    res = dash.client.post(url, json=late, headers=dash.auth("collector"))
    assert res.status_code == 409 and res.headers["content-type"] == "application/problem+json"
    body = res.json()
    assert body["code"] == "conduct.quiet_hours" and body["rules"] == ["conduct.quiet_hours"] and body["field"] == "at"
    assert body["next_allowed_at"] == "2026-06-15T08:00:00+08:00"
    naive = dash.client.post(url, json={**late, "at": "2026-06-14T23:30:00"}, headers=dash.auth("collector"))
    assert naive.status_code == 422 and naive.json()["field"] == "at"
    case = dash.client.get("/api/v1/dashboard/collections/L-DEMO-4/case", headers=dash.auth("collector")).json()
    assert case["parties"] == {"debtor": ["debtor-4"], "third_party": ["third-party-4"]}
    assert [(c["allowed"], c["codes"]) for c in case["contacts"]] == [(False, ["conduct.quiet_hours"])]
    no_case = dash.client.get("/api/v1/dashboard/collections/L-DEMO-1/case", headers=dash.auth("collector"))
    assert no_case.status_code == 404


def test_hostile_contact_times_and_a_broken_events_file_are_4xx_or_ignored(dash: Api) -> None:
    url = "/api/v1/collections/cases/L-DEMO-4/contacts"
    for at in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-06-15T10:00:00+99:00", "yesterday"):
        body = {"contact_id": "debtor-4", "channel": "sms", "outcome": "delivered", "at": at}
        res = dash.client.post(url, json=body, headers=dash.auth("collector"))
        assert res.status_code == 422 and res.json()["field"] == "at", (at, res.text)
    mismatch = {"contact_id": "debtor-4", "channel": "call", "outcome": "delivered", "at": "2026-06-15T10:00:00+08:00"}
    res = dash.client.post(url, json=mismatch, headers=dash.auth("collector"))
    assert res.status_code == 422 and res.json()["field"] == "outcome"
    assert dash.be.data_dir is not None
    events = dash.be.data_dir / "portfolio_events.json"
    kept = events.read_text(encoding="utf-8")
    try:
        events.write_text("{not json", encoding="utf-8")
        doc = dash.client.get("/api/v1/dashboard/portfolio", headers=dash.auth("analyst")).json()
        assert doc["events"] == [] and doc["shock_months"] == [] and len(doc["delinquency"]) == 6
    finally:
        events.write_text(kept, encoding="utf-8")


def test_the_dashboards_reads_are_the_same_on_sqlite_and_postgresql(settings: Settings) -> None:
    be = Backend(settings, FixedClock())
    seed_all(be)
    client, key = TestClient(create_app(backend=be)), issue_keys(be)["admin"]
    get = lambda path: client.get(f"/api/v1/dashboard/{path}", headers={"Authorization": f"Bearer {key}"}).json()  # noqa: E731
    doc = get("portfolio")
    assert [r["month"] for r in doc["delinquency"]][::5] == ["2025-12", "2026-05"]
    assert doc["delinquency"][-1]["dpd30_balance_rate"] > 0
    assert doc["shock_months"] == (["2026-03"] if settings.database_url is None else [])  # marks live in the dir
    assert [e["line"]["line_id"] for e in get("customers/C-PF-202603-1")["lines"]] == ["L-PF-202603-1"]
    assert [r["request_id"] for r in get("hardship/queue")["items"]] == ["demo-hardship-1", "demo-hardship-2"]
