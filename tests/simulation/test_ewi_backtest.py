"""The early-warning back-test on a small simulation (issue 14): the panel a simulation gives, the outcomes it is
measured against, the replay, and ``creditloop ewi backtest``."""

from __future__ import annotations

import itertools
import json
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from creditloop.adapters.warehouse.ewi_backtest import (
    AlertHit,
    backtest,
    current_rule_alerts,
    measure,
    panel_features,
    reference_features,
)
from creditloop.adapters.warehouse.ewi_outcomes import _outcome, line_outcomes
from creditloop.adapters.warehouse.sim_panel import NO_SHOCK, DeclaredShock, sim_panel
from creditloop.bootstrap import build_memory
from creditloop.entrypoints.cli.main import app
from creditloop.monitoring.alert_rules import default_alert_rules
from creditloop.monitoring.features import default_feature_set
from creditloop.monitoring.panel import PANEL_COLUMNS
from creditloop.simulate.runner import SimConfig, Simulation
from creditloop.simulate.scenario import load_scenario

SHOCK = DeclaredShock(("retail_hospitality",), 6, 9)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ewi") / "pandemic"
    Simulation(SimConfig(600, 14, 5, load_scenario("pandemic")), build_memory().bus, out).run()
    return out


def test_panel_rows_follow_the_snapshots_stop_at_charge_off_and_are_contiguous(run: Path) -> None:
    panel = sim_panel(run, SHOCK)
    snaps = {
        (r[0], r[1]): r[2:]
        for r in duckdb.sql(
            f"SELECT line_id, month_end_on, dpd, balance_minor, status FROM '{run / 'snapshots.parquet'}'"
        ).fetchall()
    }
    for account, rows in panel.items():
        assert list(rows[0]) == [c.name for c in PANEL_COLUMNS]
        months = [r["month_end_on"] for r in rows]
        assert all((b.year - a.year) * 12 + b.month - a.month == 1 for a, b in itertools.pairwise(months))
        for r in rows:
            dpd, balance, status = snaps[(account, r["month_end_on"])]
            assert (r["dpd"], r["balance_minor"]) == (dpd, balance) and status in ("ACTIVE", "FROZEN")
    charged = {a for (a, _), (_, _, s) in snaps.items() if s == "CHARGED_OFF"}
    assert all(a not in panel or all(snaps[(a, r["month_end_on"])][2] != "CHARGED_OFF" for r in panel[a])
               for a in charged)  # fmt: skip


def test_panel_spend_payments_and_declared_shock(run: Path) -> None:
    panel = sim_panel(run, SHOCK)
    events = duckdb.sql(
        f"SELECT line_id, last_day(occurred_on), sum(amount_minor) FROM '{run / 'events.parquet'}' "
        "WHERE kind = 'purchase' GROUP BY ALL"
    ).fetchall()
    spend = {(a, m): s for a, m, s in events}
    rows = [r for rs in panel.values() for r in rs]
    assert all(r["spend_minor"] == spend.get((r["account_id"], r["month_end_on"]), 0) for r in rows)
    assert all(r["payments"] > 0 for r in rows if r["last_payment_on"] == r["month_end_on"])
    sectors = dict(
        duckdb.sql(f"SELECT 'L-' || customer_id, stated_sector FROM '{run / 'applications.parquet'}'").fetchall()
    )
    for r in rows:  # declared: stated sector in the window, never who was really hit
        in_window = date(2024, 6, 1) <= r["month_end_on"] <= date(2024, 9, 30)
        assert r["shock"] is (in_window and sectors[r["account_id"]] == "retail_hospitality")
    assert all(r["shock"] is None for rs in sim_panel(run).values() for r in rs)
    assert not any(r["shock"] for rs in sim_panel(run, NO_SHOCK).values() for r in rs)


def test_first_missed_due_date_is_the_onset_of_the_episode_that_reached_30_plus() -> None:
    series = [(date(2024, 1, 31), 21), (date(2024, 2, 29), 0), (date(2024, 3, 31), 21), (date(2024, 4, 30), 51)]
    o = _outcome("L-1", series)
    assert (o.missed_on, o.first_bad_on) == (date(2024, 3, 10), date(2024, 4, 30))
    assert o.bad_within(date(2024, 3, 31), 30) and not o.bad_within(date(2024, 4, 30), 90)
    assert _outcome("L-2", [(date(2024, 1, 31), 21), (date(2024, 2, 29), 0)]).missed_on is None


def test_the_window_counts_an_alert_about_the_episode_the_target_counts_any_earlier_one() -> None:
    """Missed on 2024-06-10, first 30+ at 2024-07-31. An alert a year before counts for the target (first alert
    >= 30 days ahead) but not for the 30-120-day window; an alert 41 days ahead counts for both; one after the
    first 30+ month end counts for neither."""
    bad = [*((date(2024, m, 28), 0) for m in (1, 2, 3, 4)), (date(2024, 5, 31), 0), (date(2024, 6, 30), 20)]
    bad.append((date(2024, 7, 31), 51))
    outcomes = {
        "old": _outcome("old", bad),
        "fresh": _outcome("fresh", bad),
        "late": _outcome("late", bad),
        "good": _outcome("good", [(date(2024, 5, 31), 0)]),
    }
    assert outcomes["old"].missed_on == date(2024, 6, 10)
    hits = [
        AlertHit("old", date(2023, 6, 30), "R"),
        AlertHit("fresh", date(2024, 2, 29), "R"),  # 102 days: in the window, and the first alert
        AlertHit("fresh", date(2024, 4, 30), "R"),
        AlertHit("late", date(2024, 7, 31), "R"),
        AlertHit("good", date(2024, 5, 31), "R"),
    ]
    m = measure("p", hits, outcomes, {date(2024, 5, 31): 4}, 90)
    assert (m.bad_lines, m.warned_early, m.warned_window) == (3, 2, 1)
    assert m.window_share == pytest.approx(1 / 3)


