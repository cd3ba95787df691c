"""The day-end job on SQLite and PostgreSQL: exactly once per date, chunked, crash-recoverable, reconciled."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from creditloop.adapters.sqlalchemy.uow import SqlUnitOfWork
from creditloop.app import commands as c
from creditloop.app import handlers
from creditloop.app.bus import MessageBus
from creditloop.bootstrap import default_policies, product_lookup
from creditloop.jobs.day_end import run_day_end_job
from creditloop.servicing.serialization import line_to_dict

OPENED = date(2024, 1, 5)


def book(engine: Engine, lines: int = 30) -> MessageBus:
    policies = default_policies()
    bus = MessageBus(SqlUnitOfWork(engine, product_lookup(policies).__getitem__), policies)
    with bus.batch():
        for k in range(lines):
            bus.handle(c.OpenLine(f"L{k:03d}", f"C{k:03d}", 500_000, OPENED))
            bus.handle(c.Purchase(f"b{k}", f"L{k:03d}", 10_000 + 1_000 * k, (1, 3, 6, 12)[k % 4], date(2024, 1, 6)))
            if k % 3 == 0:  # a third pay their first bill, the rest fall behind
                bus.handle(c.Repay(f"p{k}", f"L{k:03d}", 100_000, date(2024, 1, 20)))
    return bus


def snapshot(bus: MessageBus) -> tuple[dict[str, dict[str, object]], dict[str, int]]:
    with bus.uow:
        lines = {line.line_id: line_to_dict(line) | {"version": 0, "last_closed_on": ""} for line in bus.uow.lines}
        balances = {a.value: v for a, v in bus.uow.journal.account_balances().items()}
    return lines, balances


def test_day_end_closes_each_date_once_and_reconciles(engine: Engine) -> None:
    bus = book(engine)
    result = run_day_end_job(bus.uow, date(2024, 3, 31), chunk_size=7)
    assert result.business_dates[0] == date(2024, 3, 31)  # the first run starts at the target date
    assert result.reconciliation is not None and result.reconciliation.ok
    assert result.reconciliation.trial_balance_minor == 0
    first = snapshot(bus)
    again = run_day_end_job(bus.uow, date(2024, 3, 31), chunk_size=7)
    assert again.business_dates == ()  # re-running a date changes nothing
    assert snapshot(bus) == first
    later = run_day_end_job(bus.uow, date(2024, 4, 3), chunk_size=7)
    assert later.business_dates == (date(2024, 4, 1), date(2024, 4, 2), date(2024, 4, 3))  # missed dates, in order
    with bus.uow:
        for day in later.business_dates:
            rec = bus.uow.day_ends.reconciliation(day)
            assert rec is not None and rec.ok  # a reconciliation record per business date
        line = bus.uow.lines.get("L001")
        assert line.dpd == 53 and line.bucket == "M2"  # due 10 Feb, unpaid, on 3 Apr


def test_a_crash_mid_run_is_recovered_by_running_again(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    calm = book(engine)
    run_day_end_job(calm.uow, date(2024, 3, 31), chunk_size=7)
    expected = snapshot(calm)

    # The same book again, in fresh tables: crash after two chunks of 7 lines.
    with calm.uow:
        pass
    from creditloop.adapters.sqlalchemy import tables

    with engine.begin() as conn:
        for table in reversed(tables.metadata.sorted_tables):
            if table.name != "alembic_version":
                conn.execute(table.delete())
    crashy = book(engine)
    real = handlers.close_lines
    calls = {"n": 0}

    def flaky(uow: object, day: date, ids: list[str]) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power cut")
        return real(uow, day, ids)  # type: ignore[arg-type]

    monkeypatch.setattr("creditloop.jobs.day_end.close_lines", flaky)
    with pytest.raises(RuntimeError, match="power cut"):
        run_day_end_job(crashy.uow, date(2024, 3, 31), chunk_size=7)
    with crashy.uow:
        assert crashy.uow.day_ends.get(date(2024, 3, 31)).status == "RUNNING"  # type: ignore[union-attr]
    monkeypatch.setattr("creditloop.jobs.day_end.close_lines", real)
    result = run_day_end_job(crashy.uow, date(2024, 3, 31), chunk_size=7)
    assert result.reconciliation is not None and result.reconciliation.ok
    assert snapshot(crashy) == expected
