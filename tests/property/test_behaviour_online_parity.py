"""The online engine (monitoring/online.py) gives, after folding an account's events, the features the batch
engine (DuckDB) computes on the panel those events make — and the reference evaluator's after every month,
with the state stored as JSON and read back along the way."""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

import pytest
from behaviour_strategies import AMOUNT, feature_sets, month_end, panel_table
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creditloop.core.errors import ValidationError
from creditloop.monitoring.features import FeatureSet, account_features, default_feature_set, feature_set_from_dict
from creditloop.monitoring.online import AccountState

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

EVENT = st.one_of(
    st.tuples(st.just("purchase"), AMOUNT),
    st.tuples(st.just("plan")),
    st.tuples(st.just("payment"), AMOUNT, st.sampled_from(["a", "b", None])),
    st.tuples(st.just("statement"), AMOUNT, AMOUNT),
)
MONTH = st.tuples(
    st.lists(st.tuples(st.integers(1, 28), EVENT), max_size=5),
    st.sampled_from([0, 0, 0, 3, 31, 65]),
    st.none() | AMOUNT,
    st.none() | AMOUNT,
    st.none() | st.booleans(),
    st.none() | st.integers(0, 4),
)
ACCOUNTS = st.lists(st.tuples(st.integers(0, 11), st.lists(MONTH, min_size=1, max_size=16)), min_size=1, max_size=3)


def fold(state: AccountState, month: int, spec: tuple[Any, ...]) -> dict[str, Any]:
    events, dpd, balance, limit, shock, lenders = spec
    end = month_end(month)
    for day, event in sorted(events, key=lambda e: e[0]):
        on = date(end.year, end.month, day)
        if event[0] == "purchase":
            state.purchase(event[1], on)
        elif event[0] == "plan":
            state.plan_opened(on)
        elif event[0] == "payment":
            state.payment(event[1], on, event[2])
        else:
            state.statement(event[1], event[2], on)
    return state.month_end(end, dpd, balance, limit, shock=shock, other_lenders=lenders)


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def run_accounts(accounts: list[Any], fs: FeatureSet) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Fold every account's months; after each, the online features equal the reference on all its rows."""
    panel: list[dict[str, Any]] = []
    online = {}
    for k, (start, months) in enumerate(accounts):
        state, rows = AccountState(f"A{k}", fs), []
        for i, spec in enumerate(months):
            rows.append(fold(state, start + i, spec))
            got, want = state.features(), account_features(rows, fs)[-1]
            assert all(same(got[n], want[n]) for n in fs.names), (i, got, want)
            if i % 3 == 1:  # a service keeps the state in a table between events
                state = AccountState.from_dict(json.loads(json.dumps(state.to_dict())), fs)
        panel += rows
        online[state.account_id] = state.features()
    return panel, online


def assert_batch_equals_online(panel: list[dict[str, Any]], online: dict[str, Any], fs: FeatureSet) -> None:
    from creditloop.adapters.warehouse.behaviour_sql import features_as_of

    as_of = max(r["month_end_on"] for r in panel)
    batch = {r["account_id"]: r for r in features_as_of(panel_table(panel), fs, as_of).to_pylist()}
    assert set(batch) == set(online)
    for account, values in online.items():
        bad = {n: (values[n], batch[account][n]) for n in fs.names if not same(values[n], batch[account][n])}
        assert not bad, f"{account}: online vs batch {bad}"


@SETTINGS
@given(accounts=ACCOUNTS)
def test_online_equals_batch_on_the_panel_the_events_make(accounts: list[Any]) -> None:
    fs = default_feature_set()
    panel, online = run_accounts(accounts, fs)
    assert_batch_equals_online(panel, online, fs)


STATUS_MONTH = st.tuples(st.just([]), st.sampled_from([0, 0, 15, 45, 75, 180]), st.none(), st.none(), st.none(),
                         st.none())  # fmt: skip
STATUS_ACCOUNTS = st.lists(st.tuples(st.integers(0, 11), st.lists(STATUS_MONTH, min_size=1, max_size=26)), min_size=1,
                           max_size=3)  # fmt: skip


@SETTINGS
@given(accounts=STATUS_ACCOUNTS)
def test_online_equals_batch_on_status_only_accounts(accounts: list[Any]) -> None:
    """Month ends with a dpd and no event (a status-only history, longer than the state keeps): the status
    features the ewi_status rules read agree online and in DuckDB."""
    fs = default_feature_set()
    panel, online = run_accounts(accounts, fs)
    assert_batch_equals_online(panel, online, fs)


@pytest.mark.slow
@SETTINGS
@given(accounts=ACCOUNTS, doc=feature_sets())
def test_online_equals_batch_for_generated_feature_sets(accounts: list[Any], doc: dict[str, Any]) -> None:
    fs = feature_set_from_dict(doc, "generated")
    panel, online = run_accounts(accounts, fs)
    assert_batch_equals_online(panel, online, fs)


def test_the_state_keeps_only_the_history_it_needs_and_refuses_gaps_and_back_dating() -> None:
    fs = default_feature_set()
    state = AccountState("A", fs)
    for m in range(30):
        state.statement(10_000, 1_000, date(2024 + m // 12, m % 12 + 1, 5))
        state.payment(1_000, date(2024 + m // 12, m % 12 + 1, 20), "bank")
        state.month_end(month_end(m), 0, 50_000, 100_000)
    assert len(state.rows) == fs.history_months == 13
    got = state.features()
    assert got["min_only_streak"] == 12.0  # capped at its 12 months
    assert got["first_payment_default"] == 0.0 and got["days_since_payment"] == 10.0  # 20 June -> 30 June 2026
    with pytest.raises(ValidationError) as err:
        state.month_end(month_end(31), 0, 0, 0)  # month 30 skipped
    assert err.value.field == "month_end_on"
    with pytest.raises(ValidationError) as err:
        state.purchase(100, date(2026, 6, 1))  # June 2026 is closed
    assert err.value.field == "on"
    with pytest.raises(ValidationError) as err:
        state.payment(-5, date(2026, 7, 3), "bank")
    assert err.value.field == "amount_minor"
