"""The acceptance route's approval role comes from ``approval_roles.json`` (one source with the dashboard's queue):
a role the file maps is honoured with that authority, a role it does not map approves nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from creditloop.config import Settings
from creditloop.entrypoints.api import approval, routes_workout
from creditloop.entrypoints.api.app import create_app
from creditloop.entrypoints.api.backend import Backend
from creditloop.entrypoints.api.demo import issue_keys
from creditloop.entrypoints.api.demo_dashboard import seed_all
from creditloop.entrypoints.api.settings import ApiSettings

from .conftest import Api, FixedClock

LARGE = "/api/v1/hardship/requests/demo-hardship-2/acceptance"  # a 667-yuan waiver: a team lead's at least


@pytest.fixture
def dash(tmp_path: Path) -> Iterator[Api]:
    be = Backend(Settings(data_dir=tmp_path, database_url=None), FixedClock())
    seed_all(be)
    app = create_app(api=ApiSettings(rate_burst=100_000), backend=be)
    made = Api(app, TestClient(app), be, issue_keys(be))
    with made.client:
        yield made


def test_the_map_is_the_json_file_and_the_route_keeps_no_copy() -> None:
    raw = json.loads(files("creditloop.entrypoints.api").joinpath("approval_roles.json").read_text("utf-8"))
    assert approval.approval_roles() == {k: v for k, v in raw.items() if not k.startswith("_")}
    assert approval.approval_roles()["supervisor"] == "manager"
    assert not hasattr(routes_workout, "APPROVER")


def test_a_role_is_accepted_with_the_authority_the_json_gives_it(dash: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    past = dash.client.post(LARGE, json={"option_id": "PW"}, headers=dash.auth("collector"))  # collector -> agent
    assert past.status_code == 409 and "past the authority of agent; it needs team_lead" in past.json()["detail"]
    # Edit the map (as an edit of the file would): collector now acts as team_lead, and the route follows it.
    monkeypatch.setattr(approval, "approval_roles", lambda: {"collector": "team_lead", "supervisor": "manager"})
    ok = dash.client.post(LARGE, json={"option_id": "PW"}, headers=dash.auth("collector"))
    assert ok.status_code == 201 and ok.json()["plan"]["approved_by"] == "team_lead"


def test_a_role_without_an_approval_role_is_refused(dash: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    url = "/api/v1/hardship/requests/demo-hardship-1/acceptance"
    assert dash.client.post(url, json={"option_id": "PW"}, headers=dash.auth("auditor")).status_code == 403
    # Allowed by the authz matrix but missing from the map: a 403 naming the role, not a 500; nothing is accepted.
    monkeypatch.setattr(approval, "approval_roles", lambda: {"collector": "agent"})
    res = dash.client.post(url, json={"option_id": "PW"}, headers=dash.auth("admin"))
    assert res.status_code == 403 and res.json()["code"] == "forbidden" and "'admin'" in res.json()["detail"]
    queue = dash.client.get("/api/v1/dashboard/hardship/queue", headers=dash.auth("collector")).json()["items"]
    assert [r["request_id"] for r in queue] == ["demo-hardship-1", "demo-hardship-2"]
