"""``/portfolio`` over HTTP: ECL by stage and stage movements of the demo book's stored panel (after its shock,
lines move from stage 1 to 2 and the stages add up to the total), balance-weighted delinquency and rolls by month
with the shock month, a configured simulation data directory giving what ``creditloop risk ecl`` gives, and bad
input answered with a problem naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creditloop.config import Settings
from creditloop.entrypoints.api.app import create_app
from creditloop.entrypoints.api.backend import Backend
from creditloop.entrypoints.api.demo import issue_keys
from creditloop.entrypoints.api.demo_dashboard import seed_all
from creditloop.entrypoints.api.settings import ApiSettings

from .conftest import Api, FixedClock

PROBLEM = "application/problem+json"
# line, month end, status, dpd, balance, past due, limit (a simulation's snapshot columns, ECL's subset)
SIM_ROWS = [
    *[("A", f"2024-0{m}-{d}", "ACTIVE", 0, 100_000, 0, 500_000) for m, d in ((1, 31), (2, 29), (3, 31), (4, 30))],
    ("B", "2024-01-31", "ACTIVE", 0, 200_000, 0, 300_000),
    ("B", "2024-02-29", "ACTIVE", 15, 210_000, 20_000, 300_000),
    ("B", "2024-03-31", "FROZEN", 45, 220_000, 40_000, 300_000),
    ("B", "2024-04-30", "FROZEN", 75, 230_000, 60_000, 300_000),
    *[("C", f"2024-0{m}-{d}", "ACTIVE", 0, 50_000, 0, 100_000) for m, d in ((1, 31), (2, 29), (3, 31), (4, 30))],
]


def _simulation_dir(directory: Path) -> Path:
    pa = pytest.importorskip("pyarrow")
    pytest.importorskip("ibis", reason="a data directory is read with the 'analytics' extra")
    import pyarrow.parquet as pq

    cols = list(zip(*SIM_ROWS, strict=True))
    months = [date.fromisoformat(v) for v in cols[1]]
    n = len(SIM_ROWS)
    table = pa.table({
        "line_id": pa.array(cols[0]), "month_end_on": pa.array(months, pa.date32()),
        "vintage": pa.array(["2024-01"] * n), "mob": pa.array([m.month for m in months], pa.int64()),
        "status": pa.array(cols[2]), "dpd": pa.array(cols[3], pa.int64()),
        "balance_minor": pa.array(cols[4], pa.int64()), "charged_off_minor": pa.array([0] * n, pa.int64()),
        "statement_due_minor": pa.array([0] * n, pa.int64()), "past_due_minor": pa.array(cols[5], pa.int64()),
        "limit_minor": pa.array(cols[6], pa.int64()), "restructured": pa.array([False] * n, pa.bool_()),
    })  # fmt: skip
    pq.write_table(table, directory / "snapshots.parquet")
    return directory


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    data: Path = tmp_path_factory.mktemp("portfolio")
    be = Backend(Settings(data_dir=data, database_url=None), FixedClock())
    seed_all(be)
    app = create_app(api=ApiSettings(rate_burst=100_000), backend=be)
    made = Api(app, TestClient(app), be, issue_keys(be))
    with made.client:
        yield made


def _get(api: Api, path: str, role: str = "analyst") -> Any:
    res = api.client.get(f"/api/v1{path}", headers=api.auth(role))
    assert res.status_code == 200, res.text
    return res.json()


def test_ecl_by_stage_of_the_stored_book(book: Api) -> None:
    doc = _get(book, "/portfolio/ecl")
    assert (doc["schema"], doc["source"], doc["on"], doc["available"]) == ("creditloop.portfolio.ecl/1", "book",
                                                                           "2026-05-31", True)  # fmt: skip
    stages = {r["stage"]: r for r in doc["stages"]}
    total = stages.pop("total")
    for key in ("accounts", "ead_minor", "ecl_minor"):
        assert total[key] == sum(r[key] for r in stages.values())
    assert stages[1]["accounts"] > 0 and stages[2]["accounts"] > 0  # the shock's non-payers are 30+ DPD: stage 2
    assert 0 < stages[1]["coverage"] < stages[2]["coverage"] <= 1  # a lifetime loss covers more than 12 months'
    assert total["coverage"] == round(total["ecl_minor"] / total["ead_minor"], 6)
    assert [s["name"] for s in doc["parameters"]["scenarios"]] == ["upside", "baseline", "downside"]  # ecl_scenarios_v2
    # the stored panel carries no payments: the default chain (auto) is the count chain, and says so
    assert doc["parameters"]["segment_by"] == "none"
    assert _get(book, "/portfolio/ecl?segment_by=auto") == _get(book, "/portfolio/ecl?segment_by=none") == doc
    moves = doc["stage_movements"]
    assert {m["month_end_on"] for m in moves} == set(doc["month_ends"][1:])
    into_two = [m for m in moves if (m["from_stage"], m["to_stage"]) == (1, 2)]
    assert into_two and min(m["month_end_on"] for m in into_two) == "2026-04-30"  # the month after the shock
    last = [m for m in moves if m["month_end_on"] == doc["on"] and m["to_stage"] is not None]
    assert sum(m["accounts"] for m in last) == total["accounts"]  # every line on the book came from somewhere


def test_ecl_at_an_earlier_month_and_the_same_for_an_auditor(book: Api) -> None:
    before = _get(book, "/portfolio/ecl?on=2026-03-31", role="auditor")
    assert before["on"] == "2026-03-31" and before["month_ends"][-1] == "2026-03-31"
    assert {r["stage"] for r in before["stages"] if r["accounts"]} == {1, "total"}  # nothing 30+ before the shock


def test_analytics_by_month_balance_weighted_with_the_shock(book: Api) -> None:
    doc = _get(book, "/portfolio/analytics", role="supervisor")
    assert doc["shock_months"] == ["2026-03"]
    months = [r["month"] for r in doc["delinquency"]]
    assert months == ["2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
    assert doc["delinquency"][2]["dpd30_balance_rate"] == 0.0 < doc["delinquency"][-1]["dpd30_balance_rate"]
    rolls = {(r["month"], r["bucket"]): r for r in doc["rolls_by_month"]}
    shock = rolls[("2026-03", "M0")]  # March's current balance: part of it rolls forward by April
    assert shock["roll_forward_rate"] > 0 and rolls[("2026-01", "M0")]["roll_forward_rate"] == 0.0
    for r in doc["rolls_by_month"]:
        shares = [r[k] for k in ("roll_forward_rate", "stay_rate", "cure_rate")]
        assert r["balance_minor"] == 0 or abs(sum(shares) - 1) < 1e-5


def test_bad_input_is_a_problem_naming_the_field(book: Api) -> None:
    for query, status, field in [("on=2026-01-15", 422, "on"), ("on=2025-12-31", 422, "on"),
                                 ("on=1900-01-31", 422, "on"), ("on=not-a-day", 422, None),
                                 ("source=elsewhere", 422, None), ("source=data_dir", 404, "source")]:  # fmt: skip
        res = book.client.get(f"/api/v1/portfolio/ecl?{query}", headers=book.auth("analyst"))
        assert res.status_code == status and res.headers["content-type"] == PROBLEM, (query, res.text)
        assert field is None or res.json()["field"] == field
    refused = book.client.get("/api/v1/portfolio/ecl", headers=book.auth("collector"))
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


MONTH_ENDS = [date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30),
              date(2026, 5, 31)]  # fmt: skip


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(on=st.one_of(st.sampled_from(MONTH_ENDS), st.dates()), source=st.sampled_from(["book", "data_dir"]))
def test_any_reporting_date_is_an_answer_or_a_problem_never_a_5xx(book: Api, on: date, source: str) -> None:
    res = book.client.get(f"/api/v1/portfolio/ecl?on={on.isoformat()}&source={source}", headers=book.auth("admin"))
    if source == "book" and on in MONTH_ENDS[1:]:
        stages = {r["stage"]: r for r in res.json()["stages"]}
        assert res.status_code == 200 and stages["total"]["accounts"] == sum(stages[s]["accounts"] for s in (1, 2, 3))
    else:
        assert res.status_code in (404, 422) and res.headers["content-type"] == PROBLEM, res.text


def test_an_empty_book_says_why_there_is_no_ecl(tmp_path: Path) -> None:
    be = Backend(Settings(data_dir=tmp_path, database_url=None), FixedClock())
    app = create_app(api=ApiSettings(rate_burst=100_000), backend=be)
    with TestClient(app) as client:
        res = client.get("/api/v1/portfolio/ecl", headers={"Authorization": f"Bearer {issue_keys(be)['analyst']}"})
    doc = res.json()
    assert res.status_code == 200 and doc["available"] is False and doc["stages"] == [] and "no stored" in doc["reason"]


def test_a_configured_data_directory_gives_what_the_cli_gives(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from creditloop.entrypoints.cli.main import app as cli

    sim = _simulation_dir(tmp_path)
    be = Backend(Settings(data_dir=tmp_path / "ledger", database_url=None), FixedClock())
    app = create_app(api=ApiSettings(rate_burst=100_000, portfolio_dir=sim), backend=be)
    with TestClient(app) as client:
        res = client.get("/api/v1/portfolio/ecl?source=data_dir", headers={"X-API-Key": issue_keys(be)["admin"]})
    assert res.status_code == 200, res.text
    doc = res.json()
    import json

    out = CliRunner().invoke(cli, ["risk", "ecl", "--data-dir", str(sim), "--json"])
    assert out.exit_code == 0, out.stderr
    want = {r["stage"]: (r["accounts"], r["ead_minor"], r["ecl_minor"]) for r in json.loads(out.stdout)["by_stage"]}
    assert {r["stage"]: (r["accounts"], r["ead_minor"], r["ecl_minor"]) for r in doc["stages"]} == want
    assert doc["source"] == "data_dir" and want[2][0] == 1  # B at 75 DPD: the 30-DPD backstop


@pytest.mark.postgres
def test_the_ecl_of_the_demo_book_is_the_same_on_postgresql(book: Api) -> None:
    from .conftest import _postgres

    for pg in _postgres():
        be = Backend(pg, FixedClock())
        seed_all(be)
        client = TestClient(create_app(backend=be))
        got = client.get("/api/v1/portfolio/ecl", headers={"X-API-Key": issue_keys(be)["analyst"]}).json()
        assert got["stages"] == _get(book, "/portfolio/ecl")["stages"] and got["stage_movements"]
