"""The multi-lender simulation (issue #19 part 3): a small world, sharing off and on, checked for what it claims.

One experiment of 2 seeds x (off, on) on 250 customers x 12 months is shared by the module (a few seconds)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from creditloop.consortium.bands import BUCKETS
from creditloop.core.errors import ValidationError
from creditloop.entrypoints.cli.main import app
from creditloop.simulate.multilender.accounts import Account
from creditloop.simulate.multilender.experiment import check_seeds, run_experiment
from creditloop.simulate.multilender.params import lender_profiles
from creditloop.simulate.multilender.report import interval, run_metrics, summarise
from creditloop.simulate.multilender.world import MultiConfig, World, run_world
from creditloop.simulate.scenario import load_scenario

CUSTOMERS, MONTHS = 250, 12
BASE = MultiConfig(CUSTOMERS, MONTHS, 5, load_scenario("pandemic").with_shock_month(4))


@pytest.fixture(scope="module")
def worlds() -> dict[bool, World]:
    return {on: run_world(replace(BASE, sharing=on)) for on in (False, True)}


def test_every_line_holds_what_was_drawn_paid_and_lost(worlds: dict[bool, World]) -> None:
    for world in worlds.values():
        lines = [a for group in (*world.real.values(), *world.shadow.values()) for a in group]
        assert lines
        for a in lines:
            assert a.drawn_minor == a.paid_minor + a.balance_minor, a  # every fen drawn is paid or still owed
            assert a.balance_minor >= 0 and a.due_minor >= 0
            if a.charged_off_month:
                assert a.loss_minor == a.balance_minor and a.missed >= 6
                assert a.defaulted_month and a.defaulted_month <= a.charged_off_month


def test_sharing_off_asks_nothing_and_sharing_on_changes_decisions(worlds: dict[bool, World]) -> None:
    off, on = worlds[False].consortium.stats, worlds[True].consortium.stats
    assert (off.queries, off.contributions, off.answered) == (0, 0, 0)
    assert on.contributions > 0 and on.answered > 0 and on.insufficient > 0  # the threshold holds some back
    acted = sum(b.refused_by_consortium for b in worlds[True].books) + sum(
        a.frozen_by_consortium for group in worlds[True].real.values() for a in group
    )
    assert acted > 0
    assert all(b.refused_by_consortium == 0 for b in worlds[False].books)


def test_the_same_world_both_ways(worlds: dict[bool, World]) -> None:
    """Sharing changes decisions, never the people, their shock or their first application."""
    off, on = worlds[False], worlds[True]
    assert [c.base_income_minor for c in off.customers] == [c.base_income_minor for c in on.customers]
    assert [c.shock_cut for c in off.customers] == [c.shock_cut for c in on.customers]
    assert off.income == on.income  # the last month's incomes: the world stream drew the same numbers


def test_no_resident_id_reaches_the_consortium(worlds: dict[bool, World]) -> None:
    world = worlds[True]
    consortium = world.consortium
    ids = {c.id_number for c in world.customers if c.id_number}
    audit = json.dumps([repr(r) for r in consortium.audit.records])
    assert consortium.audit.records and not any(i in audit for i in ids)
    on = world.cfg.start_on.replace(year=world.cfg.start_on.year + 2)
    seen = 0
    for i, cu in enumerate(world.customers):
        names = consortium.pseudonyms(i, cu.id_number, on)
        if names is None:
            continue
        stored = repr(consortium.registry.contributions(names, on))
        seen += stored.count("Contribution(")
        assert cu.id_number not in stored and cu.id_number[:17] not in stored
    assert seen > 0
    assert all(len(r.pseudonym_prefix) == 8 for r in consortium.audit.records)


def test_refusals_have_a_ground_truth(worlds: dict[bool, World]) -> None:
    metrics = run_metrics(worlds[True])
    system = metrics["system"]
    shadows = sum(len(group) for group in worlds[True].shadow.values())
    assert system["refused_would_default"] + system["refused_would_not"] == shadows > 0
    for name, row in metrics["lenders"].items():
        assert (
            row["approved"] + row["refused_would_default"] + row["refused_would_not"] + row["refused_bad_id"]
            == (row["applications"])
        ), name
    assert 0 < system["multi_lending_share"] < 1


def test_runs_reproduce() -> None:
    small = replace(BASE, customers=100, months=6, sharing=True)
    assert run_metrics(run_world(small)) == run_metrics(run_world(small))


def test_summary_intervals_and_paired_effect() -> None:
    result = run_experiment(replace(BASE, customers=100, months=6), [1, 2])
    system = result["summary"]["scopes"]["system"]
    assert result["summary"]["seeds"] == [1, 2]
    for mode in ("off", "on"):
        loss = system[mode]["loss_minor"]
        assert loss["low"] <= loss["mean"] <= loss["high"]
    runs = {(r["seed"], r["sharing"]): r["system"]["loss_minor"] for r in result["runs"]}
    diffs = [runs[(s, True)] - runs[(s, False)] for s in (1, 2)]
    assert system["effect"]["loss_minor_change"]["mean"] == pytest.approx(sum(diffs) / 2)
    assert set(result["summary"]["scopes"]) == {"prudent", "standard", "growth", "system"}


def test_interval_is_student_t() -> None:
    got = interval([1.0, 2.0, 3.0])
    assert got["mean"] == 2.0
    assert got["high"] - 2.0 == pytest.approx(4.303 / 3**0.5, abs=1e-5)
    assert interval([5.0]) == {"mean": 5.0, "low": 5.0, "high": 5.0}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lenders": 2}, "lenders"),
        ({"lenders": 9}, "lenders"),
        ({"min_members": 3}, "min_members"),  # 3 lenders: the asker never counts, so 2 others at most
        ({"min_members": 1}, "min_members"),
        ({"customers": 0}, "customers"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_configuration_names_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        replace(BASE, **change)
    assert info.value.field == field


@pytest.mark.parametrize("seeds", [[], [1, 1], [-2]])
def test_bad_seeds_are_refused(seeds: list[int]) -> None:
    with pytest.raises(ValidationError) as info:
        check_seeds(seeds)
    assert info.value.field == "seeds"


def test_profiles_cycle_and_read_buckets() -> None:
    names = [p.name for p in lender_profiles(5)]
    assert names == ["prudent", "standard", "growth", "prudent-2", "standard-2"]
    assert all(p.ewi_freeze_bucket in BUCKETS for p in lender_profiles(3))
    assert summarise  # the summary is exercised above


def run_cli(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, ["multi-lender", *args])
    return res.exit_code, res.stdout, res.stderr


def test_cli_writes_results_and_refuses_bad_input(tmp_path: Path) -> None:
    out = tmp_path / "ml"
    code, stdout, stderr = run_cli("--customers", "60", "--months", "6", "--seeds", "1,2", "--out", str(out), "--json")
    assert code == 0, stderr
    doc = json.loads(stdout)
    assert doc["config"]["seeds"] == [1, 2] and len(doc["runs"]) == 4
    assert json.loads((out / "multilender.json").read_text(encoding="utf-8"))["summary"] == doc["summary"]
    assert (out / "multilender_runs.csv").read_text(encoding="utf-8").startswith("seed,sharing,scope,")
    bad = tmp_path / "bad"
    for args, option in (
        (("--seeds", "1,x"), "--seeds"),
        (("--seeds", "3,3"), "--seeds"),
        (("--lenders", "2"), "--lenders"),
        (("--min-members", "3"), "--min-members"),
        (("--scenario", "chaos"), "--scenario"),
    ):
        code, _, stderr = run_cli(*args, "--customers", "50", "--months", "4", "--out", str(bad))
        assert code == 2, (args, stderr)
        assert option in stderr
        assert not bad.exists()  # nothing written


def test_cli_bad_input_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "creditloop", "multi-lender", "--lenders", "9", "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 2 and "--lenders" in res.stderr and "Traceback" not in res.stderr


@given(
    draws=st.lists(st.tuples(st.integers(1, 2_000_000), st.sampled_from([1, 3, 6, 12, 24])), min_size=1, max_size=6),
    payments=st.lists(st.integers(0, 3_000_000), min_size=1, max_size=30),
)
def test_a_line_bills_exactly_what_was_drawn(draws: list[tuple[int, int]], payments: list[int]) -> None:
    """Money invariant of a member's line: every fen drawn is billed exactly once, and is paid or still owed."""
    line = Account(lender=0, customer=0, limit_minor=10**9, opened_month=1)
    for amount, periods in draws:
        line.draw(amount, periods)
    for month, pay in enumerate(payments, start=1):
        before = line.due_minor
        due = line.bill()
        assert due >= before  # billing only adds to the amount due
        line.pay(pay)
        line.close_month(month)
        assert line.drawn_minor == line.paid_minor + line.balance_minor
    for _ in range(max(p for _, p in draws) + 1):  # bill out the rest without paying: it all becomes due
        line.bill()
    assert not line.plans and line.due_minor == line.drawn_minor - line.paid_minor


