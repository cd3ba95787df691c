"""The early-warning back-test on a hand-made panel file (issue 14): lead time, precision, base rate, alert rate
and the sweep worked out by hand, the shock months from the panel's own flag, and no single-rule comparison; and
``creditloop ewi backtest --panel`` end to end (one source only, missing months refused naming the account)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from creditloop.adapters.files.panel import read_panel
from creditloop.adapters.warehouse.ewi_backtest import result_dict
from creditloop.adapters.warehouse.ewi_panel_backtest import NO_CURRENT_RULE, panel_backtest
from creditloop.entrypoints.cli.main import app
from creditloop.monitoring.alert_rules import load_alert_rules
from creditloop.monitoring.features import default_feature_set

MONTHS = [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30), date(2024, 5, 31),
          date(2024, 6, 30)]  # fmt: skip
HIGH, LOW = 95_000, 50_000  # balance against a 100,000 limit: utilisation 0.95 / 0.5
# account -> (balance, dpd) per month
ACCOUNTS = {
    # alerted 2024-02-29; first miss 2024-04-10 (dpd 20 at 04-30), 30+ from 05-31: lead 41 days
    "A": [(LOW, 0), (HIGH, 0), (LOW, 0), (LOW, 20), (LOW, 50), (LOW, 80)],
    "B": [(LOW, 0), (LOW, 0), (HIGH, 0), (LOW, 0), (LOW, 0), (LOW, 0)],  # alerted 03-31, never behind
    "C": [(LOW, 0), (LOW, 0), (LOW, 0), (LOW, 40), (LOW, 70), (LOW, 100)],  # missed 03-21, never alerted
    "D": [(LOW, 0)] * 6,
}
RULES = {
    "rule_set_id": "t", "version": "1", "feature_set": "behaviour@1", "cooldown_days": 90,
    "rules": [{"rule_id": "UTIL", "feature": "utilisation", "op": "ge", "threshold": 0.9, "severity": "low",
               "also": [{"feature": "dpd", "op": "le", "threshold": 30}], "sweep": [0.9, 0.99]}],
}  # fmt: skip


def write_panel(path: Path, accounts: dict[str, list[tuple[int, int]]] = ACCOUNTS) -> Path:
    rows = [
        {"account_id": a, "month_end_on": m, "dpd": dpd, "limit_minor": 100_000, "balance_minor": bal,
         "shock": a == "B" and m == MONTHS[2]}
        for a, series in accounts.items() for m, (bal, dpd) in zip(MONTHS, series, strict=False)
    ]  # fmt: skip
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def write_rules(path: Path) -> Path:
    path.write_text(json.dumps(RULES), encoding="utf-8")
    return path


def test_measures_on_a_hand_made_panel(tmp_path: Path) -> None:
    fs = default_feature_set()
    rules = load_alert_rules(write_rules(tmp_path / "rules.json"), fs)
    path = write_panel(tmp_path / "panel.parquet")
    result = panel_backtest(read_panel(path), str(path), rules, fs, horizon_days=120)
    (main,) = result.policies
    assert (result.lines, result.line_months) == (4, 24)
    assert (main.bad_lines, main.warned_early, main.early_share) == (2, 1, 0.5)
    assert main.lead_quantiles["p50"] == 41.0
    assert main.lead_bins["30-59"] == 1 and main.lead_bins["no alert"] == 1
    assert (main.first_alerts, main.precision) == (2, 0.5)  # A's alert is followed by 30+ within 120 days, B's not
    assert main.alerts == 2 and main.by_month[MONTHS[1]] == 1 and main.by_month[MONTHS[2]] == 1
    assert main.rate_max == 0.25 and abs(main.rate_mean - 1 / 12) < 1e-12
    # open line-months not yet 30+: A 4, B 6, C 3, D 6; reaching 30+ within 120 days: A Feb-Apr, C Jan-Mar
    assert abs(result.base_rate - 6 / 19) < 1e-12
    assert result.shock_months == (MONTHS[2],)
    assert [(s.threshold, s.measure.alerts) for s in result.sweep] == [(0.9, 2), (0.99, 0)]
    payload = result_dict(result)
    assert payload["panel"] == str(path) and "data_dir" not in payload
    assert NO_CURRENT_RULE in payload["notes"]


def test_accounts_past_due_at_entry_are_measured_apart(tmp_path: Path) -> None:
    fs = default_feature_set()
    rules = load_alert_rules(write_rules(tmp_path / "rules.json"), fs)
    late = [(LOW, 45), (LOW, 75), (LOW, 0), (LOW, 0), (LOW, 0), (LOW, 0)]  # missed before the panel began
    path = write_panel(tmp_path / "panel.parquet", ACCOUNTS | {"E": late})
    result = panel_backtest(read_panel(path), str(path), rules, fs, horizon_days=120)
    everyone, current = result.policies
    assert (everyone.bad_lines, everyone.warned_early, everyone.lead_bins["no alert"]) == (3, 1, 2)
    assert current.policy == "t@1, current at entry"
    assert (current.bad_lines, current.warned_early, current.early_share) == (2, 1, 0.5)
    assert current.by_month[MONTHS[0]] == 0 and current.rate_max == 0.25  # E's months leave the denominator
    assert any("1 accounts are past due at their first month" in n for n in result.notes)


def test_a_30_plus_after_the_last_row_is_not_seen(tmp_path: Path) -> None:
    fs = default_feature_set()
    rules = load_alert_rules(write_rules(tmp_path / "rules.json"), fs)
    path = write_panel(tmp_path / "panel.parquet", {"A": ACCOUNTS["A"][:4]})  # ends at dpd 20
    (main,) = panel_backtest(read_panel(path), str(path), rules, fs).policies
    assert main.bad_lines == 0 and main.first_alerts == 1 and main.precision == 0.0


def invoke(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, ["ewi", "backtest", *args])
    return res.exit_code, res.stdout, res.stderr


def test_panel_json_and_table(tmp_path: Path) -> None:
    panel, rules = write_panel(tmp_path / "p.parquet"), write_rules(tmp_path / "r.json")
    code, stdout, _ = invoke("--panel", str(panel), "--rules", str(rules), "--horizon-days", "120", "--json")
    assert code == 0
    got = json.loads(stdout)
    (main,) = got["policies"]
    assert (main["policy"], main["bad_lines"], main["warned_early"], main["precision"]) == ("t@1", 2, 1, 0.5)
    assert got["shock_months"] == ["2024-03-31"] and got["lines"] == 4
    assert any("alerts.parquet" in n for n in got["notes"])
    code, stdout, _ = invoke("--panel", str(panel))  # packaged rules, text output
    assert code == 0 and "ewi@1" in stdout and "alerts.parquet" in stdout and "2024-03 *" in stdout


def test_missing_months_exit_2_naming_the_account(tmp_path: Path) -> None:
    path = tmp_path / "gap.parquet"
    pq.write_table(pa.table({"account_id": ["gap-7", "gap-7"], "month_end_on": [MONTHS[0], MONTHS[2]],
                             "dpd": [0, 0]}), path)  # fmt: skip
    code, stdout, stderr = invoke("--panel", str(path), "--json")
    assert code == 2 and stdout == ""
    assert "--panel" in stderr and "missing months" in stderr and "account gap-7" in stderr


def test_exactly_one_source(tmp_path: Path) -> None:
    panel = write_panel(tmp_path / "p.parquet")
    assert invoke("--json")[0] == 2
    code, _, stderr = invoke("--panel", str(panel), "--data-dir", str(tmp_path))
    assert code == 2 and "exactly one" in stderr
