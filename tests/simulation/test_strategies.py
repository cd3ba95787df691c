"""Strategy hooks: the same seeded world under different lender strategies (400 applicants, 12 months).

Every strategy decides applications with the issue #1 rule policy here (``decision="rules"``): the servicing
strategies are compared on the book those thresholds were set for; under the scored underwriting of issue #13
about half as many lines open and few fall behind (tests/simulation/test_sim_underwriting.py)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from creditloop.core.errors import ValidationError
from creditloop.simulate.compare import StrategyOutcome, compare_strategies, resolve_strategies
from creditloop.simulate.runner import SimConfig
from creditloop.simulate.scenario import load_scenario
from creditloop.simulate.strategies import STRATEGY_NAMES, get_strategy

SEED = 11
NAMES = ("baseline", "no-outreach", "no-reminders", "tight-limits", "limit-growth", "strict-origination", "rule-policy")


def _compare(out: Path) -> tuple[Path, dict[str, StrategyOutcome]]:
    config = SimConfig(400, 12, SEED, load_scenario("pandemic"))
    return out, {o.name: o for o in compare_strategies(config, NAMES, out, decision="rules")}


@pytest.fixture(scope="module")
def compared(once_per_session: Callable[..., Any]) -> tuple[Path, dict[str, StrategyOutcome]]:
    """Read only: built once per test session, not once per xdist worker (tests/conftest.py)."""
    result: tuple[Path, dict[str, StrategyOutcome]] = once_per_session("compare", _compare)
    return result


def sql(path: Path, query: str) -> list[tuple[object, ...]]:
    return duckdb.connect().execute(query.replace("$dir", str(path))).fetchall()


def test_hardship_outreach_helps_customers_and_cuts_losses(
    compared: tuple[Path, dict[str, StrategyOutcome]],
) -> None:
    o = compared[1]
    with_help, without = o["baseline"], o["no-outreach"]
    assert without.customers_helped == 0 and with_help.customers_helped > 20, f"seed {SEED}"
    assert with_help.helped_now_current_or_repaid > with_help.customers_helped / 2
    assert with_help.charged_off_minor < without.charged_off_minor / 2, f"seed {SEED}"
    assert with_help.peak_30plus < without.peak_30plus


def test_reminders_keep_fewer_lines_a_little_behind(compared: tuple[Path, dict[str, StrategyOutcome]]) -> None:
    out, o = compared
    assert dict(o["baseline"].actions)["reminder"] > 200 and "reminder" not in dict(o["no-reminders"].actions)
    behind = {
        name: sql(out / name, "SELECT count(*) FROM read_parquet('$dir/snapshots.parquet') WHERE dpd BETWEEN 1 AND 29")[
            0
        ][0]
        for name in ("baseline", "no-reminders")
    }
    assert isinstance(behind["baseline"], int) and isinstance(behind["no-reminders"], int)
    assert behind["baseline"] < 0.95 * behind["no-reminders"], f"seed {SEED}: {behind}"


def test_tight_limits_only_cut_and_never_below_the_drawn_principal(
    compared: tuple[Path, dict[str, StrategyOutcome]],
) -> None:
    out, o = compared
    rows = sql(
        out / "tight-limits",
        "SELECT limit_before_minor, limit_after_minor, reason_code FROM read_parquet('$dir/actions.parquet') "
        "WHERE action = 'limit'",
    )
    assert len(rows) > 50, f"seed {SEED}"
    assert all(int(str(after)) < int(str(before)) for before, after, _ in rows)
    assert {r[2] for r in rows} <= {"LIMIT_CUT_RISK", "EWI_LIMIT_CUT"}
    # The snapshot after each cut shows the new limit; the ledger lines agree with the action log.
    over = sql(
        out / "tight-limits",
        "SELECT count(*) FROM read_parquet('$dir/snapshots.parquet') WHERE limit_minor < principal_minor "
        "AND status = 'ACTIVE' AND dpd = 0",
    )[0][0]
    assert over == 0
    assert o["tight-limits"].purchased_minor < o["baseline"].purchased_minor
    assert o["tight-limits"].peak_30plus <= o["baseline"].peak_30plus


def test_limit_growth_only_raises_good_payers(compared: tuple[Path, dict[str, StrategyOutcome]]) -> None:
    out, _ = compared
    rows = sql(
        out / "limit-growth",
        "SELECT limit_before_minor, limit_after_minor, reason_code FROM read_parquet('$dir/actions.parquet') "
        "WHERE action = 'limit'",
    )
    assert rows and all(int(str(a)) == min(5_000_000, int(str(b)) * 5 // 4 // 10_000 * 10_000) for b, a, _ in rows)
    assert {r[2] for r in rows} == {"LIMIT_RAISE_GOOD_PAYER"}


def test_strict_origination_opens_fewer_lines_under_its_own_policy_and_loses_less(
    compared: tuple[Path, dict[str, StrategyOutcome]],
) -> None:
    out, o = compared
    assert o["strict-origination"].lines_opened < 0.95 * o["rule-policy"].lines_opened
    assert o["strict-origination"].charged_off_minor < o["rule-policy"].charged_off_minor, f"seed {SEED}"
    versions = sql(
        out / "strict-origination", "SELECT DISTINCT policy_version FROM read_parquet('$dir/applications.parquet')"
    )
    assert versions == [("origination-strict@1",)]


def test_unknown_or_repeated_strategies_are_refused_naming_the_option() -> None:
    assert STRATEGY_NAMES[0] == "baseline" and len(STRATEGY_NAMES) >= 7
    with pytest.raises(ValidationError, match="unknown strategy 'nope'; choose one of baseline") as exc:
        get_strategy("nope")
    assert exc.value.field == "strategy"
    with pytest.raises(ValidationError, match="named twice"):
        resolve_strategies(["baseline", "baseline"])


def test_the_cli_refuses_an_unknown_strategy_in_one_line_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "never"
    for command in (["compare-strategies", "--out"], ["simulate", "--out"]):
        res = subprocess.run(
            [sys.executable, "-m", "creditloop", *command, str(out), "--strategy", "nope", "--customers", "10"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        lines = res.stderr.strip().splitlines()
        assert res.returncode == 2 and len(lines) == 1, res.stderr
        assert lines[0].startswith("error: --strategy: unknown strategy 'nope'")
        assert not out.exists()
