"""Hypothesis properties of ECL: never negative, monotone in PD and LGD, and allowance bookings that balance to the
fen, leave the allowance at the last target and post nothing when a month is booked again."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from creditloop.app.ecl_allowance import BookEclAllowance
from creditloop.bootstrap import build_memory
from creditloop.ledger.accounts import Account
from creditloop.ledger.journal import trial_balance
from creditloop.portfolio.ecl import scenarios as scenario_file
from creditloop.portfolio.ecl.calc import AccountInput, account_ecl
from creditloop.portfolio.ecl.term_structure import TermStructure

PARAMS = scenario_file.load()
HORIZON = PARAMS.lifetime_months

monthly = st.floats(min_value=0.0, max_value=0.2, allow_nan=False)


def _curve(hazard: float) -> tuple[float, ...]:
    return tuple(1.0 - (1.0 - hazard) ** h for h in range(1, HORIZON + 1))


accounts = st.builds(
    AccountInput,
    line_id=st.just("L"),
    stage=st.sampled_from([1, 2, 3]),
    state_index=st.integers(0, 7),
    drawn_minor=st.integers(0, 10**9),
    limit_minor=st.integers(0, 10**9),
)


@settings(max_examples=150, deadline=None)
@given(
    accounts, monthly, st.floats(0.0, 1.0), st.sampled_from(["0", "0.05", "0.3"]), st.sampled_from(["0", "0.2", "1"])
)
def test_ecl_is_non_negative_and_at_most_the_exposure(acc: AccountInput, hazard: float, lgd: float, eir: str,
                                                       ccf: str) -> None:  # fmt: skip
    params = replace(PARAMS, eir=Decimal(eir), ccf=Decimal(ccf))
    ts = TermStructure({s: _curve(hazard) for s in range(8)})
    out = account_ecl(acc, ts, lgd, params)
    assert out.ecl_12m_minor >= 0 and 0 <= out.ecl_minor <= out.ead_minor
    assert out.ecl_12m_minor <= out.ecl_minor or acc.stage == 1


@settings(max_examples=150, deadline=None)
@given(st.sampled_from([1, 2]), st.integers(0, 3), st.integers(1, 10**9), monthly, monthly, st.floats(0.0, 1.0),
       st.floats(0.0, 1.0))  # fmt: skip
def test_ecl_is_monotone_in_pd_and_lgd(stage: int, state: int, drawn: int, h1: float, h2: float, l1: float,
                                       l2: float) -> None:  # fmt: skip
    acc = AccountInput("L", stage, state, drawn, drawn)
    low_h, high_h = sorted((h1, h2))
    low_l, high_l = sorted((l1, l2))
    low = account_ecl(acc, TermStructure({state: _curve(low_h)}), low_l, PARAMS)
    higher_pd = account_ecl(acc, TermStructure({state: _curve(high_h)}), low_l, PARAMS)
    higher_lgd = account_ecl(acc, TermStructure({state: _curve(low_h)}), high_l, PARAMS)
    assert low.ecl_minor <= higher_pd.ecl_minor and low.ecl_minor <= higher_lgd.ecl_minor


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 10**11), min_size=1, max_size=8))
def test_allowance_bookings_balance_and_repeat_nothing(targets: list[int]) -> None:
    bus = build_memory().bus
    for month, target in enumerate(targets, start=1):
        on = date(2025, month, 28)
        cmd = BookEclAllowance(on, target, "p@1", "lgd@1", f"hash-{month}")
        first = bus.handle(cmd)
        again = bus.handle(cmd)
        assert not again.posted and again.already_booked and again.change_minor == first.change_minor
        balances = trial_balance(bus.uow.journal.entries())
        assert sum(balances.values()) == 0  # every entry balanced: the books sum to zero to the fen
        assert -balances.get(Account.ALLOWANCE_ECL, 0) == target
        assert balances.get(Account.EXPENSE_IMPAIRMENT, 0) == target  # cumulative charge less releases
    assert len(list(bus.uow.journal.entries())) == sum(
        1 for prev, cur in zip([0, *targets], targets, strict=False) if cur != prev
    )
