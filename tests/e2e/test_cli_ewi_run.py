"""``creditloop ewi run`` end to end on a SQLite ledger: alerts raised and acted on, a summary, an idempotent re-run,
and bad rule or action files refused with the field named, exit 2, nothing written."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from creditloop.app import commands as c
from creditloop.bootstrap import build
from creditloop.config import Settings
from creditloop.entrypoints.cli.main import app
from creditloop.servicing.credit_line import LineStatus

pytest.importorskip("duckdb")
TEXTS = {"zh": "中文", "en": "English"}
POLICY = {
    "policy_id": "ewi_actions_e2e",
    "version": "1",
    "rule_set": "ewi@1",
    "actions": [
        {"when": {"rule_id": "EWI_PAY_RATIO_LOW"}, "action": "freeze", "notice": TEXTS},
        {"when": {"severity": "medium"}, "action": "reminder", "days_before_due": 3, "message": TEXTS},
    ],
}


def book(data_dir: Path) -> Any:
    """Two lines from 5 Jan 2024: ``ok`` pays its bills in full, ``late`` pays February's and then nothing."""
    bus = build(Settings(data_dir=data_dir)).bus
    for k in ("ok", "late"):
        bus.handle(c.OpenLine(f"L-{k}", k, 500_000, date(2024, 1, 5)))
    for m in (1, 2, 3):
        for k in ("ok", "late"):
            bus.handle(c.Purchase(f"{k}{m}", f"L-{k}", 60_000, 1, date(2024, m, 6)))
        bus.handle(c.RunDayEnd(date(2024, m + 1, 5)))
        for k in ("ok", "late") if m < 3 else ("ok",):
            with bus.uow:
                owed = bus.uow.lines.get(f"L-{k}").amount_due_minor
            bus.handle(c.Repay(f"p{k}{m}", f"L-{k}", owed, date(2024, m + 1, 8)))
    bus.handle(c.RunDayEnd(date(2024, 4, 30)))
    return bus


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, ["ewi", "run", *args])


def status(bus: Any, line_id: str) -> LineStatus:
    with bus.uow:
        return bus.uow.lines.get(line_id).status  # type: ignore[no-any-return]


def test_ewi_run_raises_acts_and_is_idempotent(tmp_path: Path) -> None:
    data = tmp_path / "ledger"
    bus = book(data)
    actions = tmp_path / "actions.json"
    actions.write_text(json.dumps(POLICY), "utf-8")
    args = ["--on", "2024-04-30", "--data-dir", str(data), "--actions", str(actions)]
    res = invoke(*args, "--json")
    assert res.exit_code == 0, (res.stdout, res.stderr)
    summary = json.loads(res.stdout)
    assert summary["lines"] == 2 and summary["panel_rows"] == 8
    # the packaged behaviour score is on by default: the line that stopped paying also trips the score rule
    assert summary["raised"] == [
        {"rule_id": "EWI_PAY_RATIO_LOW", "severity": "medium", "alerts": 1},
        {"rule_id": "EWI_SCORE_HIGH", "severity": "high", "alerts": 1},
    ]
    assert summary["actions"] == [{"action": "freeze", "outcome": "frozen", "alerts": 1}]  # no entry for the score
    assert status(bus, "L-late") is LineStatus.FROZEN and status(bus, "L-ok") is LineStatus.ACTIVE
    with bus.uow:
        assert bus.uow.alerts.for_line("L-ok") == []
        (score_alert,) = [a for a in bus.uow.alerts.for_line("L-late") if a.rule_id == "EWI_SCORE_HIGH"]
    assert score_alert.score is not None and score_alert.score >= 0.2 and score_alert.status == "open"
    again = invoke(*args, "--json")
    assert again.exit_code == 0
    assert json.loads(again.stdout) | {"on": ""} == {
        "on": "", "lines": 2, "panel_rows": 8, "raised": [], "actions": [], "closed": {}
    }  # fmt: skip
    text = invoke(*args)  # the human summary
    assert text.exit_code == 0 and "early warning" in text.stdout and "nothing new" in text.stdout


@pytest.mark.parametrize(
    ("option", "doc", "field"),
    [
        ("--actions", {**POLICY, "actions": [{"when": {"severity": "low"}, "action": "sms", "message": TEXTS}]},
         "actions[0].action"),
        ("--actions", {**POLICY, "actions": [{"when": {"rule_id": "EWI_X"}, "action": "freeze", "notice": TEXTS}]},
         "actions[0].when.rule_id"),
        ("--rules", {"rule_set_id": "ewi", "version": "1", "feature_set": "behaviour@1",
                     "rules": [{"rule_id": "R", "feature": "income", "op": "lt", "threshold": 1, "severity": "low"}]},
         "rules[0].feature"),
    ],
)  # fmt: skip
def test_bad_files_are_refused_naming_the_field_and_nothing_is_written(
    tmp_path: Path, option: str, doc: dict[str, Any], field: str
) -> None:
    data = tmp_path / "ledger"
    bus = book(data)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), "utf-8")
    res = invoke("--on", "2024-04-30", "--data-dir", str(data), option, str(bad))
    assert res.exit_code == 2
    assert field in res.stderr
    with bus.uow:
        assert bus.uow.alerts.unclosed() == []
    assert status(bus, "L-late") is LineStatus.ACTIVE


