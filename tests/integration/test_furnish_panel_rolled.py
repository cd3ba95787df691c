"""Furnishing a month from one month of stored panel rows rolled onto last month's kept grid (issue 16): on a small
SQLite (and PostgreSQL) ledger the records equal the per-account path's field by field — with a disputed and
corrected line, a restructured line, a forborne line (payment holiday), a line charged off and then recovered in
full, a closed line and a line first reported negative in the rolled month (its Art. 15 notice recorded) — and a
line whose stored rows are restated after last month's grid was kept is rebuilt, not rolled stale."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from creditloop.adapters.sqlalchemy import SqlUnitOfWork
from creditloop.adapters.warehouse.furnish_grid import grid_path, read_grid
from creditloop.adapters.warehouse.furnish_stored import furnish_from_panel
from creditloop.app import commands as c
from creditloop.app import dispute_commands as dc
from creditloop.app.bus import MessageBus
from creditloop.app.furnishing import furnish_records
from creditloop.bootstrap import default_policies
from creditloop.products.terms import Product, default_product

SEP, OCT = date(2024, 9, 30), date(2024, 10, 31)
PAYERS = ("P1", "P2", "DS", "RS", "FB", "CL", "NT")


def _products(_key: str) -> Product:
    return default_product()


def _pay(bus: MessageBus, line_id: str, on: date, pid: str) -> None:
    with bus.uow:
        due = bus.uow.lines.get(line_id).amount_due_minor
    if due > 0:
        bus.handle(c.Repay(pid, line_id, due, on))


def _reshape(bus: MessageBus, month: int, on: date) -> None:
    if month == 5:  # CL repaid its three installments by April; FB takes a two-month payment holiday
        bus.handle(c.ChangeLine("close-CL", "CL", "close", on))
        bus.handle(c.Restructure("fb", "FB", "payment_holiday", on, (("from_due_on", "2024-06-10"), ("months", 2))))
    else:  # RS missed May: its term is extended
        bus.handle(c.Restructure("te", "RS", "term_extension", on, (("periods", 6),)))


def _book(bus: MessageBus) -> None:
    opened = date(2024, 1, 5)
    for i, line_id in enumerate(("CO", *PAYERS)):
        bus.handle(c.OpenLine(line_id, f"C{i}", 2_000_000, opened))
    bus.handle(c.RunDayEnd(opened))  # the book's first day-end: every month end after it is stored
    for i, line_id in enumerate(("CO", *PAYERS)):
        bus.handle(c.Purchase(f"b-{line_id}", line_id, 120_000 + 10_000 * i, 3 if line_id == "CL" else 12,
                              date(2024, 1, 6)))  # fmt: skip
    for month in range(2, 11):
        due_on = date(2024, month, 10)
        if month in (5, 6):
            bus.handle(c.RunDayEnd(due_on - timedelta(days=6)))
            _reshape(bus, month, due_on - timedelta(days=5))
        bus.handle(c.RunDayEnd(due_on))
        for line_id in PAYERS:
            late = (line_id == "DS" and month == 3) or (line_id == "RS" and month == 5)
            if (line_id == "NT" and month == 10) or late:
                continue
            _pay(bus, line_id, due_on, f"p-{line_id}-{month}")
        if month == 3:
            bus.handle(c.RunDayEnd(date(2024, 3, 20)))
            _pay(bus, "DS", date(2024, 3, 20), "p-DS-3-late")  # paid late within March: 'M'
    bus.handle(c.RunDayEnd(SEP))
    bus.handle(dc.FileCreditDispute("D1", "DS", ("2024-03",), "status", "customer", date(2024, 9, 5), False))
    bus.handle(dc.ResolveCreditDispute("D1", "corrected", date(2024, 9, 20), "N"))
    bus.handle(c.RunDayEnd(date(2024, 10, 14)))
    with bus.uow:
        owed = bus.uow.lines.get("CO").charged_off_minor
    bus.handle(c.Repay("rec-CO", "CO", owed, date(2024, 10, 15)))  # charged off in August, recovered in full
    bus.handle(c.RunDayEnd(OCT))


@pytest.fixture
def bus(engine: Engine) -> MessageBus:
    return MessageBus(SqlUnitOfWork(engine, _products), default_policies())


def test_the_rolled_month_equals_the_per_account_path(bus: MessageBus, tmp_path: Path) -> None:
    _book(bus)
    kept = tmp_path / "grids"
    with bus.uow:
        sep = furnish_from_panel(bus.uow, SEP, grid_dir=kept)
        assert not sep.rolled and sep.records == list(furnish_records(bus.uow, SEP))
        bus.uow.commit()
    assert grid_path(kept, SEP).exists()
    with bus.uow:
        got = furnish_from_panel(bus.uow, OCT, grid_dir=kept)
        expected = list(furnish_records(bus.uow, OCT))
        assert got.rolled and got.restated == 0
        assert got.records == expected
        assert got.notices == ["NT"]  # first reported negative in October: noticed in the rolled month
        assert bus.uow.audit.get("credit_notice/NT") is not None
    by_line = {r.line_id: r for r in got.records}
    assert by_line["CO"].status == "C" and "B" in by_line["CO"].grid  # charged off, then recovered in full
    assert by_line["CL"].status == "C" and by_line["NT"].status == "1"
    assert "restructured" in by_line["RS"].marks and "forborne" in by_line["FB"].marks
    assert by_line["DS"].grid[7] == "N" and "dispute_closed" not in by_line["DS"].marks  # March corrected to N
    assert got.columnar == 2  # P1 and P2: every other line is exceptional
    october = read_grid(kept, OCT)
    assert october is not None and list(october.ids) == sorted(("CO", *PAYERS))


def test_a_line_restated_after_the_grid_was_kept_is_rebuilt(bus: MessageBus, tmp_path: Path) -> None:
    _book(bus)
    kept = tmp_path / "grids"
    with bus.uow:
        furnish_from_panel(bus.uow, SEP, grid_dir=kept, notices=False)
    bus.handle(c.ReversePayment("bounce", "P2", "p-P2-9", OCT))  # September's payment bounced: rows restated
    bus.handle(c.RunDayEnd(OCT + timedelta(days=1)))
    with bus.uow:
        got = furnish_from_panel(bus.uow, OCT, grid_dir=kept, notices=False)
        assert got.rolled and got.restated == 1
        assert got.records == list(furnish_records(bus.uow, OCT))
    p2 = next(r for r in got.records if r.line_id == "P2")
    assert p2.grid[:2] == "21"  # September now reported late, October too
