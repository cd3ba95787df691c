"""``creditloop gbm fit / score`` end to end: a JSON model file (no pickle) whose scores are the fitted model's,
bad model files and a missing LightGBM as one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ledger_cli import as_a_user, run_in_process

CLI = [sys.executable, "-m", "creditloop"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300, check=False)


def step(*args: str) -> subprocess.CompletedProcess[str]:
    """A step expected to succeed: in-process through ``main.run`` (tests/e2e/ledger_cli.py); ``run`` keeps the
    refusals (exit code, one line, no traceback) in real subprocesses."""
    return run(*args) if as_a_user() else run_in_process(*args)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(5)
    n = 2500
    util = rng.uniform(0, 1.2, n).round(4)
    delinq = rng.poisson(0.6, n)
    region = rng.choice(["north", "south", "west"], n)
    logit = -2 + 2.2 * util + 0.6 * delinq + np.where(region == "west", 0.7, 0)
    frame = pd.DataFrame(
        {
            "utilization": util,
            "delinquencies": delinq,
            "region": region,
            "gender": rng.choice(["f", "m"], n),
            "bad": (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int),
        }
    )
    out = tmp_path_factory.mktemp("gbm")
    frame.to_csv(out / "train.csv", index=False)
    apps = frame.drop(columns="bad").head(40).astype(object)
    apps.loc[0, "region"] = "atlantis"
    apps.to_csv(out / "apps.csv", index=False)
    res = step("gbm", "fit", "--data", str(out / "train.csv"), "--target", "bad", "--out", str(out / "gbm.json"),
              "--categorical", "region", "--n-estimators", "60", "--model-id", "gbm-e2e", "--json")  # fmt: skip
    assert res.returncode == 0, res.stderr
    (out / "fit.json").write_text(res.stdout, encoding="utf-8")
    return out


def test_fit_writes_a_json_model_and_reports_held_out_metrics(folder: Path) -> None:
    result = json.loads((folder / "fit.json").read_text(encoding="utf-8"))
    assert set(result["features"]) == {"utilization", "delinquencies", "region"}
    assert "gender" in result["excluded"]  # protected: never a feature
    assert result["test"]["rows"] == 750 and result["test"]["auc"] > 0.65
    doc = json.loads((folder / "gbm.json").read_text(encoding="utf-8"))
    assert doc["format"] == "creditloop.gbm" and doc["metadata"]["model_id"] == "gbm-e2e"
    assert doc["training"]["holdout"]["test_metrics"]["auc"] == result["test"]["auc"]


def test_score_writes_pd_and_reasons_per_row_and_flags_unseen_categories(folder: Path) -> None:
    res = step("gbm", "score", "--model", str(folder / "gbm.json"), "--data", str(folder / "apps.csv"), "--out",
              str(folder / "scored.csv"), "--json")  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["rows_with_issues"] == 1
    scored = pd.read_csv(folder / "scored.csv")
    assert len(scored) == 40 and scored["pd"].between(0, 1).all()
    assert scored.loc[0, "issues"] == "region: unseen category, scored as missing"
    assert set(scored["reason_1"].dropna()) <= {"utilization", "delinquencies", "region"}
    assert "gender" not in scored.columns and "utilization" not in scored.columns  # no input column copied


def test_a_scorecard_file_scores_through_the_same_command(folder: Path) -> None:
    res = step("scorecard", "fit", "--data", str(folder / "train.csv"), "--target", "bad", "--out",
              str(folder / "sc.json"), "--json")  # fmt: skip
    assert res.returncode == 0, res.stderr
    res = step("gbm", "score", "--model", str(folder / "sc.json"), "--data", str(folder / "apps.csv"), "--out",
              str(folder / "sc_scored.csv"), "--reasons", "2")  # fmt: skip
    assert res.returncode == 0, res.stderr
    scored = pd.read_csv(folder / "sc_scored.csv")
    assert scored["score"].notna().all() and "reason_3" not in scored.columns


def test_a_bad_model_file_is_one_line_and_exit_2(folder: Path) -> None:
    (folder / "bad.json").write_text('{"format": "creditloop.gbm", "format_version": 1}', encoding="utf-8")
    res = run("gbm", "score", "--model", str(folder / "bad.json"), "--data", str(folder / "apps.csv"), "--out",
              str(folder / "x.csv"))  # fmt: skip
    assert res.returncode == 2 and "incomplete or damaged" in res.stderr and "Traceback" not in res.stderr


def test_gbm_fit_without_lightgbm_names_the_extra(folder: Path) -> None:
    script = (
        "import sys; sys.modules['lightgbm'] = None; "
        f"sys.argv = ['creditloop', 'gbm', 'fit', '--data', {str(folder / 'train.csv')!r}, '--target', 'bad', "
        f"'--out', {str(folder / 'lean.json')!r}]; "
        "from creditloop.entrypoints.cli.main import run; run()"
    )
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 2 and "pip install 'creditloop[scoring]'" in res.stderr, res.stderr
    assert not (folder / "lean.json").exists()
