"""The four lists the review found unbounded page like the others: ``limit`` (1..200) and ``cursor`` in, ``items``
and ``next_cursor`` out; every item exactly once, in a stable order, across pages; a bad page size is 422 naming
``limit``. Its own book (SQLite, and PostgreSQL with ``CREDITLOOP_TEST_POSTGRES_URL``: keyset order by code point on
both): the tests add alerts, hardship requests and plans."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from creditloop.app import commands as c
from creditloop.app import hardship_commands as h
from creditloop.app.alert_views import list_alerts
from creditloop.app.dashboard_views import hardship_queue
from creditloop.config import Settings
from creditloop.entrypoints.api.app import create_app
from creditloop.entrypoints.api.backend import Backend
from creditloop.entrypoints.api.demo import issue_keys, seed_book
from creditloop.entrypoints.api.settings import ApiSettings

from .conftest import TODAY, Api, FixedClock, _postgres

V1 = "/api/v1"
# Raised out of id order; the capital one sorts first by code point, not where a locale collation puts it.
ALERTS = [*(f"pg-alert-{k:02d}" for k in (7, 3, 11, 1, 9, 5, 2)), "PG-Alert-00"]
REQUESTS = [f"pg-hs-{n}" for n in (5, 2, 6, 4, 3)]  # one per line L-DEMO-n
PLANNED = ["pg-hs-3", "pg-hs-4", "pg-hs-5"]  # lines 3, 4 and 5 owe: options are available for them only


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    if request.param == "sqlite":
        yield from _book(Settings(data_dir=tmp_path_factory.mktemp("pages"), database_url=None))
    else:
        for settings in _postgres():
            yield from _book(settings)


def _book(settings: Settings) -> Iterator[Api]:
    be = Backend(settings, FixedClock())
    seed_book(be)
    app = create_app(api=ApiSettings(rate_burst=100_000), backend=be)
    made = Api(app, TestClient(app), be, issue_keys(be))
    for k, alert_id in enumerate(ALERTS):
        made.be.send(c.RaiseAlert(alert_id, f"L-DEMO-{k % 6 + 1}", f"pg_rule_{k}", "pg", "1", TODAY, "medium",
                                  ("missed_payment",), (("dpd", 1.0),)))  # fmt: skip
    for request_id in REQUESTS:
        made.be.send(h.SubmitHardshipRequest(request_id, f"L-DEMO-{request_id[-1]}", TODAY, "agent",
                                             "job_loss_or_pay_cut", 300_000, 200_000, False))  # fmt: skip
        made.be.send(h.GenerateHardshipOptions(request_id, TODAY))
    with made.client:
        yield made


def _walk(api: Api, method: str, path: str, limit: int, role: str, **params: Any) -> tuple[list[Any], int]:
    """Every page from the first to ``next_cursor`` null: the items in page order and how many pages."""
    items: list[Any] = []
    cursor, pages = None, 0
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        if method == "GET":
            res = api.client.get(f"{V1}{path}", params=query, headers=api.auth(role))
        else:
            res = api.client.post(f"{V1}{path}", params=query, json={}, headers=api.auth(role))
        assert res.status_code == 200, res.text
        body = res.json()
        assert len(body["items"]) <= limit
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages


def test_alerts_page_by_alert_id_each_exactly_once(api: Api) -> None:
    items, pages = _walk(api, "GET", "/alerts", 3, "analyst")
    ids = [a["alert_id"] for a in items]
    assert ids == sorted(ids) and len(ids) == len(set(ids))  # stable (alert id) order, none twice
    assert set(ALERTS) <= set(ids) and {"demo-alert-1"} <= set(ids)
    assert ids[0] == "PG-Alert-00" and len(ids) == 9 and pages == 3  # 8 raised here + the demo's: 3 + 3 + 3
    whole = api.client.get(f"{V1}/alerts", params={"limit": 200}, headers=api.auth("analyst")).json()
    assert [a["alert_id"] for a in whole["items"]] == ids and whole["next_cursor"] is None
    one_line, _ = _walk(api, "GET", "/alerts", 1, "analyst", line_id="L-DEMO-1")
    assert [a["alert_id"] for a in one_line] == ["pg-alert-02", "pg-alert-07"]  # k = 6 and 0 went to L-DEMO-1


def test_the_store_reads_only_the_page(api: Api) -> None:
    # The view asks the store for limit + 1 rows after the key: the store's LIMIT, not a slice of everything.
    page = api.be.read(list_alerts, None, None, "pg-alert-02", 2)
    assert [a["alert_id"] for a in page] == ["pg-alert-03", "pg-alert-05"]
    assert [r["request_id"] for r in api.be.read(hardship_queue, "pg-hs-2", 2)] == ["pg-hs-3", "pg-hs-4"]


def test_the_hardship_queue_pages_by_request_id(api: Api) -> None:
    items, pages = _walk(api, "GET", "/dashboard/hardship/queue", 2, "supervisor")
    assert [r["request_id"] for r in items] == sorted(REQUESTS) and pages == 3
    first = api.client.get(f"{V1}/dashboard/hardship/queue", params={"limit": 2}, headers=api.auth("supervisor"))
    assert first.json()["approval_role"] == "manager"  # the envelope keeps its own member beside the page


def test_the_collections_queue_pages_in_working_order(api: Api) -> None:
    items, pages = _walk(api, "GET", "/collections/queue", 1, "collector")
    whole = api.client.get(f"{V1}/collections/queue", params={"limit": 200}, headers=api.auth("collector")).json()
    ids = [i["line_id"] for i in items]
    assert ids == [i["line_id"] for i in whole["items"]] and len(ids) == len(set(ids)) == pages
    assert set(ids) == {"L-DEMO-3", "L-DEMO-4", "L-DEMO-5"}  # the lines that did not pay in full: overdue


def test_tracking_goes_through_every_active_plan_once_in_batches(api: Api) -> None:
    for request_id in PLANNED:
        view = api.client.get(f"{V1}/hardship/requests/{request_id}", headers=api.auth("supervisor")).json()
        option = next(o["option_id"] for o in view["options"] if o.get("available"))
        res = api.client.post(f"{V1}/hardship/requests/{request_id}/acceptance", json={"option_id": option},
                              headers=api.auth("admin"))  # fmt: skip
        assert res.status_code == 201, res.text
    items, pages = _walk(api, "POST", "/hardship/tracking", 2, "supervisor")
    plans = [p["plan_id"] for p in items]
    assert sorted(p["request_id"] for p in items) == PLANNED and pages == 2  # 2 + 1
    assert plans == sorted(plans) and len(plans) == len(set(plans)) == 3
    assert all(p["tracked_on"] == TODAY.isoformat() for p in items)  # each tracked, not only listed
    one = api.client.post(f"{V1}/hardship/tracking", params={"limit": 1}, json={"plan": plans[-1]},
                          headers=api.auth("supervisor")).json()  # fmt: skip
    assert [p["plan_id"] for p in one["items"]] == [plans[-1]] and one["next_cursor"] is None
    left = api.client.get(f"{V1}/dashboard/hardship/queue", headers=api.auth("supervisor")).json()
    assert [r["request_id"] for r in left["items"]] == ["pg-hs-2", "pg-hs-6"]  # accepted ones left


LISTS = [("GET", "/alerts", "analyst"), ("GET", "/collections/queue", "collector"),
         ("GET", "/dashboard/hardship/queue", "supervisor"), ("POST", "/hardship/tracking", "supervisor")]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "role"), LISTS)
def test_a_bad_page_size_or_cursor_is_422_naming_the_field(api: Api, method: str, path: str, role: str) -> None:
    offset = base64.urlsafe_b64encode(b"o:2").decode().rstrip("=")
    keyset = base64.urlsafe_b64encode(b"k:pg").decode().rstrip("=")
    foreign = keyset if path == "/collections/queue" else offset  # the other kind of cursor is not this list's
    cases = [({"limit": 0}, "limit"), ({"limit": 201}, "limit"), ({"limit": "ten"}, "limit"),
             ({"cursor": "garbage!"}, "cursor"), ({"cursor": foreign}, "cursor"),
             ({"cursor": "x" * 161}, "cursor")]  # fmt: skip
    for params, field in cases:
        res = api.client.request(method, f"{V1}{path}", params=params, json={} if method == "POST" else None,
                                 headers=api.auth(role))  # fmt: skip
        assert res.status_code == 422, (path, params, res.text)
        assert (res.json()["code"], res.json()["field"]) == ("invalid_input", field), (path, params)
        assert "Traceback" not in res.text
