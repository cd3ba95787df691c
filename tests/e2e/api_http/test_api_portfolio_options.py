"""``GET /portfolio/ecl?source=data_dir`` with ``creditloop risk ecl``'s options: ``own_lgd``, ``own_ccf`` and
``segment_by`` give the very figures and parameter blocks of ``risk ecl --json`` with the same flags on the same
data directory, each option set is its own cache entry, and a bad value is a 422 problem naming the parameter
(docs/api.md "Portfolio analytics and ECL")."""

from __future__ import annotations

import calendar
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from creditloop.config import Settings
from creditloop.entrypoints.api import routes_portfolio
from creditloop.entrypoints.api.app import create_app
from creditloop.entrypoints.api.backend import Backend
from creditloop.entrypoints.api.demo import issue_keys
from creditloop.entrypoints.api.settings import ApiSettings

from .conftest import FixedClock

PROBLEM = "application/problem+json"
ENDS = [date(2024, m, calendar.monthrange(2024, m)[1]) for m in range(1, 9)]  # 2024-01-31 .. 2024-08-31
LIMIT = 100_000


def _active(balance: int, dpd: tuple[int, ...] = (0,) * 8) -> list[tuple[Any, ...]]:
    """(status, dpd, balance, past due, charged off) per month 1..8."""
    return [("ACTIVE", d, balance, 0 if d <= 0 else balance // 10, 0) for d in dpd]


def _charged_off(drawn: int, co_month: int, exposure: int, owed_later: dict[int, int]) -> list[tuple[Any, ...]]:
    """Drawn ``drawn`` from month 1 (the cohort start: charge-off within 12 months), 30 and 60 DPD in the two
    months before ``co_month``, charged off then with ``exposure``; ``owed_later``: what is still owed by month."""
    out: list[tuple[Any, ...]] = []
    owed = exposure
    for m in range(1, 9):
        if m < co_month - 2:
            out.append(("ACTIVE", 0, drawn, 0, 0))
        elif m < co_month:
            dpd = 30 * (m - co_month + 3)
            out.append(("ACTIVE", dpd, exposure, exposure // 5, 0))
        else:
            owed = owed_later.get(m, owed)
            out.append(("CHARGED_OFF", 180, 0, 0, owed))
    return out


LINES: dict[str, list[tuple[Any, ...]]] = {
    **{f"low{i}": _active(10_000 + i) for i in range(3)},  # u<30: never behind
    **{f"mid{i}": _active(50_000 + i) for i in range(3)},  # u30-70
    "high0": _active(90_000),
    "high1": _active(85_000, (0, 0, 0, 0, 0, 20, 50, 80)),  # u70+ lines fall behind: stage 2 at month 8
    "high2": _active(95_000, (0, 0, 0, 0, 10, 40, 70, 100)),
    # charged off: undrawn limit at the cohort start, drawn up before charge-off, part recovered afterwards
    "co1": _charged_off(40_000, 5, 95_000, {6: 80_000}),
    "co2": _charged_off(30_000, 6, 70_000, {8: 60_000}),
    "co3": _charged_off(50_000, 7, 100_000, {}),
    "co4": _charged_off(100_000, 7, 105_000, {}),  # fully drawn at the start: no undrawn limit, not in the own CCF
}


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pa = pytest.importorskip("pyarrow")
    pytest.importorskip("ibis", reason="a data directory is read with the 'analytics' extra")
    import pyarrow.parquet as pq

    recs = [(line, ENDS[k], *row) for line, rows in LINES.items() for k, row in enumerate(rows)]
    n = len(recs)
    cols = list(zip(*recs, strict=True))
    table = pa.table({
        "line_id": pa.array(cols[0]), "month_end_on": pa.array(cols[1], pa.date32()),
        "vintage": pa.array(["2024-01"] * n), "mob": pa.array([d.month for d in cols[1]], pa.int64()),
        "status": pa.array(cols[2]), "dpd": pa.array(cols[3], pa.int64()),
        "balance_minor": pa.array(cols[4], pa.int64()), "past_due_minor": pa.array(cols[5], pa.int64()),
        "charged_off_minor": pa.array(cols[6], pa.int64()), "limit_minor": pa.array([LIMIT] * n, pa.int64()),
        "statement_due_minor": pa.array([0] * n, pa.int64()), "restructured": pa.array([False] * n, pa.bool_()),
        # a current month is a paid one, except on co4, which never pays (the never-paid layer of segment_by=payment)
        "paid_minor": pa.array([1_000 if dpd == 0 and status == "ACTIVE" and line != "co4" else 0
                                for line, status, dpd in zip(cols[0], cols[2], cols[3], strict=True)], pa.int64()),
    })  # fmt: skip
    directory = tmp_path_factory.mktemp("ecl_options")
    pq.write_table(table, directory / "snapshots.parquet")
    return directory


@pytest.fixture
def api(sim: Path, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], Any]]:
    be = Backend(Settings(data_dir=tmp_path / "ledger", database_url=None), FixedClock())
    app = create_app(api=ApiSettings(rate_burst=100_000, portfolio_dir=sim), backend=be)
    with TestClient(app) as client:
        yield client, {"X-API-Key": issue_keys(be)["analyst"]}, app


def _cli(sim: Path, *flags: str) -> dict[str, Any]:
    from typer.testing import CliRunner

    from creditloop.entrypoints.cli.main import app as cli

    out = CliRunner().invoke(cli, ["risk", "ecl", "--data-dir", str(sim), "--json", *flags])
    assert out.exit_code == 0, out.output
    doc: dict[str, Any] = json.loads(out.stdout)
    return doc


FIGURES = ("accounts", "ead_minor", "ecl_minor", "ecl_12m_minor")
SHARED = ("version", "lgd_version", "lgd", "lgd_source", "own_lgd", "ccf", "own_ccf", "segment_by")
OPTION_SETS = [  # (query, CLI flags); no segment_by is auto, here payment (the snapshots carry paid_minor)
    ("", ()),
    ("&own_lgd=true", ("--own-lgd",)),
    ("&own_ccf=true", ("--own-ccf",)),
    ("&segment_by=utilisation", ("--segment-by", "utilisation")),
    ("&segment_by=none", ("--segment-by", "none")),
    ("&own_lgd=true&own_ccf=true&segment_by=utilisation", ("--own-lgd", "--own-ccf", "--segment-by", "utilisation")),
]


def test_the_options_give_the_figures_of_risk_ecl_with_the_same_flags(
    sim: Path, api: tuple[TestClient, dict[str, str], Any]
) -> None:
    client, headers, _ = api
    totals = {}
    for query, flags in OPTION_SETS:
        res = client.get(f"/api/v1/portfolio/ecl?source=data_dir{query}", headers=headers)
        assert res.status_code == 200, (query, res.text)
        doc, want = res.json(), _cli(sim, *flags)
        assert doc["on"] == want["on"] == "2024-08-31"
        got_stages = {r["stage"]: tuple(r[k] for k in FIGURES) for r in doc["stages"]}
        assert got_stages == {r["stage"]: tuple(r[k] for k in FIGURES) for r in want["by_stage"]}, query
        assert {k: doc["parameters"][k] for k in SHARED} == {k: want["parameters"][k] for k in SHARED}, query
        totals[query] = got_stages["total"][2]
    base, own_lgd, own_ccf, segmented, counted, every = (totals[q] for q, _ in OPTION_SETS)
    assert len({base, own_lgd, own_ccf, segmented, counted, every}) == 6  # each option moves the ECL
    auto = client.get("/api/v1/portfolio/ecl?source=data_dir", headers=headers).json()
    payment = client.get("/api/v1/portfolio/ecl?source=data_dir&segment_by=payment", headers=headers).json()
    assert auto["parameters"]["segment_by"] == "payment" and auto["stages"] == payment["stages"]
    assert own_ccf > base  # the book's charge-offs drew far more than 0.20 of their undrawn limit
    params = client.get(f"/api/v1/portfolio/ecl?source=data_dir{OPTION_SETS[-1][0]}", headers=headers).json()[
        "parameters"
    ]
    # co1, co2 and co3 had undrawn limit at the cohort start; co4 was fully drawn, so the own CCF counts 3 lines
    assert params["own_ccf"]["lines"] == 3 and params["version"].endswith("+own-ccf")
    assert params["own_lgd"]["lines"] == 4 and params["lgd_source"] == "own_experience"
    assert params["segment_by"] == "utilisation"
    assert params["own_lgd"]["own_lgd"] == pytest.approx(1 - 25_000 / 370_000)  # 15,000 + 10,000 recovered


def test_each_option_set_is_its_own_cache_entry(
    api: tuple[TestClient, dict[str, str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, headers, app = api
    calls: list[tuple[str, bool]] = []
    real = routes_portfolio.ecl_view

    def counted(inputs: Any, source: str, on: Any = None, **options: Any) -> dict[str, Any]:
        calls.append((options.get("segment_by", "none"), options.get("loss_at") is not None))
        return real(inputs, source, on, **options)

    monkeypatch.setattr(routes_portfolio, "ecl_view", counted)
    first = {}
    for query, _ in OPTION_SETS:
        first[query] = client.get(f"/api/v1/portfolio/ecl?source=data_dir{query}", headers=headers).json()
    assert len(calls) == len(OPTION_SETS) == len(app.state.ecl_cache)
    for query, _ in reversed(OPTION_SETS):  # every repeat is served from its own entry, never another option set's
        assert client.get(f"/api/v1/portfolio/ecl?source=data_dir{query}", headers=headers).json() == first[query]
    assert len(calls) == len(OPTION_SETS) and app.state.ecl_cache.hits == len(OPTION_SETS)
    # the explicit defaults are the same entry as no options at all
    same = client.get("/api/v1/portfolio/ecl?source=data_dir&own_lgd=false&own_ccf=false&segment_by=auto",
                      headers=headers)  # fmt: skip
    assert same.json() == first[""] and len(calls) == len(OPTION_SETS)
    # ecl_view is given the chain auto resolved to: payment, as the snapshots carry paid_minor
    assert calls == [("payment", False), ("payment", True), ("payment", True), ("utilisation", False),
                     ("none", False), ("utilisation", True)]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("source=data_dir&own_lgd=maybe", "own_lgd"),
        ("source=data_dir&own_ccf=2", "own_ccf"),
        ("source=data_dir&segment_by=grade", "segment_by"),
        ("source=data_dir&segment_by=", "segment_by"),
        ("own_lgd=true", "own_lgd"),  # the stored book's panel has no charge-off amounts
        ("own_ccf=true", "own_ccf"),
        ("segment_by=utilisation", "segment_by"),
    ],
)
def test_a_bad_option_is_a_422_problem_naming_the_parameter(
    api: tuple[TestClient, dict[str, str], Any], query: str, field: str
) -> None:
    client, headers, _ = api
    res = client.get(f"/api/v1/portfolio/ecl?{query}", headers=headers)
    assert res.status_code == 422 and res.headers["content-type"] == PROBLEM, res.text
    doc = res.json()
    assert doc["field"] == field and doc["code"] == "invalid_input" and doc["detail"].startswith(f"{field}:")
    assert "Traceback" not in res.text


def test_payment_on_snapshots_without_payments_is_a_422_and_auto_falls_back(sim: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    bare = tmp_path / "no_payments"
    bare.mkdir()
    pq.write_table(pq.read_table(sim / "snapshots.parquet").drop_columns(["paid_minor"]), bare / "snapshots.parquet")
    be = Backend(Settings(data_dir=tmp_path / "ledger", database_url=None), FixedClock())
    app = create_app(api=ApiSettings(rate_burst=100_000, portfolio_dir=bare), backend=be)
    with TestClient(app) as client:
        headers = {"X-API-Key": issue_keys(be)["analyst"]}
        res = client.get("/api/v1/portfolio/ecl?source=data_dir&segment_by=payment", headers=headers)
        assert res.status_code == 422 and res.headers["content-type"] == PROBLEM, res.text
        assert res.json()["field"] == "segment_by" and "paid_minor" in res.json()["detail"]
        auto = client.get("/api/v1/portfolio/ecl?source=data_dir", headers=headers)
        assert auto.status_code == 200 and auto.json()["parameters"]["segment_by"] == "none"
        res = client.get("/api/v1/portfolio/ecl?segment_by=payment", headers=headers)  # the stored book: no payments
        assert res.status_code == 422 and res.json()["field"] == "segment_by"
