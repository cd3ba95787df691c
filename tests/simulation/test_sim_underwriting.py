"""The simulator through DecideApplication (issue #13): genuine applicants look genuine, the learning lender
learns only from what it knew. Seeded, small populations."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from creditloop.bootstrap import build_memory
from creditloop.simulate.fraud_eval import evaluate
from creditloop.simulate.learning import LearningPlan
from creditloop.simulate.runner import SimConfig, Simulation
from creditloop.simulate.scenario import load_scenario
from creditloop.simulate.strategies import Strategy

SEED = 13
# A single 4,000-customer block holds few bads by month 6 (parallel runs pool every block's); the test lowers the
# floor so this block fits its own model, and runs 14 months so month 7's applicants meet it.
PLAN = LearningPlan(fit_after_month=6, min_months_on_book=2, min_bads=5)


def test_at_most_2_percent_of_5000_genuine_applicants_are_flagged(tmp_path: Path) -> None:
    # Two months: every application arrives in month 1 (applications spread over the first half of the horizon).
    Simulation(SimConfig(5_000, 2, SEED, load_scenario("baseline")), build_memory().bus, tmp_path).run()
    result = evaluate(tmp_path)
    genuine = result["genuine"]
    assert genuine["applications"] > 4_800
    assert genuine["false_positive_rate"] <= 0.02, f"seed {SEED}: {genuine}"
    kinds = result["fraud_kinds"]
    assert set(kinds) == {"bad_id", "identity_reuse", "inflated_income", "inconsistent_fields"}
    assert kinds["bad_id"]["recall"] == 1.0 and kinds["bad_id"]["approved"] == 0, f"seed {SEED}: {kinds}"


@pytest.fixture(scope="module")
def learned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("learning")
    strategy = Strategy("learning-test", learning=PLAN)
    Simulation(SimConfig(4_000, 14, SEED, load_scenario("baseline"), strategy=strategy), build_memory().bus, out).run()
    return out


def test_the_learning_lender_deploys_a_scorecard_fitted_on_its_first_cohorts(learned: Path) -> None:
    summary = json.loads((learned / "summary.json").read_text())["learning"]
    plan = PLAN
    assert summary["fit_after_month"] == plan.fit_after_month and summary["model_version"], f"seed {SEED}: {summary}"
    (model_file,) = (learned / "models").glob("*.json")
    doc = json.loads(model_file.read_text())
    assert doc["metadata"]["model_id"] == plan.model_id and doc["model_version"] == summary["model_version"]
    apps = pq.read_table(learned / "applications.parquet").to_pylist()
    cohort = [a for a in apps if a["month_index"] <= plan.fit_after_month - plan.min_months_on_book]
    assert doc["metadata"]["rows"] == sum(a["decision"] == "approve" for a in cohort) == summary["training_rows"]
    assert "age" not in [c["name"] for c in doc["characteristics"]]  # protected: never a feature
    for a in apps:
        if a["month_index"] <= plan.fit_after_month:  # decided before the fit: rules only
            assert a["pd"] is None and a["policy_version"] == "sim-learning@rules"
        else:
            assert a["model_version"] == f"{plan.model_id}@{summary['model_version']}"
            assert a["policy_version"] == f"sim-learning@{summary['model_version']}"
            assert a["pd"] is not None or a["check_flags"]
    assert any(a["month_index"] > plan.fit_after_month for a in apps)
