"""The behaviour panel stored at day-end (issue 14) against the replay, on SQLite and PostgreSQL: the same rows and
line states, whether the rows come from the bus handler's day-end or the chunked job, all stored or only some
months, and closing a month end again writes the same rows."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from creditloop.adapters.sqlalchemy.tables import behaviour_panel
from creditloop.adapters.sqlalchemy.uow import SqlUnitOfWork
from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.panel_rows import mark_month, write_month_rows
from creditloop.bootstrap import default_policies, product_lookup
from creditloop.jobs.day_end import run_day_end_job
from creditloop.jobs.ewi_panel import ledger_panel
from creditloop.jobs.ewi_stored_panel import run_panel

OPENED = date(2024, 1, 5)
END = date(2024, 5, 31)


def new_bus(engine: Engine) -> MessageBus:
    policies = default_policies()
    return MessageBus(SqlUnitOfWork(engine, product_lookup(policies).__getitem__), policies)


def trade(bus: MessageBus, m: int, lines: int) -> None:
    """Month ``m``: every line buys (1/3/12 periods), one in three pays its bill in full, one in three 60 %, the
    rest nothing; one payment is reversed; a line opens in March."""
    if m == 3:
        bus.handle(c.OpenLine("L-late", "late", 300_000, date(2024, 3, 12)))
    for k in range(lines):
        bus.handle(c.Purchase(f"b{k}-{m}", f"L{k}", 20_000 + 3_000 * k, (1, 3, 12)[k % 3], date(2024, m, 6)))
    bus.handle(c.RunDayEnd(date(2024, m + 1, 5)))
    with bus.uow:
        owed = {f"L{k}": bus.uow.lines.get(f"L{k}").amount_due_minor for k in range(lines)}
    for k in range(lines):
        share = (10, 6, 0)[k % 3]
        if owed[f"L{k}"] * share // 10:
            bus.handle(c.Repay(f"p{k}-{m}", f"L{k}", owed[f"L{k}"] * share // 10, date(2024, m + 1, 8)))
    if m == 2:
        bus.handle(c.ReversePayment("rev", "L0", "p0-2", date(2024, 3, 9)))


def build(engine: Engine, *, first_close: date, lines: int = 6) -> MessageBus:
    bus = new_bus(engine)
    for k in range(lines):
        bus.handle(c.OpenLine(f"L{k}", f"C{k}", 500_000, OPENED))
    bus.handle(c.RunDayEnd(first_close))
    for m in range(1, 5):
        trade(bus, m, lines)
    bus.handle(c.RunDayEnd(END))
    return bus


def by_key(rows: list[dict[str, Any]]) -> dict[tuple[str, date], dict[str, Any]]:
    return {(r["account_id"], r["month_end_on"]): r for r in rows}


def panels(bus: MessageBus) -> tuple[Any, Any, bool]:
    with bus.uow:
        replayed, states = ledger_panel(iter(bus.uow.lines), END)
        rows, got_states, alone = run_panel(bus.uow, END)
    assert by_key(rows) == by_key(replayed)
    assert len(rows) == len(replayed)
    assert {i: (s.status, s.dpd) for i, s in got_states.items()} == {i: (s.status, s.dpd) for i, s in states.items()}
    return by_key(rows), states, alone


def test_stored_rows_alone_equal_the_replay(engine: Engine) -> None:
    bus = build(engine, first_close=OPENED)  # every month end closed since the lines opened
    rows, states, alone = panels(bus)
    assert alone  # no replay needed
    assert len(rows) == 6 * 5 + 3  # six lines Jan-May, the late line Mar-May
    assert rows[("L-late", date(2024, 3, 31))]["balance_minor"] == 0
    assert rows[("L2", END)]["dpd"] > 0 and states["L2"].dpd == rows[("L2", END)]["dpd"]  # pays nothing
    assert rows[("L0", date(2024, 3, 31))]["payments"] == 0  # the reversed payment does not count
    with bus.uow:
        months = bus.uow.panel.months()  # type: ignore[attr-defined]
    assert months == {date(2024, m, d): True for m, d in ((1, 31), (2, 29), (3, 31), (4, 30), (5, 31))}


def test_an_older_ledger_replays_only_the_months_not_stored(engine: Engine) -> None:
    bus = build(engine, first_close=date(2024, 2, 5))  # day-end started in February: January was never closed
    rows, _, alone = panels(bus)
    assert not alone
    with bus.uow:
        assert bus.uow.panel.months()[END] is False  # type: ignore[attr-defined]
        stored = bus.uow.connection.execute(sa.select(sa.func.count()).select_from(behaviour_panel)).scalar_one()
    assert stored == len(rows) - 6  # January's six rows come from the replay


def test_the_day_end_job_writes_the_same_rows_and_a_rerun_changes_nothing(engine: Engine) -> None:
    bus = build(engine, first_close=OPENED)
    with bus.uow:
        before = bus.uow.panel.rows([END])  # type: ignore[attr-defined]
        bus.uow.connection.execute(behaviour_panel.delete().where(behaviour_panel.c.month_end_on == END))
        # the month end not closed yet: the job closes it (and stores its rows) again
        bus.uow.connection.execute(sa.text("DELETE FROM day_end_runs WHERE business_date >= :d"), {"d": END})
        bus.uow.commit()
    run_day_end_job(bus.uow, END, chunk_size=4)  # pages of 4 lines, each committed
    with bus.uow:
        assert bus.uow.panel.rows([END]) == before  # type: ignore[attr-defined]
        ids = bus.uow.lines.ids()
        store = bus.uow.panel  # type: ignore[attr-defined]
        mark_month(store, END, *write_month_rows(bus.uow, store, END, ids))  # closing the date again
        bus.uow.commit()
    with bus.uow:
        assert bus.uow.panel.rows([END]) == before  # type: ignore[attr-defined]
    panels(bus)


@pytest.mark.parametrize("on", [date(2024, 4, 30), date(2024, 5, 15)])
def test_a_date_before_the_last_close_is_replayed(engine: Engine, on: date) -> None:
    bus = build(engine, first_close=OPENED)
    with bus.uow:
        rows, states, alone = run_panel(bus.uow, on)
        replayed, replayed_states = ledger_panel(iter(bus.uow.lines), on)
    assert not alone and by_key(rows) == by_key(replayed) and states == replayed_states


def test_the_engine_reads_the_stored_rows_in_columns_as_the_replay_gives_them(engine: Engine) -> None:
    pytest.importorskip("duckdb")
    from creditloop.adapters.warehouse.ewi_ledger_features import ledger_features
    from creditloop.app.panel_rows import StoredPanel
    from creditloop.monitoring.features import default_feature_set

    fs = default_feature_set()
    bus = build(engine, first_close=OPENED)
    with bus.uow:
        panel, _, alone = run_panel(bus.uow, END, columnar=True)
        replayed, _ = ledger_panel(iter(bus.uow.lines), END)
        assert alone and isinstance(panel, StoredPanel) and panel.rows == len(replayed) == 33
        every = ledger_features(panel, fs, None)
        assert every == ledger_features(replayed, fs, None) and len(every) == 33
        kept = ledger_features(panel, fs, None, frozenset({"L2"}))
    # every month of the kept line, the latest month of the others
    lines = (*(f"L{k}" for k in range(6)), "L-late")
    assert set(kept) == {k for k in every if k[0] == "L2"} | {(i, END) for i in lines}
    assert all(kept[k] == every[k] for k in kept)
    assert kept[("L2", END)]["missed_3m"] is not None
