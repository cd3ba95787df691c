"""Underwriting with the consortium (issue #19): off by default; counts beyond policy refer with MULTI_LENDING;
debts elsewhere by band lower the limit; an unavailable consortium changes nothing but the flag; replay holds."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from creditloop.app import commands as c
from creditloop.app.consortium import ANSWER, INSUFFICIENT, NOT_ASKED, UNAVAILABLE, ConsortiumSignal, other_lenders
from creditloop.app.replay import replay_decision
from creditloop.app.underwriting import Underwriting
from creditloop.app.underwriting_setup import default_underwriting
from creditloop.bootstrap import build_memory, default_policies
from creditloop.strategy.application import ApplicationForm

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def form(i: int, *, consent: bool = True, income: int = 18_000) -> ApplicationForm:
    birth = date(1985, 1, 1) + timedelta(days=97 * i)
    body = f"330106{birth:%Y%m%d}{i:03d}"
    rid = body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]
    return ApplicationForm.model_validate({
        "application_id": f"APP-C{i:03d}", "applied_at": (datetime(2026, 3, 2, 9) + timedelta(hours=i)).isoformat()
        + "+08:00", "channel": "app", "name": "测试用户", "id_number": rid, "birth_date": birth.isoformat(),
        "phone": f"1390001{i:04d}", "device_id": f"device-c{i}", "city": "杭州", "city_tier": 2,
        "employer": f"杭州某某科技有限公司{i}", "sector": "technology", "monthly_income": f"{income}.00",
        "monthly_debt_payments": "0.00", "other_lenders": 0, "requested_limit": "20000.00",
        "consent_bureau": consent, "consent_sharing": True, "verified_income": f"{income}.00",
    })  # fmt: skip


class Fixed:
    def __init__(self, signal: ConsortiumSignal) -> None:
        self.signal = signal
        self.asked: list[tuple[str, str, date]] = []

    def lookup(self, resident_id: str, purpose: str, on: date) -> ConsortiumSignal:
        self.asked.append((resident_id, purpose, on))
        return self.signal


def decide(f: ApplicationForm, lookup: Any = None) -> tuple[Any, Any]:
    uw: Underwriting = replace(default_underwriting(), consortium=lookup)
    system = build_memory(replace(default_policies(), underwriting=uw))
    return system.bus.handle(c.DecideApplication(f, f.application_id)), system.bus.uow


def test_off_by_default_and_the_same_decision_when_unavailable() -> None:
    assert default_underwriting().consortium is None
    f = form(1)
    plain, _ = decide(f)
    assert all(t.step != "CONSORTIUM" for t in plain.trace)
    down, _uow = decide(f, Fixed(ConsortiumSignal(UNAVAILABLE)))
    rows = [t for t in down.trace if t.step == "CONSORTIUM"]
    assert [(r.observed, r.outcome) for r in rows] == [("unavailable", "flag")]
    assert (down.decision, down.limit_minor, down.reasons) == (plain.decision, plain.limit_minor, plain.reasons)


def test_counts_beyond_policy_refer_with_multi_lending() -> None:
    f = form(2)
    plain, _ = decide(f)
    assert plain.decision == "approve"
    many = ConsortiumSignal(ANSWER, 5, "5000-20000", "current", 2)
    lookup = Fixed(many)
    decision, _ = decide(f, lookup)
    assert decision.decision == "refer" and decision.limit_minor == 0
    assert decision.reasons[0] == "MULTI_LENDING"
    assert lookup.asked == [(f.id_number, "credit_application", date(2026, 3, 2))]


def test_debts_elsewhere_by_band_lower_the_limit() -> None:
    f = form(3, income=12_000)
    plain, _ = decide(f)
    heavy, _ = decide(f, Fixed(ConsortiumSignal(ANSWER, 2, "100000-200000", "current", 1)))
    assert plain.decision == "approve"
    assert heavy.limit_minor < plain.limit_minor or heavy.decision != "approve"
    light, _ = decide(f, Fixed(ConsortiumSignal(INSUFFICIENT)))
    assert (light.decision, light.limit_minor) == (plain.decision, plain.limit_minor)


def test_no_consent_no_question() -> None:
    lookup = Fixed(ConsortiumSignal(ANSWER, 9, "200000+", "91+", 9))
    decision, _ = decide(form(4, consent=False), lookup)
    assert lookup.asked == []
    assert [t.observed for t in decision.trace if t.step == "CONSORTIUM"] == [NOT_ASKED]


@pytest.mark.parametrize("signal", [ConsortiumSignal(ANSWER, 5, "20000-50000", "31-60", 8),
                                    ConsortiumSignal(UNAVAILABLE)])  # fmt: skip
def test_replay_is_byte_for_byte_with_the_recorded_answer(signal: ConsortiumSignal) -> None:
    f = form(5)
    _decision, uow = decide(f, Fixed(signal))
    result = replay_decision(uow, f.application_id, [])
    assert result.identical, (result.stored, result.replayed)


def test_other_lenders_for_early_warning() -> None:
    assert other_lenders(ConsortiumSignal(ANSWER, 4, "0-5000", "current", 0)) == 4
    assert other_lenders(ConsortiumSignal(INSUFFICIENT)) is None
    assert other_lenders(ConsortiumSignal(UNAVAILABLE)) is None


def test_new_borrowing_elsewhere_reaches_the_early_warning_feature() -> None:
    from creditloop.app.consortium import early_warning_lenders
    from creditloop.monitoring.features import default_feature_set
    from creditloop.monitoring.online import AccountState

    state = AccountState("L-1", default_feature_set())
    rid = form(6).id_number
    for month, lenders in ((1, 1), (2, 1), (3, 1), (4, 3)):
        lookup = Fixed(ConsortiumSignal(ANSWER, lenders, "5000-20000", "current", 0))
        on = date(2026, month + 1, 1) - timedelta(days=1)
        state.month_end(on, 0, 100_000, 1_000_000, other_lenders=early_warning_lenders(lookup, rid, on))
        assert lookup.asked == [(rid, "early_warning", on)]
    features = state.features()
    assert (features["other_lenders"], features["other_lenders_change_3m"]) == (3, 2)
    assert early_warning_lenders(None, rid, date(2026, 5, 31)) is None
    assert early_warning_lenders(Fixed(ConsortiumSignal(UNAVAILABLE)), rid, date(2026, 5, 31)) is None


def test_the_batch_path_asks_too() -> None:
    lookup = Fixed(ConsortiumSignal(ANSWER, 5, "5000-20000", "current", 0))
    uw: Underwriting = replace(default_underwriting(), consortium=lookup)
    system = build_memory(replace(default_policies(), underwriting=uw))
    forms = [form(7), form(8)]
    results = system.bus.handle(c.DecideApplications(tuple(c.DecideApplication(f, f.application_id) for f in forms)))
    assert [r.reasons[0] for r in results] == ["MULTI_LENDING", "MULTI_LENDING"]
    assert [a[0] for a in lookup.asked] == [f.id_number for f in forms]


def test_the_stored_inputs_are_the_canonical_document() -> None:
    from creditloop.app.underwriting import (
        canonical,
        consortium_document,
        inputs_document,
        inputs_json,
        prepare,
    )
    from creditloop.strategy.velocity import VelocitySnapshot

    f = form(9)
    uw = default_underwriting()
    p = prepare(c.DecideApplication(f, "C9"), uw)
    snapshot = VelocitySnapshot((), 0, 0, 0, 0, 0, 0, 0, None)
    signal, policy = ConsortiumSignal(ANSWER, 2, "0-5000", "1-30", 3), uw.multi_lending
    doc = inputs_document(f, snapshot, p.arm, consortium=consortium_document(signal, policy))
    assert inputs_json(p, snapshot, signal, policy) == canonical(doc)


def test_the_consortium_never_lowers_what_the_applicant_declared() -> None:
    """Hypothesis: any signal, any declared lenders and debts: the facts only rise, by whole fen, and an answer
    raises the debts to at least the policy's share of its band's floor."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from creditloop.app.consortium import STATUSES, MultiLendingPolicy, facts_with
    from creditloop.consortium.bands import BALANCE_BANDS, BUCKETS
    from creditloop.strategy.facts import derive_facts

    base = derive_facts(form(10))
    signals = st.builds(
        ConsortiumSignal, st.sampled_from(STATUSES), st.integers(0, 60),
        st.sampled_from([b.label for b in BALANCE_BANDS]), st.sampled_from(BUCKETS), st.integers(0, 60),
    )  # fmt: skip

    @settings(max_examples=200, deadline=None)
    @given(signals, st.integers(0, 50), st.integers(0, 10**9), st.integers(0, 10_000))
    def check(signal: ConsortiumSignal, lenders: int, debts: int, bps: int) -> None:
        facts = replace(base, other_lenders=lenders, monthly_debt_payments_minor=debts)
        policy = MultiLendingPolicy(payment_bps_of_balance=bps)
        out = facts_with(facts, signal, policy)
        assert out.other_lenders >= lenders and out.monthly_debt_payments_minor >= debts
        assert isinstance(out.monthly_debt_payments_minor, int)
        if signal.status != ANSWER:
            assert out == facts
        else:
            floor = next(b.floor for b in BALANCE_BANDS if b.label == signal.total_balance_band)
            assert out.monthly_debt_payments_minor >= floor * bps // 10_000 if floor > 0 else True
            assert out.other_lenders == max(lenders, signal.lenders_with_open_lines or 0)

    check()
