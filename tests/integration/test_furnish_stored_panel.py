"""Columnar furnishing from the stored day-end panel (issue 16): on a small SQLite (and PostgreSQL) ledger the
records equal the per-account path's, field by field — clean lines from the columns; late, disputed and
restructured lines by the per-account path — and the Art. 15 notices are recorded the same way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

from creditloop.adapters.sqlalchemy import SqlUnitOfWork
from creditloop.adapters.warehouse.furnish_stored import furnish_from_panel
from creditloop.app import commands as c
from creditloop.app import dispute_commands as dc
from creditloop.app.bus import MessageBus
from creditloop.app.furnishing import furnish_records
from creditloop.bootstrap import default_policies
from creditloop.core.errors import DomainError
from creditloop.products.terms import Product, default_product


def _products(_key: str) -> Product:
    return default_product()


@pytest.fixture
def bus(engine: Engine) -> Iterator[MessageBus]:
    """A bus over SQLite and PostgreSQL (the ``engine`` fixture): the panel is read through the driver's cursor."""
    yield MessageBus(SqlUnitOfWork(engine, _products), default_policies())


def _book(bus: MessageBus) -> None:
    opened = date(2024, 1, 5)
    for i in range(1, 9):
        bus.handle(c.OpenLine(f"L{i}", f"C{i % 5}", 2_000_000, opened))
    bus.handle(c.RunDayEnd(opened))  # the book's first day-end: every month end after it is stored
    for i in range(1, 9):
        bus.handle(c.Purchase(f"b{i}", f"L{i}", 100_000 * i, (1, 3, 6, 12)[i % 4], date(2024, 1, 6 + i)))
    for month_day in (date(2024, 2, 10), date(2024, 3, 10), date(2024, 4, 10), date(2024, 5, 10)):
        bus.handle(c.RunDayEnd(month_day - timedelta(days=8)))
        if month_day.month == 3:
            bus.handle(c.OpenLine("L9", "C9", 2_000_000, date(2024, 3, 3)))  # opened later: '/' before
            bus.handle(c.OpenLine("L10", "C9", 2_000_000, date(2024, 3, 3)))  # never used: '*'
            bus.handle(c.Purchase("b9", "L9", 50_000, 3, date(2024, 3, 4)))
        bus.handle(c.RunDayEnd(month_day))
        with bus.uow:
            payers = ("L1", "L2", "L3", "L5", "L6", "L8", *(("L9",) if month_day.month > 2 else ()))
            due = {i: bus.uow.lines.get(i).amount_due_minor for i in payers}
        for line_id, amount in due.items():
            if amount > 0:
                late = line_id == "L6" and month_day.month == 3  # paid late within the month: 'M'
                on = month_day.replace(day=20) if late else month_day
                bus.handle(c.Repay(f"p-{line_id}-{month_day}", line_id, amount, on))
    bus.handle(c.RunDayEnd(date(2024, 5, 31)))
    bus.handle(dc.FileCreditDispute("D1", "L2", ("2024-03",), "status", "customer", date(2024, 5, 20), False))


def test_the_stored_panel_path_equals_the_per_account_path(bus: MessageBus) -> None:
    _book(bus)
    day = date(2024, 5, 31)
    with bus.uow:
        expected = list(furnish_records(bus.uow, day))
        got = furnish_from_panel(bus.uow, day, notices=False)
    assert got.records == expected
    assert got.columnar >= 4 and got.per_account >= 3  # L4 and L7 never paid, L6 paid late, L2 disputed
    by_line = {r.line_id: r for r in got.records}
    assert by_line["L6"].grid[:5] == "NM1N*" and by_line["L4"].status in "1234567"  # L6: late in March
    assert by_line["L9"].grid[:4] == "NN*/" and by_line["L10"].grid[:4] == "***/"
    with bus.uow:
        march = furnish_from_panel(bus.uow, date(2024, 3, 31))
        assert march.records == list(furnish_records(bus.uow, date(2024, 3, 31)))
        assert sorted(march.notices) == ["L4", "L6", "L7"]  # first negative reports noticed, as FurnishMonth does
        assert bus.uow.audit.get("credit_notice/L6") is not None
        bus.uow.commit()


def test_a_month_not_stored_is_refused(bus: MessageBus) -> None:
    _book(bus)
    with bus.uow, pytest.raises(DomainError) as exc:
        furnish_from_panel(bus.uow, date(2024, 6, 30))
    assert exc.value.code == "month_not_stored"
