"""Issue 15: collections through the message bus on the memory fake, SQLite and PostgreSQL — cases, contact
attempts under the conduct rules (allowed ones recorded with their outcome, refused ones with their rule codes
and nothing else), plans, promises kept and broken at day-end, disputes, preferences, retention purge, queue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from creditloop.app import collections_commands as cc
from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.collections_handlers import ConductRefused
from creditloop.app.collections_views import case_view, collections_queue
from creditloop.app.ports import UnitOfWork
from creditloop.bootstrap import default_policies
from creditloop.core.errors import IdempotencyConflict, NotFound, ValidationError

D0 = date(2024, 1, 5)
SH = ZoneInfo("Asia/Shanghai")


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


@pytest.fixture
def bus(any_uow: UnitOfWork) -> MessageBus:
    b = MessageBus(any_uow, default_policies())
    b.handle(c.OpenLine("L1", "C1", 500_000, D0))
    b.handle(c.Purchase("b1", "L1", 120_000, 6, D0 + timedelta(days=1)))
    b.handle(c.RunDayEnd(date(2024, 3, 1)))  # the first installment fell due unpaid on 10 Feb
    b.handle(cc.OpenCollectionCase("L1", "Asia/Shanghai", date(2024, 3, 1), ("ph1", "ph2"), ("ref1",)))
    return b


def test_a_refusal_names_the_next_allowed_instant_in_the_customers_local_time(bus: MessageBus) -> None:
    """R6 review: an attempt given in UTC was refused with "next allowed at 2024-03-03T00:00:00+00:00", which reads
    as midnight inside the quiet hours; the same instant is 08:00 in Shanghai."""
    late = bus.handle(cc.RecordContactAttempt("u1", "L1", "ph1", "call", datetime(2024, 3, 2, 15, 30, tzinfo=UTC),
                                              "connected"))  # fmt: skip
    assert late.next_allowed_at == sh(2024, 3, 3, 8, 0)
    with pytest.raises(ConductRefused) as e:
        late.raise_if_refused()
    assert "next allowed at 2024-03-03T08:00:00+08:00" in e.value.message


def _contacts(bus: MessageBus) -> list[dict]:
    return case_view(bus.uow, "L1")["contacts"]


def test_an_allowed_attempt_is_recorded_with_its_outcome_and_a_refused_one_with_its_codes(bus: MessageBus) -> None:
    ok = bus.handle(cc.RecordContactAttempt("a1", "L1", "ph1", "call", sh(2024, 3, 2, 8, 0), "connected"))
    assert ok.record.allowed and ok.record.outcome == "connected" and ok.record.local_on == date(2024, 3, 2)
    late = bus.handle(cc.RecordContactAttempt("a2", "L1", "ph1", "call", sh(2024, 3, 2, 22, 0), "connected"))
    assert not late.record.allowed and late.record.outcome is None
    assert late.record.codes == ("conduct.quiet_hours",)
    assert late.next_allowed_at == sh(2024, 3, 3, 8, 0)
    with pytest.raises(ConductRefused) as e:
        late.raise_if_refused()
    assert e.value.code == "conduct.quiet_hours"
    rows = _contacts(bus)
    assert [(r["record_id"], r["allowed"], r["outcome"]) for r in rows] == [
        ("a1", True, "connected"),
        ("a2", False, None),
    ]
    with bus.uow:
        assert bus.uow.audit.get("collections_contact/a2").outcome == "refused"  # type: ignore[union-attr]
    # a refused attempt counts for nothing: two more answered calls still fit the day's three
    for i, hour in enumerate((9, 10)):
        assert bus.handle(
            cc.RecordContactAttempt(f"b{i}", "L1", "ph2", "call", sh(2024, 3, 2, hour), "connected")
        ).record.allowed
    capped = bus.handle(cc.RecordContactAttempt("b9", "L1", "ph1", "call", sh(2024, 3, 2, 11), "unanswered"))
    assert capped.record.codes == ("conduct.connected_calls_daily_cap",)


def test_retries_and_conflicts(bus: MessageBus) -> None:
    cmd = cc.RecordContactAttempt("a1", "L1", "ph1", "sms", sh(2024, 3, 2, 9), "delivered")
    first = bus.handle(cmd)
    assert bus.handle(cmd).record == first.record
    with pytest.raises(IdempotencyConflict):
        bus.handle(cc.RecordContactAttempt("a1", "L1", "ph1", "sms", sh(2024, 3, 2, 10), "delivered"))
    assert len(_contacts(bus)) == 1


def test_bad_input_writes_nothing(bus: MessageBus) -> None:
    bad = [
        (cc.RecordContactAttempt("x1", "L1", "ph1", "fax", sh(2024, 3, 2, 9), "delivered"), "channel"),
        (cc.RecordContactAttempt("x2", "L1", "ph1", "call", datetime(2024, 3, 2, 9), "connected"), "at"),
        (cc.RecordContactAttempt("x3", "L1", "ph1", "call", sh(2024, 3, 2, 9), "delivered"), "outcome"),
        (cc.OpenCollectionCase("L1", "Mars/Base", date(2024, 3, 1), ("ph1",)), "zone"),
        (cc.RecordPromiseToPay("p1", "L1", 10_000, date(2024, 3, 5), date(2024, 3, 1)), "due_on"),
    ]
    for cmd, field in bad:
        with pytest.raises(ValidationError) as e:
            bus.handle(cmd)
        assert e.value.field == field
    with pytest.raises(NotFound):
        bus.handle(cc.RecordContactAttempt("x4", "L9", "ph1", "call", sh(2024, 3, 2, 9), "connected"))
    assert _contacts(bus) == []
    assert case_view(bus.uow, "L1")["zone"] == "Asia/Shanghai" and case_view(bus.uow, "L1")["promises"] == []


def test_third_party_and_dispute_and_preferences(bus: MessageBus) -> None:
    third = bus.handle(
        cc.RecordContactAttempt("t1", "L1", "ref1", "call", sh(2024, 3, 2, 9), "connected", purpose="locate")
    )
    assert third.record.codes == ("conduct.third_party_debtor_reachable",) and third.record.party == "third_party"
    told = bus.handle(
        cc.RecordContactAttempt(
            "t2", "L1", "ref1", "call", sh(2024, 3, 2, 9), "connected", purpose="locate", script="debtor_call"
        )
    )
    assert "conduct.third_party_disclosure" in told.record.codes
    stranger = bus.handle(cc.RecordContactAttempt("t3", "L1", "someone", "call", sh(2024, 3, 2, 9), "connected"))
    assert stranger.record.codes == ("conduct.unrelated_third_party",) and stranger.next_allowed_at is None
    bus.handle(cc.OpenDispute("D1", "L1", "dispute", sh(2024, 3, 3, 0)))
    held = bus.handle(cc.RecordContactAttempt("h1", "L1", "ph1", "sms", sh(2024, 3, 3, 9), "delivered"))
    assert held.record.codes == ("conduct.dispute_open",)
    assert collections_queue(bus.uow, date(2024, 3, 3))["held"] == ["L1"]
    bus.handle(cc.CloseDispute("D1", sh(2024, 3, 4, 0)))
    assert bus.handle(cc.RecordContactAttempt("h2", "L1", "ph1", "sms", sh(2024, 3, 4, 9), "delivered")).record.allowed
    bus.handle(cc.SetContactPreference("w1", "L1", "ph2", "agreed_window", sh(2024, 3, 4, 9), window="22:00-23:00"))
    assert bus.handle(
        cc.RecordContactAttempt("n1", "L1", "ph2", "call", sh(2024, 3, 4, 22, 30), "unanswered")
    ).record.allowed
    bus.handle(cc.SetContactPreference("w2", "L1", "ph2", "withdraw", sh(2024, 3, 5, 9), withdraws="w1"))
    night = bus.handle(cc.RecordContactAttempt("n2", "L1", "ph2", "call", sh(2024, 3, 5, 22, 30), "unanswered"))
    assert night.record.codes == ("conduct.quiet_hours",)


def test_plan_promise_queue_and_purge(bus: MessageBus) -> None:
    found, _ = bus.handle(cc.PlanContact("P1", "L1", sh(2024, 3, 2, 23, 0)))
    # 20 days past due (early): SMS first, at the next morning's opening, not a letter at 23:00
    assert found is not None and (found.channel, found.at, found.script_id) == (
        "sms",
        sh(2024, 3, 3, 8, 0),
        "debtor_reminder",
    )
    queue = collections_queue(bus.uow, date(2024, 3, 1))
    assert [i["line_id"] for i in queue["items"]] == ["L1"] and queue["items"][0]["segment"] == "early"
    bus.handle(cc.RecordPromiseToPay("p1", "L1", 30_000, date(2024, 3, 1), date(2024, 3, 5)))
    assert collections_queue(bus.uow, date(2024, 3, 5))["items"][0]["reasons"][0] == "ptp_due"
    bus.handle(c.Repay("pay1", "L1", 10_000, date(2024, 3, 2)))
    assert bus.handle(cc.SettlePromises(date(2024, 3, 2))) == {"kept": 0, "broken": 0, "open": 1}
    assert bus.handle(cc.SettlePromises(date(2024, 3, 5))) == {"kept": 0, "broken": 1, "open": 0}
    promises = case_view(bus.uow, "L1")["promises"]
    assert promises == [
        {"promise_id": "p1", "amount_minor": 30_000, "due_on": "2024-03-05", "status": "broken", "paid_minor": 10_000}
    ]
    bus.handle(cc.RecordPromiseToPay("p2", "L1", 5_000, date(2024, 3, 6), date(2024, 3, 10)))
    bus.handle(c.Repay("pay2", "L1", 6_000, date(2024, 3, 7)))
    assert bus.handle(cc.SettlePromises(date(2024, 3, 7)))["kept"] == 1
    # retention: two calendar years, never a younger record
    bus.handle(cc.RecordContactAttempt("old", "L1", "ph1", "letter", sh(2024, 3, 2, 9), "delivered"))
    bus.handle(cc.RecordContactAttempt("new", "L1", "ph1", "letter", sh(2024, 3, 3, 9), "delivered"))
    purged = bus.handle(cc.PurgeContactRecords(sh(2026, 3, 2, 9, 0) + timedelta(seconds=1)))
    assert purged["conduct_cn@1"] == 1
    assert [r["record_id"] for r in _contacts(bus)] == ["new"]
    assert bus.handle(cc.PurgeContactRecords(datetime(2026, 3, 3, 0, 59, tzinfo=UTC)))["conduct_cn@1"] == 0


def test_an_early_warning_referral_queues_a_current_line_until_the_alert_closes(any_uow: UnitOfWork) -> None:
    bus = MessageBus(any_uow, default_policies())
    bus.handle(c.OpenLine("L2", "C2", 500_000, D0))
    bus.handle(c.Purchase("b2", "L2", 120_000, 6, D0 + timedelta(days=1)))
    bus.handle(c.RunDayEnd(date(2024, 1, 31)))  # current: nothing has fallen due yet
    assert collections_queue(bus.uow, date(2024, 1, 31))["items"] == []
    bus.handle(c.RaiseAlert("w1", "L2", "EWI_UTILISATION_HIGH", "ewi", "1", date(2024, 1, 31), "high", ("U",), ()))
    referral = c.ActOnAlert("w1", date(2024, 1, 31), "p", "1", "collections_referral", "转催收", "refer", 0)
    assert bus.handle(referral) == "handed_off"
    queue = collections_queue(bus.uow, date(2024, 2, 1))
    [item] = queue["items"]
    assert (item["line_id"], item["segment"], item["reasons"][0], item["dpd"]) == ("L2", "current", "ewi_referral", 0)
    assert item["tier"] == 2 and item["case"] is False  # a case (zone, contacts) is opened before any contact
    # the referral lapses after the policy's 30 days, and at once when the alert closes
    assert collections_queue(bus.uow, date(2024, 3, 1))["items"] == []
    bus.handle(c.CloseAlert("w1", date(2024, 2, 2), "cured"))
    assert collections_queue(bus.uow, date(2024, 2, 3))["items"] == []
    # a referred current line is contacted by SMS or app only (the policy's "current" ladder)
    bus.handle(cc.OpenCollectionCase("L2", "Asia/Shanghai", date(2024, 2, 3), ("ph9",)))
    found, _ = bus.handle(cc.PlanContact("P2", "L2", sh(2024, 2, 3, 10, 0)))
    assert found is not None and found.channel == "sms"
    bus.handle(cc.RecordContactAttempt("s1", "L2", "ph9", "sms", sh(2024, 2, 3, 10, 0), "delivered"))
    bus.handle(cc.RecordContactAttempt("s2", "L2", "ph9", "app", sh(2024, 2, 3, 10, 5), "delivered"))
    later, _ = bus.handle(cc.PlanContact("P3", "L2", sh(2024, 2, 3, 11, 0)))
    assert later is not None and later.channel in ("sms", "app")  # never escalates to a call or a letter
    with bus.uow:
        from creditloop.app.collections_store import store_of

        assert [f.kind for f in store_of(bus.uow).flags_for("L2")] == ["referral"]
        assert not store_of(bus.uow).flags_for("L2")[0].is_open
