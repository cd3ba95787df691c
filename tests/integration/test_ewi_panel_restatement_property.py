"""Property (issue 14): whatever commands arrive, back-dated or not, refused or not, the behaviour panel stored at
day-end equals the replay for every line and month end (SQLite; the targeted tests run on PostgreSQL too).

Each example is a fresh copy of a migrated SQLite ledger with three lines, then a random sequence of day-end
advances, purchases, payments, refunds and payment reversals, each dated up to 70 days before the open business date
(so most corrections reach closed, stored months). After the sequence, and after every day-end, the stored rows of
every stored month end must be the replay's.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creditloop.adapters.sqlalchemy.db import make_engine, migrate, sqlite_url
from creditloop.adapters.sqlalchemy.uow import SqlUnitOfWork
from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.bootstrap import default_policies, product_lookup
from creditloop.core.errors import CreditloopError
from creditloop.jobs.ewi_panel import ledger_panel

OPENED = date(2024, 1, 5)
LINES = ("L0", "L1", "L2")

step = st.one_of(
    st.tuples(st.just("advance"), st.integers(1, 45)),
    st.tuples(st.just("buy"), st.sampled_from(LINES), st.integers(1_000, 90_000), st.sampled_from((1, 3, 6))),
    st.tuples(st.just("pay"), st.sampled_from(LINES), st.sampled_from((3, 6, 10, 12))),
    st.tuples(st.just("refund"), st.sampled_from(LINES), st.integers(500, 40_000)),
    st.tuples(st.just("reverse"), st.sampled_from(LINES)),
)
steps = st.lists(st.tuples(step, st.integers(0, 70)), min_size=4, max_size=22)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A migrated ledger, copied for each example (migrating costs more than the example)."""
    path = tmp_path_factory.mktemp("panel-template")
    engine = make_engine(sqlite_url(path))
    migrate(engine)
    engine.dispose()
    yield path / "ledger.sqlite"


def stored_equals_replay(bus: MessageBus) -> int:
    """Every stored row is the replay's, and every stored month has a row for every line opened by then."""
    with bus.uow:
        store = bus.uow.panel  # type: ignore[attr-defined]
        months = sorted(store.months())
        if not months:
            return 0
        rows = {(r["account_id"], r["month_end_on"]): r for r in store.rows(months)}
        replayed, _ = ledger_panel(iter(bus.uow.lines), months[-1])
    want = {(r["account_id"], r["month_end_on"]): r for r in replayed}
    assert rows == want
    return len(rows)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps)
def test_the_stored_panel_equals_the_replay_after_any_commands(template: Path, tmp_path: Path, plan: list) -> None:
    data = tmp_path / f"ex-{abs(hash(str(plan)))}"
    data.mkdir()
    shutil.copy(template, data / "ledger.sqlite")
    engine = make_engine(sqlite_url(data))
    policies = default_policies()
    bus = MessageBus(SqlUnitOfWork(engine, product_lookup(policies).__getitem__), policies)
    try:
        for line_id in LINES:
            bus.handle(c.OpenLine(line_id, line_id, 300_000, OPENED))
        bus.handle(c.RunDayEnd(OPENED))
        today = OPENED + timedelta(days=1)  # the open business date
        bought: dict[str, list[str]] = {i: [] for i in LINES}
        paid: dict[str, list[str]] = {i: [] for i in LINES}
        for k, (action, back) in enumerate(plan):
            on = max(OPENED, today - timedelta(days=back))
            kind = action[0]
            if kind == "advance":
                today += timedelta(days=action[1])
                bus.handle(c.RunDayEnd(today - timedelta(days=1)))
                stored_equals_replay(bus)
                continue
            line_id = action[1]
            try:
                if kind == "buy":
                    bus.handle(c.Purchase(f"b{k}", line_id, action[2], action[3], on))
                    bought[line_id].append(f"b{k}")
                elif kind == "pay":
                    with bus.uow:
                        owed = bus.uow.lines.get(line_id).amount_due_minor or 5_000
                    bus.handle(c.Repay(f"p{k}", line_id, owed * action[2] // 10, on))
                    paid[line_id].append(f"p{k}")
                elif kind == "refund" and bought[line_id]:
                    bus.handle(c.Refund(f"r{k}", line_id, bought[line_id][-1], action[2], on))
                elif kind == "reverse" and paid[line_id]:
                    bus.handle(c.ReversePayment(f"v{k}", line_id, paid[line_id].pop(0), today))
            except CreditloopError:
                pass  # refused: nothing written, which the comparison below would also catch
        stored_equals_replay(bus)
    finally:
        engine.dispose()