def test_backtest_measures_both_policies_on_the_same_lines(run: Path) -> None:
    result = backtest(run, default_alert_rules(), default_feature_set(), shock=SHOCK)
    ours, current = result.policies
    bad = sum(1 for o in line_outcomes(run).values() if o.missed_on is not None)
    assert ours.bad_lines == current.bad_lines == bad > 0
    assert current.alerts == len(current_rule_alerts(run, 10))
    for p in result.policies:
        assert sum(p.lead_bins.values()) == bad
        assert 0 <= p.precision <= 1 and 0 <= p.rate_mean <= p.rate_max <= 1
        assert sum(p.by_month.values()) == p.alerts
        assert 0 <= p.warned_window <= p.bad_lines
    assert result.shock_months == (date(2024, 6, 30), date(2024, 7, 31), date(2024, 8, 31), date(2024, 9, 30))
    assert {s.rule_id for s in result.sweep} == {"EWI_PAY_RATIO_LOW", "EWI_PARTIAL_STREAK", "EWI_UTILISATION_HIGH"}


def test_cli_json_and_a_bad_rule_file(run: Path, tmp_path: Path) -> None:
    ok = CliRunner().invoke(app, ["ewi", "backtest", "--data-dir", str(run), "--json"])
    assert ok.exit_code == 0, ok.output
    payload = json.loads(ok.stdout)
    assert [p["policy"] for p in payload["policies"]] == ["ewi@1", "current single rule"]
    assert payload["shock_months"] == ["2024-06-30", "2024-07-31", "2024-08-31", "2024-09-30"]
    # the packaged behaviour score is used by default: its rule fires; `--model none` silences it
    default_score = [s["alerts"] for s in payload["sweep"] if s["rule_id"] == "EWI_SCORE_HIGH"]
    assert default_score[0] > 0
    off = CliRunner().invoke(app, ["ewi", "backtest", "--data-dir", str(run), "--model", "none", "--json"])
    assert off.exit_code == 0, off.output
    assert [s["alerts"] for s in json.loads(off.stdout)["sweep"] if s["rule_id"] == "EWI_SCORE_HIGH"] == []
    bad = tmp_path / "rules.json"
    doc = json.loads((Path(__file__).parents[2] / "src/creditloop/monitoring/alert_rules/ewi_v1.json").read_text())
    doc["rules"][2]["feature"] = "mood"
    bad.write_text(json.dumps(doc))
    refused = CliRunner().invoke(app, ["ewi", "backtest", "--data-dir", str(run), "--rules", str(bad)])
    assert refused.exit_code == 2 and "rules[2].feature" in refused.output
    missing = CliRunner().invoke(app, ["ewi", "backtest", "--data-dir", str(tmp_path)])
    assert missing.exit_code == 2 and "--data-dir" in missing.output


def test_backtest_features_from_duckdb_equal_the_reference(run: Path) -> None:
    panel = sim_panel(run, SHOCK)
    fs = default_feature_set()
    sql, scores = panel_features(panel, fs)
    assert scores is None and sql.keys() == panel.keys()
    ref = reference_features(panel, fs)
    for account, months in ref.items():
        for got, want in zip(sql[account], months, strict=True):
            assert got.keys() == want.keys()
            for name, value in want.items():
                assert (got[name] is None and value is None) or got[name] == pytest.approx(value, abs=1e-9), name


def test_panel_file_score_fit_and_the_score_rule_in_the_backtest(run: Path, tmp_path: Path) -> None:
    panel_file, model = tmp_path / "panel.parquet", tmp_path / "score.json"
    made = CliRunner().invoke(app, ["ewi", "panel", "--data-dir", str(run), "--out", str(panel_file), "--json"])
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["rows"] == sum(len(r) for r in sim_panel(run).values())
    fit = CliRunner().invoke(app, ["ewi", "score", "fit", "--panel", str(panel_file), "--out", str(model)])
    assert fit.exit_code == 0, fit.output
    ok = CliRunner().invoke(app, ["ewi", "backtest", "--data-dir", str(run), "--model", str(model), "--json"])
    assert ok.exit_code == 0, ok.output
    payload = json.loads(ok.stdout)
    scored = [s for s in payload["sweep"] if s["rule_id"] == "EWI_SCORE_HIGH"]
    assert [s["threshold"] for s in scored] == [0.05, 0.1, 0.15, 0.2, 0.3, 0.4]
    assert scored[0]["alerts"] >= scored[-1]["alerts"] and scored[0]["alerts"] > 0  # lower bar, more alerts
    doc = json.loads(model.read_text())
    doc["metadata"]["feature_set"] = "behaviour@9"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(doc))
    refused = CliRunner().invoke(app, ["ewi", "backtest", "--data-dir", str(run), "--model", str(other)])
    assert refused.exit_code == 2 and "--model" in refused.output and "behaviour@9" in refused.output


def test_report_charts_the_back_test_of_the_run(run: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    ok = CliRunner().invoke(app, ["report", "--data-dir", str(run), "--out", str(out)])
    assert ok.exit_code == 0, ok.output
    html = out.read_text("utf-8")
    # 8 portfolio charts, 2 IFRS 9 (ECL exposure and stage flows), 2 early warning
    assert 'id="chart-ewi-lead"' in html and 'id="chart-ewi-volume"' in html and html.count("<svg") == 12