def test_cli_zh_headers_and_declared_loans(tmp_path: Path) -> None:
    args = ("--customers", "60", "--months", "6", "--seeds", "4", "--lang", "zh", "--declare-member-loans")
    code, stdout, stderr = run_cli(*args, "--out", str(tmp_path / "zh"))
    assert code == 0, stderr
    assert "贷款机构" in stdout and "共债占比" in stdout
    doc = json.loads((tmp_path / "zh" / "multilender.json").read_text(encoding="utf-8"))
    assert doc["config"]["declare_member_loans"] is True


def test_declared_member_loans_reach_the_application() -> None:
    """Declaring lines held at other members can only add to what a lender sees: never more approvals."""
    hidden = run_metrics(run_world(replace(BASE, customers=150, months=8)))
    declared = run_metrics(run_world(replace(BASE, customers=150, months=8, declare_member_loans=True)))
    assert declared["system"]["approved"] < hidden["system"]["approved"]


def test_a_shadow_line_leaves_the_customer_as_they_were() -> None:
    """Paying a shadow line (the refused line's ground truth) never touches the customer's real state."""
    world = World(replace(BASE, customers=40, months=4))
    world.income = [c.base_income_minor // 4 for c in world.customers]  # a loss month: savings would pay
    i = next(k for k, c in enumerate(world.customers) if c.buffer_minor and not c.fraud)
    cu = world.customers[i]
    cu.buffer_phase = True
    shadow = Account(lender=0, customer=i, limit_minor=1_000_000, opened_month=1, shadow=True)
    shadow.draw(300_000, 3)
    world.shadow[i].append(shadow)
    before = (cu.drift, cu.defaulted, cu.relapse_until, cu.savings_minor)
    world.settle(i, 1, world.cfg.start_on)
    assert (cu.drift, cu.defaulted, cu.relapse_until, cu.savings_minor) == before
    assert shadow.due_minor + shadow.paid_minor == 100_000  # billed, and paid in part or not at all
