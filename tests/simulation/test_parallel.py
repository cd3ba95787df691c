"""Blocks on several cores, merged into one ledger: the same bytes whatever the number of workers."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from creditloop.core.errors import ValidationError
from creditloop.entrypoints.cli.main import app
from creditloop.simulate.parallel import run_simulation
from creditloop.simulate.runner import SimConfig
from creditloop.simulate.scenario import load_scenario

SEED = 5
FILES = (
    "applications.parquet",
    "snapshots.parquet",
    "events.parquet",
    "alerts.parquet",
    "hardship.parquet",
    "actions.parquet",
    "ground_truth.parquet",
    "summary.json",
)


def config(**kw: object) -> SimConfig:
    base: dict[str, object] = {"block_size": 250, "months_per_transaction": 3}
    base.update(kw)
    return SimConfig(600, 5, SEED, load_scenario("pandemic").with_shock_month(2), **base)  # type: ignore[arg-type]


def digests(out: Path) -> dict[str, str]:
    return {f: hashlib.sha256((out / f).read_bytes()).hexdigest() for f in FILES}


@pytest.fixture(scope="module")
def one_and_two(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    a, b = tmp_path_factory.mktemp("w1"), tmp_path_factory.mktemp("w2")
    run_simulation(config(), a, workers=1)
    run_simulation(config(), b, workers=2)
    return a, b


def test_the_number_of_workers_does_not_change_a_byte(one_and_two: tuple[Path, Path]) -> None:
    a, b = one_and_two
    assert digests(a) == digests(b), f"seed {SEED}"
    assert not (a / "blocks").exists() and not (b / "blocks").exists()  # the block files are cleaned up


def test_merged_summary_adds_the_blocks_and_ids_run_on(one_and_two: tuple[Path, Path]) -> None:
    out = one_and_two[0]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["customers"] == 600 and summary["blocks"] == 3 and summary["journal_balanced"] is True
    ids = [r[0] for r in duckdb.sql(f"SELECT customer_id FROM '{out}/ground_truth.parquet' ORDER BY 1").fetchall()]
    assert ids == [f"C{i:07d}" for i in range(1, 601)]
    paid = duckdb.sql(f"SELECT sum(amount_minor) FROM '{out}/events.parquet' WHERE kind = 'repayment'").fetchall()[0]
    assert paid is not None and paid[0] == summary["paid_minor"] > 0
    actions = duckdb.sql(f"SELECT action, count(*) FROM '{out}/actions.parquet' GROUP BY 1 ORDER BY 1").fetchall()
    assert summary["strategy"] == "baseline" and summary["lender_actions"] == dict(actions)
    seqs = [r[0] for r in duckdb.sql(f"SELECT seq FROM '{out}/events.parquet'").fetchall()]
    assert seqs == list(range(1, len(seqs) + 1))  # one sequence over the merged event log


def test_merged_ledger_passes_the_journal_check(one_and_two: tuple[Path, Path]) -> None:
    """Every line's balances rebuilt from the merged journal equal its stored balances; trial balance zero."""
    result = CliRunner().invoke(app, ["journal", "verify", "--data-dir", str(one_and_two[1]), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["ok"] is True and payload["lines_mismatched"] == [] and payload["trial_balance_minor"] == 0


DEFAULT_MONTHS_PER_TRANSACTION = SimConfig.__dataclass_fields__["months_per_transaction"].default


@pytest.mark.parametrize("months", [1, DEFAULT_MONTHS_PER_TRANSACTION])  # a month, and the default (a year)
def test_transaction_length_does_not_change_the_outputs(
    one_and_two: tuple[Path, Path], tmp_path: Path, months: int
) -> None:
    run_simulation(config(months_per_transaction=months), tmp_path, workers=1)
    assert digests(tmp_path) == digests(one_and_two[0])  # made with a quarter per transaction


@pytest.mark.parametrize(
    ("kw", "field"),
    [({"block_size": 0}, "block_size"), ({"months_per_transaction": 0}, "months_per_transaction")],
)
def test_impossible_block_options_are_refused(kw: dict[str, int], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        config(**kw)
    assert err.value.field == field


def test_zero_workers_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as err:
        run_simulation(config(), tmp_path / "out", workers=0)
    assert err.value.field == "workers" and not (tmp_path / "out").exists()
    result = CliRunner().invoke(
        app, ["simulate", "--customers", "10", "--months", "2", "--workers", "0", "--out", str(tmp_path / "cli")]
    )
    assert result.exit_code == 2 and "--workers" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "cli").exists()


def test_a_multi_block_world_is_not_silently_cut_to_its_first_block(tmp_path: Path) -> None:
    from creditloop.bootstrap import build_memory
    from creditloop.simulate.runner import Simulation

    with pytest.raises(ValidationError) as err:
        Simulation(config(), build_memory().bus, tmp_path)
    assert err.value.field == "customers" and "run_simulation" in str(err.value)


def test_strategy_comparison_runs_large_worlds_as_blocks(tmp_path: Path) -> None:
    from creditloop.simulate.compare import compare_strategies

    small = SimConfig(300, 3, SEED, load_scenario("baseline"), block_size=150)
    (outcome,) = compare_strategies(small, ["baseline"], tmp_path)
    summary = json.loads((tmp_path / "baseline" / "summary.json").read_text())
    assert summary["blocks"] == 2 and summary["customers"] == 300
    assert outcome.repaid_minor == summary["paid_minor"] > 0


def test_merged_trial_balance_is_every_merged_posting_summed_again(one_and_two: tuple[Path, Path]) -> None:
    """The merge adds up the blocks' audited sums instead of re-scanning the merged postings: the same figures."""
    import sqlite3

    for out in one_and_two:
        summary = json.loads((out / "summary.json").read_text())
        with sqlite3.connect(out / "ledger.sqlite") as db:
            scanned = db.execute(
                "SELECT account, sum(CASE side WHEN 'D' THEN amount_minor ELSE -amount_minor END) FROM postings "
                "GROUP BY account ORDER BY account"
            ).fetchall()
        assert summary["trial_balance"] == dict(scanned) and sum(dict(scanned).values()) == 0