def test_model_none_turns_the_score_off(tmp_path: Path) -> None:
    data = tmp_path / "ledger"
    book(data)
    res = invoke("--on", "2024-04-30", "--data-dir", str(data), "--model", "none", "--json")
    assert res.exit_code == 0, (res.stdout, res.stderr)
    assert json.loads(res.stdout)["raised"] == [{"rule_id": "EWI_PAY_RATIO_LOW", "severity": "medium", "alerts": 1}]


def model(feature_set: str = "behaviour@1") -> dict[str, Any]:
    """A hand-set one-characteristic behaviour score: a 3-month pay ratio under 0.9 means PD 0.99, else 0.007."""
    pay_ratio = {"name": "pay_ratio_3m", "kind": "numeric", "splits": [0.9], "point_masses": [], "special_codes": [],
                 "points": [-5, 5, 5, 5], "reason_code": "PAYMENT_RATIO_LOW", "coef": 1.0}  # fmt: skip
    return {
        "format": "creditloop.scorecard", "format_version": 1, "model_version": "test",
        "scaling": {"offset": 0.0, "factor": 1.0, "round_points": True}, "calibration": {"a": 0.0, "b": 1.0},
        "n_reasons": 1, "characteristics": [pay_ratio], "metadata": {"feature_set": feature_set},
    }  # fmt: skip


def test_with_a_model_the_score_rule_fires_and_the_packaged_policy_freezes(tmp_path: Path) -> None:
    data = tmp_path / "ledger"
    bus = book(data)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(model("behaviour@9")), "utf-8")
    refused = invoke("--on", "2024-04-30", "--data-dir", str(data), "--model", str(wrong))
    assert refused.exit_code == 2 and "--model" in refused.stderr and "behaviour@9" in refused.stderr
    path = tmp_path / "model.json"
    path.write_text(json.dumps(model()), "utf-8")
    res = invoke("--on", "2024-04-30", "--data-dir", str(data), "--model", str(path), "--json")
    assert res.exit_code == 0, (res.stdout, res.stderr)
    summary = json.loads(res.stdout)
    assert summary["raised"] == [
        {"rule_id": "EWI_PAY_RATIO_LOW", "severity": "medium", "alerts": 1},
        {"rule_id": "EWI_SCORE_HIGH", "severity": "high", "alerts": 1},
    ]
    assert summary["actions"] == [
        {"action": "freeze", "outcome": "frozen", "alerts": 1},
        {"action": "reminder", "outcome": "queued", "alerts": 1},
    ]
    with bus.uow:
        (score_alert,) = [a for a in bus.uow.alerts.for_line("L-late") if a.rule_id == "EWI_SCORE_HIGH"]
    assert score_alert.score is not None and score_alert.score > 0.99
    assert status(bus, "L-late") is LineStatus.FROZEN


def test_ewi_run_with_a_packaged_budgeted_version_counts_what_it_suppresses(tmp_path: Path) -> None:
    data = tmp_path / "ledger"
    bus = book(data)
    res = invoke("--on", "2024-04-30", "--data-dir", str(data), "--rules", "ewi@2", "--json")
    assert res.exit_code == 0, (res.stdout, res.stderr)
    summary = json.loads(res.stdout)
    # ewi@2's budget is 10 % of the lines evaluated: floor(0.1 × 2) = 0, so the qualifying line waits, counted
    assert summary["raised"] == [] and summary["actions"] == []
    assert summary["suppressed_by_budget"] == {
        "lines": 1,
        "alerts": [
            {"rule_id": "EWI_PAY_RATIO_LOW", "severity": "medium", "alerts": 1},
            {"rule_id": "EWI_SCORE_HIGH", "severity": "high", "alerts": 1},
        ],
    }
    assert status(bus, "L-late") is LineStatus.ACTIVE
    with bus.uow:
        assert bus.uow.alerts.for_line("L-late") == []
    bad = invoke("--on", "2024-04-30", "--data-dir", str(data), "--rules", "ewi@9")
    assert bad.exit_code == 2 and "--rules" in bad.stderr + bad.stdout
