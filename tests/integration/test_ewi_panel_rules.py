"""Which rules ``ewi backtest --panel`` runs (issue 14): the packaged ewi on a panel with amounts, ewi_status on a
status-only panel (with a note saying so), a packaged set by name, the rules that cannot fire named; and the status
rules measured on a hand-made status panel (DuckDB features, the replay, the measures)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from creditloop.adapters.files.panel import read_panel
from creditloop.adapters.warehouse.ewi_panel_backtest import STATUS_ONLY, has_amounts, panel_backtest
from creditloop.entrypoints.cli.main import app
from creditloop.monitoring.alert_rules import packaged_alert_rules
from creditloop.monitoring.features import default_feature_set

MONTHS = [date(2024, m, d) for m, d in ((1, 31), (2, 29), (3, 31), (4, 30), (5, 31), (6, 30), (7, 31), (8, 31),
                                        (9, 30), (10, 31))]  # fmt: skip
STATUS = {  # account -> dpd per month (Card Approval's buckets: 15 = 1-29 days, 45 = 30-59)
    "new": [0, 0, 0, 0, 0, 0, 15, 45, 75, 75],  # newly late at Jul (first miss Jul 16), 30+ from Aug
    "relapse": [0, 15, 0, 15, 0, 0, 0, 0, 0, 0],  # newly late Feb, relapse Apr; never 30+
    "clean": [0] * 10,
}


def status_panel(path: Path) -> Path:
    rows = [{"account_id": a, "month_end_on": MONTHS[i], "dpd": d} for a, s in STATUS.items() for i, d in enumerate(s)]
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def test_a_status_only_panel_gets_the_status_rules_and_says_so(tmp_path: Path) -> None:
    path = status_panel(tmp_path / "status.parquet")
    table = read_panel(path)
    assert not has_amounts(table)
    result = panel_backtest(table, str(path), None, default_feature_set(), horizon_days=90)
    (main,) = result.policies
    assert main.policy == "ewi_status@1" and STATUS_ONLY in result.notes
    # alerts: new Jul (newly late); relapse Feb (newly late), Apr (relapse)
    assert main.alerts == 3 and main.by_month[MONTHS[6]] == 1 and main.by_month[MONTHS[3]] == 1
    # the one 30+ account was alerted at its first late month end, 15 days after the miss: not early
    assert (main.bad_lines, main.warned_early, main.lead_bins["after missed"]) == (1, 0, 1)
    assert main.lead_quantiles["p50"] == -15.0
    assert (main.first_alerts, main.precision) == (2, 0.5)  # new reaches 30+ within 90 days, relapse does not


def test_explicit_rules_win_and_rules_that_cannot_fire_are_named(tmp_path: Path) -> None:
    path = status_panel(tmp_path / "status.parquet")
    result = panel_backtest(read_panel(path), str(path), packaged_alert_rules("ewi"), default_feature_set())
    assert result.policies[0].policy == "ewi@1" and result.policies[0].alerts == 0
    assert STATUS_ONLY not in result.notes
    (silent,) = [n for n in result.notes if n.startswith("never fire here")]
    assert "EWI_PAY_RATIO_LOW" in silent and "EWI_UTILISATION_HIGH" in silent and "EWI_SCORE_HIGH" not in silent


def test_a_panel_with_amounts_keeps_the_packaged_ewi(tmp_path: Path) -> None:
    path = tmp_path / "amounts.parquet"
    pq.write_table(pa.table({"account_id": ["a", "a"], "month_end_on": MONTHS[:2], "dpd": [0, 0],
                             "limit_minor": [100, 100], "balance_minor": [None, 95]}), path)  # fmt: skip
    table = read_panel(path)
    assert has_amounts(table)
    result = panel_backtest(table, str(path), None, default_feature_set())
    assert result.policies[0].policy == "ewi@1" and STATUS_ONLY not in result.notes


def invoke(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, ["ewi", "backtest", *args])
    return res.exit_code, res.stdout, res.stderr


def test_cli_picks_and_names_rule_sets(tmp_path: Path) -> None:
    panel = status_panel(tmp_path / "status.parquet")
    code, stdout, _ = invoke("--panel", str(panel), "--json")
    assert code == 0
    got = json.loads(stdout)
    assert got["policies"][0]["policy"] == "ewi_status@1" and STATUS_ONLY in got["notes"]
    code, stdout, _ = invoke("--panel", str(panel), "--rules", "ewi_revolving", "--json")
    assert code == 0 and json.loads(stdout)["policies"][0]["policy"] == "ewi_revolving@1"
    code, stdout, stderr = invoke("--panel", str(panel), "--rules", "ewi_nope", "--json")
    assert code == 2 and stdout == "" and "--rules" in stderr and "ewi_nope" in stderr
