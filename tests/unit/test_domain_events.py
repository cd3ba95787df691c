"""Domain events: the aggregate records them, the unit of work collects them, the bus hands them to subscribers."""

from datetime import date, timedelta
from pathlib import Path

import pytest

from creditloop.adapters.sqlalchemy import make_engine, migrate, sqlite_url
from creditloop.adapters.sqlalchemy.uow import SqlUnitOfWork
from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.memory import MemoryEventLog
from creditloop.bootstrap import build_memory, default_policies, product_lookup, subscribe_event_log
from creditloop.products.terms import default_product
from creditloop.servicing.credit_line import CreditLine
from creditloop.servicing.events import (
    BucketChanged,
    ChargedOff,
    DueMissed,
    LineOpened,
    PaymentApplied,
    PaymentReturned,
    PurchaseBooked,
    RestructureBooked,
)

D0 = date(2024, 1, 5)


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def test_a_line_s_life_is_told_by_its_events_in_order() -> None:
    log = MemoryEventLog()
    bus = build_memory(subscribers=subscribe_event_log(log)).bus
    bus.handle(c.OpenLine("L1", "C1", 500_000, D0))
    plan = bus.handle(c.Purchase("b1", "L1", 120_000, 6, day(1)))
    bus.handle(c.Repay("p1", "L1", 5_000, day(2)))
    bus.handle(c.RunDayEnd(day(60)))  # the first installment falls due unpaid on 10 Feb: DPD from 11 Feb
    bus.handle(c.Restructure("r1", "L1", "term_extension", day(61), (("periods", 12),)))
    bus.handle(c.ReversePayment("x1", "L1", "p1", day(62)))

    assert log.events[0] == LineOpened("L1", D0, "C1", 500_000)
    assert log.of_type(PurchaseBooked) == [PurchaseBooked("L1", day(1), "b1", plan.plan_id, 120_000, 6)]
    assert log.of_type(PaymentApplied) == [PaymentApplied("L1", day(2), "p1", 5_000, 0, 0)]
    missed = log.of_type(DueMissed)
    assert len(missed) == 1 and missed[0].due_on == date(2024, 2, 10) and missed[0].on == date(2024, 2, 11)
    assert isinstance(missed[0], DueMissed) and missed[0].past_due_minor > 0
    assert log.of_type(BucketChanged)[0] == BucketChanged("L1", date(2024, 2, 11), "M0", "M1", 1)
    assert log.of_type(RestructureBooked) == [RestructureBooked("L1", day(61), "r1", "term_extension")]
    assert log.of_type(PaymentReturned) == [PaymentReturned("L1", day(62), "p1", "x1", owed_again=False)]
    assert [type(e).__name__ for e in log.events] == [
        "LineOpened",
        "PurchaseBooked",
        "PaymentApplied",
        "DueMissed",
        "BucketChanged",
        "RestructureBooked",
        "PaymentReturned",
    ]
    assert log.counts["PurchaseBooked"] == 1


def test_retries_record_nothing_again() -> None:
    log = MemoryEventLog()
    bus = build_memory(subscribers=subscribe_event_log(log)).bus
    bus.handle(c.OpenLine("L1", "C1", 500_000, D0))
    for _ in range(2):
        bus.handle(c.Purchase("b1", "L1", 10_000, 3, day(1)))
        bus.handle(c.Repay("p1", "L1", 1_000, day(1)))
        bus.handle(c.ReversePayment("x1", "L1", "p1", day(2)))
    assert log.counts == {"LineOpened": 1, "PurchaseBooked": 1, "PaymentApplied": 1, "PaymentReturned": 1}


def test_a_line_that_stops_paying_ages_bucket_by_bucket_and_charges_off() -> None:
    log = MemoryEventLog()
    bus = build_memory(subscribers=subscribe_event_log(log)).bus
    bus.handle(c.OpenLine("L1", "C1", 500_000, D0))
    bus.handle(c.Purchase("b1", "L1", 30_000, 3, day(1)))
    bus.handle(c.RunDayEnd(day(60 + default_product().charge_off_dpd)))
    moves = [(e.old, e.new) for e in log.of_type(BucketChanged) if isinstance(e, BucketChanged)]
    assert moves[:6] == [("M0", "M1"), ("M1", "M2"), ("M2", "M3"), ("M3", "M4"), ("M4", "M5"), ("M5", "M6")]
    (off,) = log.of_type(ChargedOff)
    assert isinstance(off, ChargedOff) and off.amount_minor >= 30_000  # principal, fees and penalty written off


