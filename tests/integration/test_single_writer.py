"""The single-writer unit of work (a simulation's own ledger): committed lines stay in memory, nothing else
changes — the same stored rows and journal as the default unit of work, and still no lost updates."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from creditloop.adapters.sqlalchemy import ConcurrencyConflict, SqlUnitOfWork, make_engine, migrate, sqlite_url
from creditloop.adapters.sqlalchemy.tables import credit_lines, journal_entries, postings
from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.handlers import Policies
from creditloop.collections.hardship import default_hardship_policy
from creditloop.products.terms import Product, default_product
from creditloop.strategy.origination import default_policy

PRODUCT = default_product()
POLICIES = Policies(PRODUCT, default_policy(), default_hardship_policy())
LINE = "L-1"


def products(key: str) -> Product:
    assert key == PRODUCT.key
    return PRODUCT


def run_scenario(bus: MessageBus) -> list[object]:
    """The lifecycle of test_sql_uow: purchase, statement, payment, delinquency with penalty, prepayment."""
    bus.handle(c.OpenLine(LINE, "C-1", 35_000, date(2024, 1, 1)))
    bus.handle(c.Purchase("buy-1", LINE, 30_000, 12, date(2024, 1, 6)))
    return [
        bus.handle(c.RunDayEnd(date(2024, 2, 1))),
        bus.handle(c.Repay("pay-1", LINE, 2680, date(2024, 2, 8))),
        bus.handle(c.RunDayEnd(date(2024, 3, 15))),
        bus.handle(c.Repay("pay-2", LINE, 5000, date(2024, 3, 16))),
    ]


def sqlite_engine(path: object) -> Engine:
    engine = make_engine(sqlite_url(path))  # type: ignore[arg-type]
    migrate(engine)
    return engine


def dump(engine: Engine) -> tuple[list[object], list[object], list[object]]:
    with engine.connect() as conn:
        lines = conn.execute(sa.select(credit_lines).order_by(credit_lines.c.line_id)).all()
        entries = conn.execute(sa.select(journal_entries).order_by(journal_entries.c.seq)).all()
        legs = conn.execute(sa.select(postings).order_by(postings.c.entry_id, postings.c.idx)).all()
    return list(lines), list(entries), list(legs)


def test_single_writer_stores_exactly_what_the_default_unit_of_work_stores(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    default, single = sqlite_engine(tmp_path_factory.mktemp("a")), sqlite_engine(tmp_path_factory.mktemp("b"))
    results_default = run_scenario(MessageBus(SqlUnitOfWork(default, products), POLICIES))
    results_single = run_scenario(MessageBus(SqlUnitOfWork(single, products, single_writer=True), POLICIES))
    assert results_single == results_default
    assert dump(single) == dump(default)


def test_single_writer_keeps_lines_but_refuses_to_overwrite_a_change_made_elsewhere(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    engine = sqlite_engine(tmp_path_factory.mktemp("c"))
    uow = SqlUnitOfWork(engine, products, single_writer=True)
    bus = MessageBus(uow, POLICIES)
    bus.handle(c.OpenLine(LINE, "C-1", 35_000, date(2024, 1, 1)))
    kept = uow.lines.seen[LINE]  # type: ignore[attr-defined]
    bus.handle(c.Purchase("buy-1", LINE, 30_000, 12, date(2024, 1, 6)))
    assert uow.lines.seen[LINE] is kept  # type: ignore[attr-defined]  # not reloaded between units of work
    # Another writer (which the mode promises not to exist) changes the line behind its back...
    MessageBus(SqlUnitOfWork(engine, products), POLICIES).handle(c.Repay("pay-x", LINE, 1_000, date(2024, 1, 8)))
    # ...and the optimistic version check still refuses the stale write instead of losing that payment.
    with pytest.raises(ConcurrencyConflict):
        bus.handle(c.Repay("pay-y", LINE, 2_000, date(2024, 1, 9)))
    # The failed unit is rolled back and forgotten; the next one reloads the stored line and goes on.
    result = bus.handle(c.Repay("pay-y", LINE, 2_000, date(2024, 1, 9)))
    assert result.amount_minor == 2_000
    with SqlUnitOfWork(engine, products) as fresh:
        assert set(fresh.lines.get(LINE).results) == {"pay-x", "pay-y"}


def test_day_end_due_dates_follow_lines_changed_in_memory(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Due dates are cached per line and refreshed for every line handed out since the last question."""
    engine = sqlite_engine(tmp_path_factory.mktemp("d"))
    uow = SqlUnitOfWork(engine, products, single_writer=True)
    bus = MessageBus(uow, POLICIES)
    bus.handle(c.OpenLine(LINE, "C-1", 35_000, date(2024, 1, 1)))
    bus.handle(c.RunDayEnd(date(2024, 1, 1)))  # the statement day's close; then quiet until 1 February
    with uow:
        assert uow.lines.due_for_day_end(date(2024, 1, 20)) == []
        # A hold expiring on the 10th makes the 11th a working day for this line.
        uow.lines.get(LINE).authorise("hold-1", 10_000, date(2024, 1, 6), date(2024, 1, 10))
        assert uow.lines.due_for_day_end(date(2024, 1, 10)) == []
        assert uow.lines.due_for_day_end(date(2024, 1, 20)) == [LINE]
