"""Issue 16 part 2 on the memory fake, SQLite and PostgreSQL: credit-report disputes (marked at once, the 20-day
clock, corrected / confirmed / undeterminable, the correction re-furnishing the history, the collections hold),
the Art. 15 notice before the first negative month, statements and the customer's report; bad input writes
nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from creditloop.app import collections_commands as cc
from creditloop.app import commands as c
from creditloop.app import dispute_commands as dc
from creditloop.app.bus import MessageBus
from creditloop.app.collections_store import store_of
from creditloop.app.credit_report import customer_report, report_text
from creditloop.app.dispute_store import dispute_store
from creditloop.app.ports import UnitOfWork
from creditloop.bootstrap import default_policies
from creditloop.core.errors import NotFound, ValidationError

D0 = date(2024, 1, 5)
JAN, FEB, MAR, APR = date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)


@pytest.fixture
def bus(any_uow: UnitOfWork) -> MessageBus:
    """L1 of C1: a purchase on 6 Jan, nothing paid: the first installment is overdue from 11 Feb (Feb '1')."""
    b = MessageBus(any_uow, default_policies())
    b.handle(c.OpenLine("L1", "C1", 500_000, D0))
    b.handle(c.Purchase("b1", "L1", 120_000, 6, D0 + timedelta(days=1)))
    b.handle(c.OpenLine("L2", "C1", 300_000, D0))  # a second line of C1 that stays clean
    b.handle(c.RunDayEnd(APR))
    return b


def _file(bus: MessageBus, dispute_id: str = "D1", **kw: object) -> object:
    args: dict[str, object] = {"line_id": "L1", "months": ("2024-02",), "field": "status", "channel": "customer"}
    args.update(on=date(2024, 3, 5), consent=True, claim="I paid on time", lang="en")
    args.update(kw)
    return bus.handle(dc.FileCreditDispute(dispute_id, **args))  # type: ignore[arg-type]


def _l1(bus: MessageBus, day: date) -> dc.FurnishMonth:
    done = bus.handle(dc.FurnishMonth(day))
    return next(r for r in done.records if r.line_id == "L1")  # type: ignore[no-any-return]


def _audit(bus: MessageBus, decision_id: str) -> object:
    with bus.uow:
        return bus.uow.audit.get(decision_id)


def test_the_notice_comes_with_the_first_negative_month_and_only_once(bus: MessageBus) -> None:
    jan = bus.handle(dc.FurnishMonth(JAN))
    assert [r.status for r in jan.records] == ["*", "*"] and jan.notices == []
    assert _audit(bus, "credit_notice/L1") is None  # nothing negative yet: no notice
    feb = bus.handle(dc.FurnishMonth(FEB))
    assert [r.status for r in feb.records if r.line_id == "L1"] == ["1"] and feb.notices == ["L1"]
    notice = _audit(bus, "credit_notice/L1")
    assert notice.kind == "credit_notice" and notice.decided_on == FEB  # type: ignore[attr-defined]
    what = notice.trace[0]  # type: ignore[attr-defined]
    assert what["month"] == "2024-02" and what["status"] == "1" and what["report_on"] == "2024-03-01"
    message = _audit(bus, "message/credit_notice/L1").trace[0]  # type: ignore[attr-defined]
    assert message["send_on"] == "2024-02-29" < what["report_on"]  # noticed before the file goes out
    assert "2024-02" in message["en"] and "dispute" in message["en"] and "20 days" in message["en"]
    assert "异议" in message["zh"] and "20日" in message["zh"]
    assert bus.handle(dc.FurnishMonth(MAR)).notices == []  # '2' in March: not repeated
    assert bus.handle(dc.FurnishMonth(FEB)).notices == []  # a re-run of February finds its notice
    assert _audit(bus, "credit_notice/L2") is None  # the clean line never had one


def test_a_dispute_is_marked_at_once_and_a_correction_refurnishes_the_history(bus: MessageBus) -> None:
    assert _l1(bus, FEB).grid.startswith("1*")
    d = _file(bus)
    assert d.due_on == date(2024, 3, 25) and d.status == "open" and not d.holds_collections  # type: ignore[attr-defined]
    assert _l1(bus, FEB).marks == ()  # February's file went out before the dispute
    march = _l1(bus, MAR)
    assert march.marks == ("disputed",) and march.grid.startswith("21*")
    done = bus.handle(dc.ResolveCreditDispute("D1", "corrected", date(2024, 3, 20), "N"))
    assert "corrected it to N (normal)" in done["reply"]["en"] and "已更正为N" in done["reply"]["zh"]
    march = _l1(bus, MAR)
    assert march.grid.startswith("2N*") and march.marks == ("dispute_closed",)  # Metro 2 XH in March only
    assert _l1(bus, APR).grid.startswith("32N*") and _l1(bus, APR).marks == ()
    assert _l1(bus, FEB).grid.startswith("1*")  # February's file is reproduced as it was sent
    closed = _audit(bus, "credit_dispute_closed/D1")
    assert closed.outcome == "corrected" and closed.reasons == ()  # type: ignore[attr-defined]
    assert _audit(bus, "message/credit_dispute/D1").kind == "outbound_message"  # type: ignore[attr-defined]
    with bus.uow:
        assert dispute_store(bus.uow).get("D1").claim == "I paid on time"  # type: ignore[union-attr]


def test_an_amount_correction_of_the_current_month_and_the_collections_hold(bus: MessageBus) -> None:
    before = _l1(bus, MAR)
    d = _file(bus, "D2", months=("2024-03",), field="overdue", on=date(2024, 4, 2), consent=False, claim="secret")
    assert d.holds_collections and d.claim is None  # type: ignore[attr-defined]  # no consent: dropped unread
    with bus.uow:
        flag = store_of(bus.uow).get_flag("credit-D2")
    assert flag is not None and flag.kind == "dispute" and flag.is_open
    bus.handle(cc.OpenCollectionCase("L1", "Asia/Shanghai", date(2024, 4, 2), ("ph1",), ()))
    at = datetime(2024, 4, 3, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    held = bus.handle(cc.RecordContactAttempt("a1", "L1", "ph1", "call", at, "connected"))
    assert held.record.codes == ("conduct.dispute_open",)  # the amount owed is disputed: contact is held
    late = date(2024, 4, 30)  # after the 22 Apr deadline
    bus.handle(dc.ResolveCreditDispute("D2", "corrected", late, "20000"))
    with bus.uow:
        assert not store_of(bus.uow).get_flag("credit-D2").is_open  # type: ignore[union-attr]
    after = bus.handle(cc.RecordContactAttempt("a2", "L1", "ph1", "call", at + timedelta(days=28), "connected"))
    assert after.record.allowed
    assert _audit(bus, "credit_dispute_closed/D2").reasons == ("dispute.investigation_late",)  # type: ignore[attr-defined]
    assert _l1(bus, MAR).overdue_minor == before.overdue_minor  # effective from 30 Apr: March's file unchanged
    done = bus.handle(dc.FurnishMonth(APR))
    assert next(r for r in done.records if r.line_id == "L1").overdue_minor != 20000  # April's own amount stands


@pytest.mark.parametrize("outcome", ["confirmed", "undeterminable"])
def test_confirmed_and_undeterminable_change_nothing_but_the_mark(bus: MessageBus, outcome: str) -> None:
    before = _l1(bus, APR)
    _file(bus, on=date(2024, 4, 3))
    assert _l1(bus, APR).marks == ("disputed",)
    done = bus.handle(dc.ResolveCreditDispute("D1", outcome, date(2024, 4, 10)))
    after = _l1(bus, APR)
    assert (after.grid, after.overdue_minor, after.marks) == (before.grid, before.overdue_minor, ("dispute_closed",))
    assert {"confirmed": "accurate", "undeterminable": "undeterminable"}[outcome] in done["reply"]["en"]


def test_bad_input_names_the_field_and_writes_nothing(bus: MessageBus) -> None:
    bad = [
        ({"line_id": "NOPE"}, NotFound, "line_id"),
        ({"months": ("2023-12",)}, ValidationError, "months"),  # before the line opened
        ({"months": ("2024-03",)}, ValidationError, "months"),  # not ended by 5 Mar
        ({"months": ("2024-3",)}, ValidationError, "months"),
        ({"months": ()}, ValidationError, "months"),
        ({"field": "limit"}, ValidationError, "field"),
        ({"channel": "email"}, ValidationError, "channel"),
        ({"jurisdiction": "uk"}, ValidationError, "jurisdiction"),
    ]
    for kw, error, field in bad:
        with pytest.raises(error) as e:
            _file(bus, "BAD", **kw)
        assert e.value.field == field, kw
    assert _audit(bus, "credit_dispute/BAD") is None
    with bus.uow:
        assert dispute_store(bus.uow).get("BAD") is None
    _file(bus)
    for cmd, field in [
        (dc.ResolveCreditDispute("D1", "withdrawn", date(2024, 3, 9)), "outcome"),
        (dc.ResolveCreditDispute("D9", "confirmed", date(2024, 3, 9)), "dispute_id"),
        (dc.ResolveCreditDispute("D1", "corrected", date(2024, 3, 9)), "corrected_value"),
        (dc.ResolveCreditDispute("D1", "corrected", date(2024, 3, 9), "Q"), "corrected_value"),
        (dc.ResolveCreditDispute("D1", "confirmed", date(2024, 3, 9), "N"), "corrected_value"),
        (dc.ResolveCreditDispute("D1", "confirmed", date(2024, 3, 1)), "on"),
    ]:
        with pytest.raises((ValidationError, NotFound)) as e:
            bus.handle(cmd)
        assert e.value.field == field, cmd
    with bus.uow:
        assert dispute_store(bus.uow).get("D1").status == "open"  # type: ignore[union-attr]
    bus.handle(dc.ResolveCreditDispute("D1", "confirmed", date(2024, 3, 9)))
    with pytest.raises(ValidationError) as e:
        bus.handle(dc.ResolveCreditDispute("D1", "corrected", date(2024, 3, 10), "N"))
    assert e.value.field == "dispute_id" and "already closed" in e.value.message
    with bus.uow:
        assert dispute_store(bus.uow).get("D1").outcome == "confirmed"  # type: ignore[union-attr]


def test_a_retry_is_a_no_op_and_the_overdue_list(bus: MessageBus) -> None:
    first = _file(bus)
    assert _file(bus) == first
    _file(bus, "D3", on=date(2024, 3, 10))
    with bus.uow:
        found = dispute_store(bus.uow).disputes(customer_id="C1")
    assert [d.dispute_id for d in found if d.overdue_on(date(2024, 3, 26))] == ["D1"]  # due 25 Mar; D3 30 Mar
    assert [d.days_left(date(2024, 3, 26)) for d in found] == [-1, 4]


def test_statements_and_the_customers_report(bus: MessageBus) -> None:
    _file(bus)
    bus.handle(dc.AddCreditStatement("S1", "C1", "I was in hospital in February.", date(2024, 4, 2), "L1", "en"))
    with pytest.raises(ValidationError) as e:
        bus.handle(dc.AddCreditStatement("S2", "C1", "x", date(2024, 4, 2), "L9"))
    assert e.value.field == "about_line"
    with pytest.raises(NotFound) as nf:
        bus.handle(dc.AddCreditStatement("S3", "C9", "x", date(2024, 4, 2)))
    assert nf.value.field == "customer_id"
    with pytest.raises(ValidationError) as e:
        bus.handle(dc.AddCreditStatement("S4", "C1", "   ", date(2024, 4, 2)))
    assert e.value.field == "text"
    report = customer_report(bus.uow, "C1", MAR)
    assert [ln["line_id"] for ln in report["lines"]] == ["L1", "L2"]
    l1 = report["lines"][0]
    assert l1["status"] == "2" and l1["grid"].startswith("21*") and l1["marks"] == ["disputed"]
    assert [d["dispute_id"] for d in l1["disputes"]] == ["D1"] and l1["disputes"][0]["due_on"] == "2024-03-25"
    assert report["statements"] == [
        {"statement_id": "S1", "line_id": "L1", "text": "I was in hospital in February.", "added_on": "2024-04-02"}
    ]
    zh = report_text(report, "zh")
    assert "异议中" in zh and "个人声明" in zh and "应于2024-03-25前答复" in zh and "逾期31-60天" in zh
    assert "reply due by 2024-03-25" in report_text(report, "en")
