"""Running totals split into slots (issue 18): an account's total is the sum of its slots and equals the sum of its
postings under any interleaving of transactions over lines; concurrent commands on PostgreSQL lose nothing; the
migration keeps every total and its downgrade folds the slots back."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from creditloop.adapters.sqlalchemy import SqlUnitOfWork
from creditloop.adapters.sqlalchemy.db import alembic_config
from creditloop.adapters.sqlalchemy.journal_store import SqlJournal
from creditloop.adapters.sqlalchemy.tables import account_totals
from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.handlers import Policies
from creditloop.app.views import verify_journal
from creditloop.collections.hardship import default_hardship_policy
from creditloop.ledger.accounts import Account
from creditloop.ledger.entries import EntryCode, JournalEntry, Posting, Side
from creditloop.products.terms import Product, default_product
from creditloop.strategy.origination import default_policy

D = date(2024, 1, 5)
ACCOUNTS = list(Account)
PRODUCT = default_product()

# A transaction: entries on one or more lines; an entry moves an amount from one account to another.
move = st.tuples(st.integers(0, 5), st.sampled_from(ACCOUNTS), st.sampled_from(ACCOUNTS), st.integers(1, 10**11))
transactions = st.lists(st.lists(move, min_size=1, max_size=4), min_size=1, max_size=12)


def _posting_sums(conn: sa.Connection) -> dict[Account, int]:
    sql = "SELECT account, sum(CASE WHEN side = 'D' THEN amount_minor ELSE -amount_minor END) FROM postings GROUP BY 1"
    return {Account(a): int(s) for a, s in conn.exec_driver_sql(sql) if int(s) != 0}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(txs=transactions, slots=st.sampled_from([1, 3, 8]))
def test_totals_equal_the_sum_of_postings_under_any_interleaving(
    engine: Engine, txs: list[list[tuple[int, Account, Account, int]]], slots: int
) -> None:
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            journal = SqlJournal(lambda: conn, slots=slots)
            expected: dict[Account, int] = {}
            for t, moves in enumerate(txs):
                journal.reset()  # a new transaction: its slot is chosen by its first entry's line
                entries = []
                for k, (line, debit, credit, amount) in enumerate(moves):
                    legs = (Posting(debit, Side.DEBIT, amount), Posting(credit, Side.CREDIT, amount))
                    entries.append(JournalEntry(f"E{t}-{k}", EntryCode.PURCHASE, D, f"L{line}", legs))
                    expected[debit] = expected.get(debit, 0) + amount
                    expected[credit] = expected.get(credit, 0) - amount
                journal.append(entries)
                journal.write_totals()
            balances = {a: b for a, b in journal.account_balances().items() if b != 0}
            assert balances == {a: b for a, b in expected.items() if b != 0} == _posting_sums(conn)
            used = {s for (s,) in conn.execute(sa.select(account_totals.c.slot).distinct())}
            assert used <= set(range(slots))
        finally:
            outer.rollback()


def _bus(engine: Engine) -> MessageBus:
    def products(_key: str) -> Product:
        return PRODUCT

    return MessageBus(SqlUnitOfWork(engine, products), Policies(PRODUCT, default_policy(), default_hardship_policy()))


@pytest.mark.postgres
def test_concurrent_commands_on_many_lines_lose_nothing_and_spread_over_slots(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("slots are written on PostgreSQL only (SQLite has one writer)")
    lines = [f"L{k}" for k in range(8)]
    setup = _bus(engine)
    for line in lines:
        setup.handle(c.OpenLine(line, f"C-{line}", 10_000_000, D))
    errors: list[BaseException] = []

    def work(line: str) -> None:
        bus = _bus(engine)
        try:
            for k in range(6):
                cmd = c.Purchase(f"p{k}", line, 1_000, 1, D) if k % 2 == 0 else c.Repay(f"r{k}", line, 300, D)
                bus.handle(cmd)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(line,)) for line in lines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert verify_journal(setup.uow).ok
    with engine.connect() as conn:
        principal = Account.RECEIVABLE_PRINCIPAL.value
        slots = conn.execute(sa.select(sa.func.count()).where(account_totals.c.account == principal)).scalar_one()
        total = conn.execute(
            sa.select(sa.func.sum(account_totals.c.balance_minor)).where(account_totals.c.account == principal)
        ).scalar_one()
        assert _posting_sums(conn)[Account.RECEIVABLE_PRINCIPAL] == int(total) != 0
    assert slots > 1  # eight lines over 64 slots: more than one row carries the principal


def _to(engine: Engine, revision: str, down: bool) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_migration_keeps_every_total_and_the_downgrade_folds_slots(engine: Engine) -> None:
    bus = _bus(engine)
    bus.handle(c.OpenLine("L1", "C1", 100_000, D))
    bus.handle(c.Purchase("p1", "L1", 10_000, 1, D))
    principal = Account.RECEIVABLE_PRINCIPAL.value
    with engine.begin() as conn:  # more slots, as PostgreSQL writes them (moving 7 fen between slots: same total)
        conn.execute(account_totals.insert().values(account=principal, slot=5, balance_minor=7))
        conn.execute(
            account_totals.update()
            .where(account_totals.c.account == principal, account_totals.c.slot != 5)
            .values(balance_minor=account_totals.c.balance_minor - 7)
        )
    before = _totals(engine)
    _to(engine, "0015_pii_encryption", down=True)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT account, balance_minor FROM account_totals").all()
    assert {a: int(b) for a, b in rows} == before and len(rows) == len(before)
    _to(engine, "head", down=False)
    assert _totals(engine) == before
    bus.handle(c.Repay("r1", "L1", 4_000, D))
    assert verify_journal(bus.uow).ok


def _totals(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        sql = "SELECT account, sum(balance_minor) FROM account_totals GROUP BY account"
        return {a: int(b) for a, b in conn.exec_driver_sql(sql)}
