"""Monthly furnishing from the ledger (issue 16): a line re-derived at each month end gives the month's PBoC code,
the 24-month grid, balance and overdue as reported, Metro 2 codes and marks; and the reporting file formats."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from restructure_world import book, line

from creditloop.app import commands as c
from creditloop.app.furnishing import furnish_line, furnish_month, grid_days
from creditloop.core.errors import DomainError, ValidationError
from creditloop.reporting.furnishing import LAYOUT, RECORD_WIDTH, FurnishedMonth, csv_file, fixed_width_file


def test_a_line_that_never_pays_runs_star_1_to_6_then_bad_debt() -> None:
    bus, _ = book(3, "serious")
    bus.handle(c.RunDayEnd(date(2024, 10, 31)))
    records = {d: next(iter(furnish_month(bus.uow, d))) for d in (date(2024, 1, 31), date(2024, 3, 31))}
    jan, mar = records[date(2024, 1, 31)], records[date(2024, 3, 31)]
    assert (jan.status, jan.grid[:2], jan.overdue_minor) == ("*", "*/", 0)  # bought in January, first due in Feb
    assert (mar.status, mar.dpd, mar.metro2_rating, mar.metro2_status) == ("2", 50, "1", "71")
    assert mar.overdue_minor > 0 and mar.balance_minor >= mar.overdue_minor
    oct_ = furnish_line(line(bus), date(2024, 10, 31))
    assert oct_ is not None
    assert oct_.grid == "BBB654321*" + "/" * 14  # charged off 2024-08-08: B from August, never 7
    assert (oct_.dpd, oct_.card_class, oct_.metro2_rating, oct_.metro2_status) == (180, "loss", "L", "97")
    assert oct_.overdue_minor == oct_.balance_minor == line(bus).charged_off_minor


def test_recovered_charge_off_reports_settled() -> None:
    bus, _ = book(3, "serious")
    bus.handle(c.RunDayEnd(date(2024, 9, 30)))
    bus.handle(c.Repay("rec", "L", line(bus).charged_off_minor, date(2024, 10, 3)))
    bus.handle(c.RunDayEnd(date(2024, 10, 31)))
    rec = furnish_line(line(bus), date(2024, 10, 31))
    assert rec is not None and rec.status == "C" and rec.grid.startswith("CBB6")
    assert (rec.balance_minor, rec.overdue_minor, rec.metro2_status) == (0, 0, "64")


def test_paid_late_within_the_month_is_m_and_on_time_is_n() -> None:
    bus, _ = book(3, "current")  # the February bill paid on its due date
    bus.handle(c.RunDayEnd(date(2024, 3, 14)))  # the March bill (due 03-10) is 4 days late ...
    bus.handle(c.Repay("p2", "L", line(bus).amount_due_minor, date(2024, 3, 15)))  # ... and paid on the 15th
    bus.handle(c.RunDayEnd(date(2024, 3, 31)))
    rec = furnish_line(line(bus), date(2024, 3, 31))
    assert rec is not None and rec.grid[:3] == "MN*" and rec.dpd == 0 and rec.overdue_minor == 0


def test_restructure_and_settlement_marks() -> None:
    bus, on = book(24, "past_due")
    params = (("periods", 6), ("monthly_fee_bps", 50))
    bus.handle(c.Restructure("r1", "L", "term_extension", on, params, False))
    bus.handle(c.RunDayEnd(date(2024, 4, 30)))
    rec = furnish_line(line(bus), date(2024, 4, 30))
    assert rec is not None and rec.marks == ("restructured",)
    before = furnish_line(line(bus), date(2024, 2, 29))
    assert before is not None and before.marks == ()  # marks only from the restructure's month on

    bus, on = book(24, "serious")
    settle = (("amount_minor", 600_000), ("due_on", on + timedelta(days=30)))
    bus.handle(c.Restructure("s", "L", "settlement", on, settle, False))
    bus.handle(c.Repay("p1", "L", 600_000, on + timedelta(days=3)))
    bus.handle(c.RunDayEnd(date(2024, 6, 30)))
    rec = furnish_line(line(bus), date(2024, 6, 30))
    assert rec is not None and rec.status == "G" and "settled_for_less" in rec.marks  # ended, not settled in full


def test_open_months_and_non_month_ends_are_refused() -> None:
    bus, _ = book(3, "serious")  # closed through 2024-05-20
    with pytest.raises(DomainError) as exc:
        furnish_line(line(bus), date(2024, 5, 31))
    assert exc.value.code == "month_not_closed"
    with pytest.raises(ValidationError) as bad:
        furnish_line(line(bus), date(2024, 4, 30) - timedelta(days=1))
    assert bad.value.field == "on"
    assert furnish_line(line(bus), date(2023, 12, 31)) is None  # before the line opened


def test_grid_is_at_most_24_months() -> None:
    days = grid_days(date(2026, 12, 31), date(2020, 5, 17))
    assert len(days) == 24 and days[0] == date(2025, 1, 31) and days[-1] == date(2026, 12, 31)
    assert grid_days(date(2024, 2, 29), date(2024, 2, 10)) == [date(2024, 2, 29)]


def test_file_formats() -> None:
    rec = FurnishedMonth("L1", "C1", "2024-09", "B", "BB6" + "/" * 21, 180, 131_729, 131_729, "L", "97", "loss",
                         ("restructured", "disputed"))  # fmt: skip
    text = fixed_width_file([rec, rec])
    lines = text.splitlines()
    assert len(lines) == 2 and all(len(x) == RECORD_WIDTH for x in lines)
    assert lines[0][80:87] == "2024-09" and lines[0][87] == "B" and lines[0][112:116] == "0180"
    assert csv_file([rec]).splitlines() == [
        ",".join(n for n, _, _ in LAYOUT),
        'L1,C1,2024-09,B,BB6/////////////////////,180,131729,131729,L,97,loss,"restructured,disputed"',
    ]
    with pytest.raises(ValidationError) as exc:
        fixed_width_file([FurnishedMonth("L" * 41, "C", "2024-09", "N", "N" * 24, 0, 0, 0, "0", "11", "normal")])
    assert exc.value.field == "line_id"
    with pytest.raises(ValidationError):
        FurnishedMonth("L", "C", "2024-09", "N", "N" * 24, 0, 0, 0, "0", "11", "normal", ("vip",))


def test_a_dispute_open_at_month_end_marks_the_record() -> None:
    from datetime import UTC, datetime

    from creditloop.app.collections_store import Flag

    bus, _ = book(3, "serious")
    bus.handle(c.RunDayEnd(date(2024, 8, 31)))
    with bus.uow:
        bus.uow.collections.put_flag(
            Flag("d1", "L", "dispute", datetime(2024, 7, 20, 9, tzinfo=UTC), closed_at=datetime(2024, 8, 5, tzinfo=UTC))
        )
        bus.uow.commit()
    marks = {d: next(iter(furnish_month(bus.uow, d))).marks for d in (date(2024, 6, 30), date(2024, 7, 31))}
    assert marks == {date(2024, 6, 30): (), date(2024, 7, 31): ("disputed",)}
    assert next(iter(furnish_month(bus.uow, date(2024, 8, 31)))).marks == ()  # closed on 08-05


@pytest.mark.parametrize(("state", "repaired"), [("past_due", True), ("serious", False)])
def test_a_repaid_small_overdue_episode_is_shown_normal_from_2026(state: str, repaired: bool) -> None:
    """Overdue in Feb-Mar 2024 (under 10,000 yuan) or Feb-May 2024 (12,000 yuan and more), repaid in full: the
    PBoC 2025 repair hides the first from 2026-01-01; the second stays under the 5-year rule."""
    bus, on = book(3, state)
    bus.handle(c.Repay("all", "L", line(bus).payoff_minor(), on))
    bus.handle(c.RunDayEnd(date(2026, 1, 31)))
    dec = furnish_line(line(bus), date(2025, 12, 31))
    jan = furnish_line(line(bus), date(2026, 1, 31))
    assert dec is not None and jan is not None
    assert any(ch in "1234567" for ch in dec.grid) and "repaired" not in dec.marks  # not hidden before 2026-01-01
    if repaired:
        assert not any(ch in "1234567M" for ch in jan.grid) and "repaired" in jan.marks
    else:
        assert any(ch in "1234567" for ch in jan.grid) and "repaired" not in jan.marks
