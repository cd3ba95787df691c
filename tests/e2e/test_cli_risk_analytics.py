"""``creditloop risk vintages | rolls | transitions | losses`` as a user runs them on the hand-made book
(tests/conftest.py): the JSON documented in docs/risk.md, ``--by`` choosing the measure, text for people, bad
input refused with exit 2 naming the option."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("ibis", reason="the portfolio analytics need the 'analytics' extra (ibis)")


def cl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "creditloop", "risk", *args], capture_output=True, text=True, timeout=120, check=False
    )


def ok_json(*args: str) -> Any:
    res = cl(*args, "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_vintages_by_balance_and_first_payment_default(analytics_book: Path) -> None:
    doc = ok_json("vintages", "--data-dir", str(analytics_book), "--by", "balance")
    assert (doc["schema"], doc["engine"], doc["by"]) == ("creditloop.risk.vintages/1", "duckdb", "balance")
    apr = next(r for r in doc["tables"]["vintages"] if (r["vintage"], r["mob"]) == ("2024-01", 4))
    assert apr["ever90_exposure_minor"] == 2200 and apr["ever90_balance_rate"] == pytest.approx(0.88, abs=1e-15)
    assert "ever90_rate" not in apr and "lines" not in apr  # --by balance: the count measure is left out
    fpd = doc["tables"]["first_payment_default"]
    assert [(r["vintage"], r["fpd_exposure_minor"]) for r in fpd] == [("2024-01", 2000), ("2024-02", 0)]


def test_transitions_and_losses_json(analytics_book: Path) -> None:
    doc = ok_json("transitions", "--data-dir", str(analytics_book), "--by", "both")
    cell = next(r for r in doc["tables"]["transition_matrix"] if (r["from_state"], r["to_state"]) == ("M0", "M0"))
    assert (cell["lines"], cell["row_lines"], cell["p"], cell["exposure_minor"]) == (3, 6, 0.5, 2500)
    assert cell["p_low"] == pytest.approx(0.187616, abs=1e-6)
    losses = ok_json("losses", "--data-dir", str(analytics_book))["tables"]
    may = next(r for r in losses["net_charge_off"] if r["month_end_on"] == "2024-05-31")
    assert (may["recoveries_minor"], may["net_charge_off_minor"]) == (200, -200)
    assert losses["recovery_curve"][1]["recovered_to_date_minor"] == 200


def test_staging_json_by_both(analytics_book: Path) -> None:
    doc = ok_json("staging", "--data-dir", str(analytics_book), "--by", "both")
    assert doc["schema"] == "creditloop.risk.staging/1"
    april = {r["stage"]: r for r in doc["tables"]["stage_summary"] if r["month_end_on"] == "2024-04-30"}
    assert (april[1]["lines"], april[3]["lines"], april[3]["exposure_minor"]) == (2, 1, 2200)
    assert april[3]["exposure_share"] == pytest.approx(2200 / 2900)
    moves = doc["tables"]["stage_movements"]
    assert {"month_end_on": "2024-04-30", "from_stage": 2, "to_stage": 3, "lines": 1, "exposure_minor": 2200} in moves


def test_rolls_text_for_people(analytics_book: Path) -> None:
    res = cl("rolls", "--data-dir", str(analytics_book), "--lang", "zh")
    assert res.returncode == 0, res.stderr
    assert "滚动率（按月）" in res.stdout and "迁徙率（按月）" in res.stdout
    assert "50.00%" in res.stdout  # January M0: one of two lines rolled to M1


@pytest.mark.parametrize("command", ["vintages", "rolls"])
def test_commands_of_several_tables_print_nothing_on_stderr(analytics_book: Path, command: str) -> None:
    """R6 review: the cached panel was left to ibis's finaliser at exit, whose DROP failed (ibis 12 under sqlglot
    30) and printed a traceback on stderr after a successful run. No traceback ever reaches a user."""
    res = cl(command, "--data-dir", str(analytics_book), "--json")
    assert res.returncode == 0 and json.loads(res.stdout)["tables"]
    assert res.stderr == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["rolls", "--data-dir", "{empty}"], "--data-dir: {empty} has no snapshots.parquet"),
        (["vintages", "--data-dir", "{book}", "--engine", "oracle"], "--engine: unknown engine 'oracle'"),
        (["vintages", "--data-dir", "{book}", "--by", "weight"], "--by: must be one of count, balance, both"),
        (["transitions", "--data-dir", "{book}", "--spark-master", "local[1]"], "--spark-master: only with --engine"),
    ],
)
def test_bad_input_is_refused_naming_the_option(
    args: list[str], message: str, analytics_book: Path, tmp_path: Path
) -> None:
    fill = {"empty": str(tmp_path), "book": str(analytics_book)}
    res = cl(*(a.format(**fill) for a in args))
    assert res.returncode == 2 and message.format(**fill) in res.stderr, res.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written
