"""Issue 15: segments and self-cure, the queue's order, promises kept and broken, scripts (the third-party one
never mentions the debt), the contact strategy's ladder, and retention that never purges a younger record."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditloop.collections.conduct import ConductEngine
from creditloop.collections.conduct_history import ContactAttempt, ContactHistory
from creditloop.collections.conduct_policy import conduct_policy
from creditloop.collections.contact_strategy import plan_contact
from creditloop.collections.ptp import new_promise, settle
from creditloop.collections.queues import CaseSnapshot, build_queue
from creditloop.collections.retention import retention_cutoff
from creditloop.collections.scripts import SCRIPTS, render, script_for
from creditloop.collections.segments import Behaviour, default_collections_policy, segment_of, self_cure
from creditloop.core.errors import DomainError, ValidationError

POLICY = default_collections_policy()
SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("dpd", "charged_off", "segment"),
    [
        (0, False, "current"),
        (1, False, "early"),
        (30, False, "early"),
        (31, False, "late"),
        (90, False, "late"),
        (91, False, "recovery"),
        (5, True, "recovery"),
    ],
)
def test_segments_by_days_past_due(dpd: int, charged_off: bool, segment: str) -> None:
    assert segment_of(dpd, charged_off, POLICY) == segment


def test_self_cure_is_the_policy_function_or_one_minus_the_behaviour_pd() -> None:
    assert self_cure(Behaviour(10), POLICY) == pytest.approx(1 / (1 + 2.718281828459045 ** -(1.2 - 0.6)))
    assert self_cure(Behaviour(10, behaviour_pd=0.25), POLICY) == 0.75
    assert self_cure(Behaviour(10, charged_off=True), POLICY) == 0.0
    better = Behaviour(10, recent_payments=2, kept_promises=1)
    worse = Behaviour(10, broken_promises=2)
    assert self_cure(better, POLICY) > self_cure(Behaviour(10), POLICY) > self_cure(worse, POLICY)
    with pytest.raises(ValidationError):
        self_cure(Behaviour(10, behaviour_pd=1.5), POLICY)


def test_queue_order_tiers_then_amount_at_risk_and_held_cases_out() -> None:
    on = date(2026, 12, 2)
    cases = [
        CaseSnapshot("big-early", 900_000, Behaviour(10)),
        CaseSnapshot("small-early", 10_000, Behaviour(10)),
        CaseSnapshot("promise-due", 5_000, Behaviour(40), promise_due_on=on),
        CaseSnapshot("broken", 5_000, Behaviour(40), last_broken_on=on - timedelta(days=3)),
        CaseSnapshot("recovery", 2_000_000, Behaviour(120)),
        CaseSnapshot("disputed", 9_000_000, Behaviour(60), held=True),
        CaseSnapshot("current", 9_000_000, Behaviour(0)),
    ]
    items, held = build_queue(cases, on, POLICY)
    assert [i.line_id for i in items] == ["promise-due", "broken", "big-early", "small-early", "recovery"]
    assert held == ["disputed"]
    first = items[2]
    assert first.at_risk_minor == round(900_000 * (1 - first.self_cure))  # fen, half up, from the exact product
    assert items[0].reasons[0] == "ptp_due" and items[4].reasons == ("segment:recovery",)


def test_promises_kept_or_broken_at_day_end() -> None:
    p = new_promise("p1", "L1", 30_000, date(2026, 12, 1), date(2026, 12, 5), POLICY.promise_max_days)
    assert settle(p, 10_000, date(2026, 12, 4)) == p  # running, not yet met
    kept = settle(p, 30_000, date(2026, 12, 3))
    assert (kept.status, kept.settled_on, kept.paid_minor) == ("kept", date(2026, 12, 3), 30_000)
    broken = settle(p, 29_999, date(2026, 12, 5))
    assert (broken.status, broken.paid_minor) == ("broken", 29_999)
    assert settle(broken, 50_000, date(2026, 12, 6)) == broken  # settled once
    with pytest.raises(DomainError) as e:
        new_promise("p2", "L1", 1, date(2026, 12, 1), date(2027, 1, 15), POLICY.promise_max_days)
    assert e.value.code == "ptp_too_far" and e.value.field == "due_on"
    with pytest.raises(ValidationError) as v:
        new_promise("p3", "L1", 0, date(2026, 12, 1), date(2026, 12, 2), 31)
    assert v.value.field == "amount_minor"


DEBT_WORDS = re.compile(
    r"欠|逾期|债|还款|催收|账户|金额|元|debt|owe|overdue|past due|arrear|pay|loan|account|yuan|collect", re.IGNORECASE
)


def test_third_party_scripts_never_mention_the_debt() -> None:
    third = [s for s in SCRIPTS.values() if s.party == "third_party"]
    assert third and all(not s.mentions_debt for s in third)
    for s in third:
        for lang in ("zh", "en"):
            text = render(s, lang, first_name="小明", caller="王女士", amount_minor=123_456, dpd=47, callback="95xxx")
            assert not DEBT_WORDS.search(text), text
            assert "1234.56" not in text and "47" not in text
            assert "{amount}" not in (s.zh + s.en) and "{dpd}" not in (s.zh + s.en)
    debtor = render(script_for("debtor", "sms"), "zh", first_name="小明", caller="x", amount_minor=123_456, dpd=47)
    assert "1234.56" in debtor and "47" in debtor
    assert all(s.mentions_debt for s in SCRIPTS.values() if s.party == "debtor")


def test_the_strategy_escalates_along_the_ladder_and_never_plans_a_refused_contact() -> None:
    engine = ConductEngine(conduct_policy("cn"))
    h = ContactHistory("Asia/Shanghai")
    now = datetime(2026, 12, 2, 10, 0, tzinfo=SH)
    plan, _ = plan_contact(engine, POLICY, "early", ("ph1",), h, now)
    assert plan is not None and (plan.channel, plan.at) == ("sms", now)
    h.add(ContactAttempt("s1", "ph1", "debtor", "sms", now, "delivered"))
    plan, passed = plan_contact(engine, POLICY, "early", ("ph1",), h, now + timedelta(hours=1))
    assert plan is not None and plan.channel == "app" and "sms:waiting" in passed
    h.open_disputes.add("D")
    plan, passed = plan_contact(engine, POLICY, "early", ("ph1",), h, now)
    assert plan is None and "call:conduct.dispute_open" in passed
    h.open_disputes.clear()
    late = datetime(2026, 12, 2, 23, 0, tzinfo=SH)
    plan, _ = plan_contact(engine, POLICY, "late", ("ph1",), h, late)
    assert plan is not None and (plan.channel, plan.at) == ("call", datetime(2026, 12, 3, 8, 0, tzinfo=SH))


@given(
    st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)),
    st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)),
    st.integers(-1, 5),
)
def test_retention_never_lets_a_record_younger_than_two_years_go(at: datetime, now: datetime, years: int) -> None:
    if retention_cutoff(now, years) > at:  # the purge would delete it
        kept = max(years, 2)
        try:
            anniversary = at.replace(year=at.year + kept)
        except ValueError:  # 29 February
            anniversary = at.replace(year=at.year + kept, month=3, day=1)
        assert anniversary <= now


def test_a_policy_may_not_shorten_retention() -> None:
    assert retention_cutoff(datetime(2028, 2, 29, 12, tzinfo=UTC), 1) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert conduct_policy("cn").retention_years == 2 and conduct_policy("us").retention_years == 3
