"""``creditloop ewi score fit | apply`` (issue 14) on a small hand-made panel: a model file that the decision
runtime loads with the feature set's reason codes, an account-level split, and bad panels refused with nothing
written."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from creditloop.entrypoints.cli._behaviour_score import account_split, lift_at
from creditloop.entrypoints.cli.main import app
from creditloop.monitoring.features import default_feature_set
from creditloop.scoring.runtime import load_model

MONTH_ENDS = pd.date_range("2023-01-31", periods=12, freq="ME").date


def invoke(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, ["ewi", "score", *args])
    return res.exit_code, res.stdout, res.stderr


def synthetic_panel(n_accounts: int = 600, seed: int = 7) -> pa.Table:
    """Risky accounts (a third) use more of their limit and pay less, then some fall 30+ behind."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(n_accounts):
        risky = rng.random() < 0.35
        dpd = 0
        for m in MONTH_ENDS:
            limit = 1_000_000
            use = min(1.0, rng.beta(5, 2) if risky else rng.beta(2, 5))
            due = int(use * limit * 0.1)
            paid = int(due * (rng.beta(2, 4) if risky else rng.beta(6, 1)))
            if (risky and rng.random() < 0.15) or (dpd and rng.random() < 0.6):
                dpd += 30
            elif dpd:
                dpd = 0
            rows.append((f"acct-{a:04d}", m, dpd, limit, int(use * limit), due, paid))
    cols = list(zip(*rows, strict=True))
    names = ["account_id", "month_end_on", "dpd", "limit_minor", "balance_minor", "statement_due_minor", "paid_minor"]
    return pa.table(dict(zip(names, cols, strict=True)))


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, object]]:
    folder = tmp_path_factory.mktemp("ewi_score")
    panel = folder / "panel.parquet"
    pq.write_table(synthetic_panel(), panel)
    model = folder / "model.json"
    code, out, err = invoke("fit", "--panel", str(panel), "--out", str(model), "--seed", "3", "--json")
    assert code == 0, err
    return panel, model, json.loads(out)


def test_fit_writes_a_behaviour_score_the_runtime_loads(fitted: tuple[Path, Path, dict[str, object]]) -> None:
    _, model_path, result = fitted
    runtime = load_model(model_path)
    assert runtime.model_id == "behaviour-score"
    reasons = {f.reason for f in default_feature_set().features}
    assert result["reasons"] and set(result["reasons"]) <= reasons  # type: ignore[arg-type]
    test = result["test"]
    assert isinstance(test, dict) and test["auc"] > 0.7 and test["gini"] == pytest.approx(2 * test["auc"] - 1)
    accounts = result["accounts"]
    assert isinstance(accounts, dict) and accounts["test"] == pytest.approx(0.3 * 600, abs=30)
    meta = json.loads(model_path.read_text(encoding="utf-8"))["metadata"]
    assert meta["model_id"] == "behaviour-score" and meta["horizon_months"] == 3 and meta["dpd_threshold"] == 30


def test_apply_scores_each_account_as_of_its_latest_month(
    fitted: tuple[Path, Path, dict[str, object]], tmp_path: Path
) -> None:
    panel, model_path, _ = fitted
    out = tmp_path / "scores.csv"
    code, _, err = invoke("apply", "--panel", str(panel), "--model", str(model_path), "--out", str(out))
    assert code == 0, err
    scores = pd.read_csv(out)
    assert len(scores) == 600 and scores["account_id"].is_unique
    assert set(scores["month_end_on"]) == {str(date(2023, 12, 31))}
    assert scores["pd"].between(0, 1).all()
    reasons = {f.reason for f in default_feature_set().features}
    assert set(scores["reason_1"].dropna()) <= reasons
    assert scores["reason_1_zh"].dropna().str.len().gt(0).all()


def test_a_panel_with_missing_months_is_refused_and_nothing_written(tmp_path: Path) -> None:
    table = synthetic_panel(20)
    keep = [not (a == "acct-0005" and m == date(2023, 6, 30)) for a, m in
            zip(table["account_id"].to_pylist(), table["month_end_on"].to_pylist(), strict=True)]  # fmt: skip
    panel = tmp_path / "gap.parquet"
    pq.write_table(table.filter(pa.array(keep)), panel)
    model = tmp_path / "model.json"
    code, _, err = invoke("fit", "--panel", str(panel), "--out", str(model))
    assert code == 2
    assert "--panel" in err and "month_end_on" in err and "missing months" in err and "acct-0005" in err
    assert not model.exists()


def test_bad_options_are_refused_before_any_work(tmp_path: Path) -> None:
    panel = tmp_path / "p.parquet"
    pq.write_table(synthetic_panel(5), panel)
    code, _, err = invoke("fit", "--panel", str(panel), "--out", str(tmp_path / "m.json"), "--horizon-months", "0")
    assert code == 2 and "--horizon-months" in err
    code, _, err = invoke("fit", "--panel", str(panel), "--out", str(tmp_path / "m.json"), "--test-fraction", "1")
    assert code == 2 and "--test-fraction" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.parquet"]


def test_account_split_keeps_every_month_of_an_account_on_one_side() -> None:
    accounts = pd.Series([f"a{i % 50}" for i in range(500)])
    test = account_split(accounts, 0.3, seed=1)
    sides = pd.DataFrame({"a": accounts, "t": test}).groupby("a")["t"].nunique()
    assert (sides == 1).all()
    assert accounts[test].nunique() == 15
    assert (account_split(accounts, 0.3, seed=1) == test).all()


def test_lift_at_ten_percent() -> None:
    y = np.array([1] * 10 + [0] * 90)
    p = np.linspace(1, 0, 100)  # the ten bads have the highest PDs
    assert lift_at(y, p, 0.10) == pytest.approx(10.0)
