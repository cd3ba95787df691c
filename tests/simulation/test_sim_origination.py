"""A small run's origination outputs (issue #13): no personal data in Parquet, the evaluation reads them."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from creditloop.bootstrap import build_memory
from creditloop.simulate.fraud_eval import evaluate, fraud_signal_flags
from creditloop.simulate.runner import SimConfig, Simulation
from creditloop.simulate.scenario import load_scenario

SEED = 12
PERSONAL = ("name", "id_number", "phone", "device_id", "birth_date", "employer", "employer_address", "city")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Simulation]:
    out = tmp_path_factory.mktemp("origination")
    sim = Simulation(SimConfig(600, 4, SEED, load_scenario("baseline")), build_memory().bus, out)
    sim.run()
    return out, sim


def test_no_personal_field_or_value_reaches_a_parquet_file(run: tuple[Path, Simulation]) -> None:
    out, sim = run
    secrets = {v for cu in sim.customers for v in (cu.name, cu.id_number, cu.phone, cu.device_id)}
    for path in out.glob("*.parquet"):
        table = pq.read_table(path)
        assert not set(table.column_names) & set(PERSONAL), f"seed {SEED}: {path.name}"
        for column in table.columns:
            if str(column.type) == "string":
                assert not set(column.to_pylist()) & secrets, f"seed {SEED}: {path.name}"


def test_applications_carry_the_decision_columns(run: tuple[Path, Simulation]) -> None:
    out, _ = run
    apps = pq.read_table(out / "applications.parquet").to_pylist()
    assert apps
    for a in apps:
        assert a["decision"] in ("approve", "refer", "decline")
        assert a["approved"] == (a["decision"] == "approve")
        assert isinstance(a["check_flags"], str)
        assert (a["pd"] is None) == (a["model_version"] is None)
        assert a["channel"] in ("app", "checkout", "web", "partner") and a["requested_limit_minor"] >= 100_000


def test_the_evaluation_counts_every_application_once(run: tuple[Path, Simulation]) -> None:
    out, _ = run
    result = evaluate(out)
    apps = pq.read_table(out / "applications.parquet").num_rows
    counted = result["genuine"]["applications"] + result["fraud"]["applications"]
    assert counted == apps == sum(p["applications"] for p in result["policies"])
    for kind in result["fraud_kinds"].values():
        assert 0 <= kind["flagged"] <= kind["applications"] and 0.0 <= kind["recall"] <= 1.0
    for policy in result["policies"]:
        assert 0.0 <= policy["approval_rate"] <= 1.0 and policy["loss_rate_12m"] >= 0.0


def test_age_bounds_are_eligibility_not_fraud_signals() -> None:
    assert fraud_signal_flags("AGE_BELOW_MIN") == []
    assert fraud_signal_flags("AGE_BELOW_MIN,ID_CHECK_DIGIT") == ["ID_CHECK_DIGIT"]
    assert fraud_signal_flags("AGE_SECTOR_INCONSISTENT") == ["AGE_SECTOR_INCONSISTENT"]
    assert fraud_signal_flags("") == [] and fraud_signal_flags(None) == []