def test_without_subscribers_lines_record_nothing() -> None:
    bus = build_memory().bus
    bus.handle(c.OpenLine("L1", "C1", 500_000, D0))
    bus.handle(c.Purchase("b1", "L1", 10_000, 3, day(1)))
    with bus.uow:
        line = bus.uow.lines.get("L1")
        line.close_through(day(90))
        assert line.new_events is None
    # A line outside any unit of work records only once asked to.
    fresh = CreditLine.open("L2", "C2", default_product(), 10_000, D0)
    fresh.purchase("b1", 1_000, 1, day(1))
    assert fresh.new_events is None and fresh.collect_events() == []
    fresh.start_recording()
    fresh.repay("p1", 1_000, day(2))
    assert [type(e) for e in fresh.collect_events()] == [PaymentApplied] and fresh.collect_events() == []


def test_the_sql_unit_of_work_collects_events_too(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path))
    migrate(engine)
    policies = default_policies()
    log = MemoryEventLog()
    uow = SqlUnitOfWork(engine, product_lookup(policies).__getitem__)
    bus = MessageBus(uow, policies, subscribers=subscribe_event_log(log))
    bus.handle(c.OpenLine("L1", "C1", 500_000, D0))
    bus.handle(c.Purchase("b1", "L1", 10_000, 3, day(1)))  # the line is reloaded from its stored document
    assert [type(e) for e in log.events] == [LineOpened, PurchaseBooked]


def test_a_subscriber_s_error_rolls_the_command_back() -> None:
    def refuse(event: object) -> None:
        raise RuntimeError("subscriber down")

    bus = build_memory(subscribers={PurchaseBooked: [refuse]}).bus
    bus.handle(c.OpenLine("L1", "C1", 500_000, D0))
    with pytest.raises(RuntimeError, match="subscriber down"):
        bus.handle(c.Purchase("b1", "L1", 10_000, 3, day(1)))
    with bus.uow:
        assert bus.uow.lines.get("L1").plans == []


def test_a_settlement_is_told_when_it_completes_and_when_it_lapses() -> None:
    from creditloop.servicing.events import SettlementCompleted, SettlementLapsed
    from creditloop.servicing.settlement import owed_minor

    log = MemoryEventLog()
    bus = build_memory(subscribers=subscribe_event_log(log)).bus
    for line_id in ("L1", "L2"):
        bus.handle(c.OpenLine(line_id, "C1", 500_000, D0))
        bus.handle(c.Purchase(f"b-{line_id}", line_id, 120_000, 3, day(1)))
    bus.handle(c.RunDayEnd(day(160)))  # both lines about 120 days past due
    offers = {}
    for line_id in ("L1", "L2"):
        with bus.uow:
            owed = owed_minor(bus.uow.lines.get(line_id))
        offers[line_id] = owed * 7 // 10
        params = (("amount_minor", offers[line_id]), ("due_on", day(191)))
        bus.handle(c.Restructure(f"s-{line_id}", line_id, "settlement", day(161), params))
    bus.handle(c.Repay("p1", "L1", offers["L1"], day(170)))
    bus.handle(c.Repay("p2", "L2", 10_000, day(170)))  # too little: the offer lapses at its due date's day-end
    bus.handle(c.RunDayEnd(day(192)))
    (done,) = log.of_type(SettlementCompleted)
    assert isinstance(done, SettlementCompleted)
    assert (done.line_id, done.on, done.request_id) == ("L1", day(170), "s-L1")
    assert done.forgiven_minor > 0
    (lapsed,) = log.of_type(SettlementLapsed)
    assert lapsed == SettlementLapsed("L2", day(191), "s-L2", 10_000)
