"""The simulator as a fault injector: every fault kind fires, the auditor holds the ledger to the ground truth,
and a ledger that loses or doubles a command is caught with the seed that reproduces it.

The 10^6-operation run is ``bench/bench_faults.py`` (figures in docs/simulation.md); this is its small version.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.handlers import HANDLERS
from creditloop.bootstrap import build_memory
from creditloop.core.errors import ValidationError
from creditloop.simulate.fault_plan import FAULT_KINDS, FaultPlan, parse_fault_plan
from creditloop.simulate.faults import (
    ChaosFailure,
    ChaosRun,
    ChaosStats,
    is_retryable,
    run_chaos,
    serialization_failure,
)
from creditloop.simulate.scenario import load_scenario, parse_scenario

SMALL = FaultPlan(lines=12, days=40)
ALL_KINDS = {"authorise", "capture", "credit_refund", "purchase", "refund", "repay", "restructure", "reverse", "undo"}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_small_chaos_run_injects_every_fault_and_ends_balanced(seed: int) -> None:
    stats = run_chaos(SMALL, seed)
    assert stats.imbalance_minor == 0
    assert all(stats.faults[k] > 0 for k in FAULT_KINDS), stats.faults  # every fault kind was exercised
    assert set(stats.kinds) >= ALL_KINDS, stats.kinds  # and every money command was accepted at least once
    assert stats.accepted > 300
    assert stats.operations > stats.accepted  # refusals, retries and duplicates on top
    # an audit after every day-end and after every crash, serialisation failure and lost acknowledgement
    assert stats.audits >= SMALL.days + stats.faults["crash"] + stats.faults["serialization"] + stats.faults["ack_lost"]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**31), batch_max=st.integers(min_value=1, max_value=6))
def test_any_seed_loses_nothing_and_doubles_nothing(seed: int, batch_max: int) -> None:
    """Property: whatever the seed and batch size, every audit passes and the books balance to the fen."""
    stats = run_chaos(FaultPlan(lines=3, days=12, batch_max=batch_max, crash=0.2, ack_lost=0.2), seed)
    assert stats.imbalance_minor == 0
    assert stats.audits >= 12


def test_the_same_seed_gives_the_same_run() -> None:
    assert run_chaos(SMALL, 7).as_dict() == run_chaos(SMALL, 7).as_dict()
    assert run_chaos(SMALL, 7).as_dict() != run_chaos(SMALL, 8).as_dict()


def _bus_with(replace: dict[type, Callable[..., Any]]) -> Callable[[], MessageBus]:
    system = build_memory()
    handlers = {**HANDLERS, **replace}
    return lambda: MessageBus(system.bus.uow, system.bus.policies, handlers)


def test_a_doubled_payment_is_caught_with_its_seed() -> None:
    """A broken ledger that books a retried payment again under a new id: the auditor sees the cash doubled."""
    repay = HANDLERS[c.Repay]

    def doubling(cmd: c.Repay, uow: Any, policies: Any) -> Any:
        result = repay(cmd, uow, policies)
        if cmd.payment_id.endswith("7"):
            repay(c.Repay(cmd.payment_id + "x", cmd.line_id, cmd.amount_minor, cmd.on), uow, policies)
        return result

    with pytest.raises(ChaosFailure, match=r"seed 4; rerun run_chaos\(plan, 4\).*cash \d+ != accepted"):
        run_chaos(SMALL, 4, _bus_with({c.Repay: doubling}))


def test_a_lost_purchase_is_caught_with_its_seed() -> None:
    """A broken ledger that acknowledges a purchase without applying it: merchant payable and the log disagree."""
    purchase = HANDLERS[c.Purchase]

    def losing(cmd: c.Purchase, uow: Any, policies: Any) -> Any:
        if cmd.purchase_id.endswith("3"):
            return uow.lines.get(cmd.line_id).plans[0] if uow.lines.get(cmd.line_id).plans else None
        return purchase(cmd, uow, policies)

    with pytest.raises(ChaosFailure, match=r"seed 5.*(merchant payable|accepted p\d+ is in the log 0 times)"):
        run_chaos(SMALL, 5, _bus_with({c.Purchase: losing}))


def test_an_unexpected_error_names_the_seed() -> None:
    def broken(cmd: c.Repay, uow: Any, policies: Any) -> Any:
        raise KeyError("boom")

    # Repayments come in every run, so the broken handler is reached whatever the generator draws.
    with pytest.raises(ChaosFailure, match=r"seed 6.*KeyError"):
        run_chaos(SMALL, 6, _bus_with({c.Repay: broken}))


def test_the_injected_serialisation_failure_is_the_driver_error_clients_retry() -> None:
    exc = serialization_failure()
    assert is_retryable(exc)
    assert getattr(exc, "orig").sqlstate == "40001"  # noqa: B009 - the DBAPI error SQLAlchemy wraps
    assert not is_retryable(ValueError("no"))


def test_stats_report_every_fault_kind() -> None:
    assert set(ChaosStats(seed=1).as_dict()["faults"]) == set(FAULT_KINDS)


# ----------------------------------------------------------------------------- the scenario option


def test_builtin_chaos_scenario_has_a_faults_block_and_others_do_not() -> None:
    chaos = load_scenario("chaos")
    assert chaos.faults is not None and chaos.faults.crash > 0
    assert load_scenario("baseline").faults is None
    assert chaos.shock is None


def test_faults_block_is_parsed_and_checked() -> None:
    plan = parse_fault_plan({"crash": 0.1, "late": "0.2", "lines": 5, "days": 10, "batch_max": 3})
    assert (plan.rate("crash"), plan.rate("late"), plan.lines, plan.days, plan.batch_max) == (0.1, 0.2, 5, 10, 3)
    assert parse_scenario({"name": "x", "shock": None, "faults": {}}).faults == FaultPlan()


@pytest.mark.parametrize(
    ("doc", "field", "message"),
    [
        ({"crash": 1.5}, "faults.crash", "between 0 and 1"),
        ({"duplicate": "nan"}, "faults.duplicate", "between 0 and 1"),
        ({"late": True}, "faults.late", "number between 0 and 1"),
        ({"lines": 0}, "faults.lines", "integer between 1 and"),
        ({"days": 2.5}, "faults.days", "integer between 1 and"),
        ({"explode": 1}, "faults", "unknown key 'explode'"),
        ([], "faults", "must be an object"),
    ],
)
def test_bad_faults_block_names_the_field(doc: Any, field: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        parse_fault_plan(doc)
    assert info.value.field == field


def test_late_payments_are_booked_as_back_dated_corrections() -> None:
    """A payment delivered after its value date's day-end is re-derived from that date (``value_on`` link)."""
    system = build_memory()
    run = ChaosRun(FaultPlan(lines=6, days=30, late=0.5), 9, lambda: MessageBus(system.bus.uow, system.bus.policies))
    stats = run.run()
    assert stats.faults["late"] > 10 and stats.imbalance_minor == 0
    with system.bus.uow as uow:
        late = [e for e in uow.journal.entries() if any(link.startswith("value_on:") for link in e.links)]
    assert late, "no payment was taken as a back-dated correction"
    for e in late:  # booked on the open business date, valued on the earlier date the customer paid
        value_on = next(link for link in e.links if link.startswith("value_on:")).removeprefix("value_on:")
        assert date.fromisoformat(value_on) < e.effective_on
