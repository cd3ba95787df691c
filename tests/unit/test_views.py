"""Read views (app/views.py) and the reversal result (issue 11 item 3): what the CLI shows, read without it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from creditloop.app import commands as c
from creditloop.app import views
from creditloop.bootstrap import build_memory
from creditloop.core.errors import NotFound
from creditloop.jobs.day_end import run_day_end_job

D = date(2024, 3, 1)


def day(n: int) -> date:
    return D + timedelta(days=n)


def a_line() -> object:
    bus = build_memory().bus
    bus.handle(c.OpenLine("L1", "C1", 10000, D, None, None))  # limit 100.00
    bus.handle(c.Purchase("b1", "L1", 1000, 1, D))  # 10.00
    return bus


def test_a_reversal_history_allows_is_reported_as_re_derived() -> None:
    bus = a_line()
    bus.handle(c.Repay("p1", "L1", 600, day(1)))
    run_day_end_job(bus.uow, day(3))
    result = bus.handle(c.ReversePayment("x1", "L1", "p1", day(4)))
    assert result == views.ReversalResult("rederived", "x1", "p1", 600, day(4), day(4), 0)
    assert views.line_summary(bus.uow, "L1").principal_minor == 1000


def test_a_reversal_booked_as_a_returned_payment_says_so() -> None:
    """Was: the handler returned None and the CLI printed "Reversed" although the payment stayed in history."""
    bus = a_line()
    bus.handle(c.Repay("p1", "L1", 11000, D))  # 10.00 owed + 100.00 credit
    bus.handle(c.RefundCreditBalance("r1", "L1", 10000, day(3)))  # the credit is paid out: no re-derivation
    run_day_end_job(bus.uow, day(4))
    result = bus.handle(c.ReversePayment("x1", "L1", "p1", day(5)))
    assert result.kind == "returned"
    assert (result.amount_minor, result.value_on, result.booked_on) == (11000, day(5), day(5))
    assert result.owed_again_minor == 11000  # the 10.00 bought and the 100.00 paid out: no credit left
    assert result.to_dict()["booked_on"] == day(5).isoformat()
    # A retry answers the same.
    assert bus.handle(c.ReversePayment("x1", "L1", "p1", day(5))) == result
    assert views.line_summary(bus.uow, "L1").principal_minor == 11000


def test_line_summary_and_statement_views_carry_fen_and_iso_dates() -> None:
    bus = a_line()
    run_day_end_job(bus.uow, day(40))
    view = views.line_summary(bus.uow, "L1")
    assert (view.limit_minor, view.principal_minor, view.open_to_buy_minor) == (10000, 1000, 9000)
    as_dict = view.to_dict()
    assert as_dict["last_closed_on"] == day(40).isoformat() and as_dict["restructured_on"] is None
    assert [r["principal_minor"] for r in as_dict["schedule"]] == [1000]
    statement = views.latest_statement(bus.uow, "L1")
    assert statement is not None and statement["installments_principal_minor"] == 1000
    assert isinstance(statement["statement_on"], str)
    assert views.recorded_day(bus.uow, "L1", "b1") == D
    assert views.recorded_day(bus.uow, "L1", None) == D
    assert views.recorded_day(bus.uow, "L1", "nope") is None
    with pytest.raises(NotFound):
        views.line_summary(bus.uow, "nope")


def test_a_line_without_statement_has_no_statement_view() -> None:
    assert views.latest_statement(a_line().uow, "L1") is None


def test_journal_rows_and_verify_report_balance() -> None:
    bus = a_line()
    bus.handle(c.Repay("p1", "L1", 400, day(2)))
    rows = list(views.journal_rows(bus.uow))
    assert rows and set(rows[0]) == set(views.JOURNAL_FIELDS)
    assert sum(r["amount_minor"] * (1 if r["side"] == "D" else -1) for r in rows) == 0
    report = views.verify_journal(bus.uow)
    assert report.ok and report.to_dict() == {
        "ok": True,
        "trial_balance_minor": 0,
        "running_totals_equal_postings": True,
        "control_equals_sub_ledger": True,
        "lines_mismatched": [],
    }
    assert not views.VerifyReport(1, True, True).ok
    assert not views.VerifyReport(0, True, True, ("L1",)).ok


def test_pending_day_ends_counts_the_dates_a_day_end_would_close() -> None:
    bus = a_line()
    first = views.pending_day_ends(bus.uow, day(2))
    assert first == (day(2),) or first[-1] == day(2)
    run_day_end_job(bus.uow, day(2))
    assert views.pending_day_ends(bus.uow, day(5)) == (day(3), day(4), day(5))
