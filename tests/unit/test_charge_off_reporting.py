"""Issue 16: charge-off, recovery and snapshot DPD agree. The DPD stops on the charge-off day everywhere (``dpd``,
``line show`` and ``dpd_on``, which the simulator's snapshots use); the month reports 'B' while the charged-off
debt is owed and 'C' once it is recovered in full — never '7' months after charge-off, never 'N'."""

from __future__ import annotations

from datetime import date

from restructure_world import book, line

from creditloop.app import commands as c
from creditloop.reporting import monthly_status
from creditloop.servicing.state import LineStatus


def test_dpd_stops_at_charge_off_and_the_month_reports_bad_debt_then_settled() -> None:
    bus, _ = book(3, "serious")
    bus.handle(c.RunDayEnd(date(2024, 8, 31)))  # charged off on the day it reaches 180 DPD
    ln = line(bus)
    assert ln.status is LineStatus.CHARGED_OFF and ln.charged_off_on == date(2024, 8, 8)  # 180 DPD from 02-10
    stop = ln.product.charge_off_dpd
    assert ln.dpd == stop
    bus.handle(c.RunDayEnd(date(2025, 6, 30)))  # ten months on: the books are quiet
    ln = line(bus)
    later = date(2025, 6, 30)
    assert ln.dpd == ln.dpd_on(later) == stop  # used to be 483 in the simulator's snapshot
    assert ln.dpd_on(date(2024, 7, 31)) < stop  # before the charge-off the clock ran as usual
    owed = ln.charged_off_minor
    assert owed > 0
    assert monthly_status(ln.dpd_on(later), owed, closed=False, charged_off=True) == "B"
    bus.handle(c.Repay("rec", "L", owed, date(2025, 7, 1)))  # recovered in full
    ln = line(bus)
    assert ln.charged_off_minor == 0
    assert monthly_status(0, ln.charged_off_minor, closed=False, charged_off=True) == "C"
