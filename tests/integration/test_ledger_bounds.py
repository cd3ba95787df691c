"""Ids, amounts and running totals: the same rules on SQLite and PostgreSQL, refused before anything is written
(issue 11, items 3 and 5)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from creditloop.adapters.sqlalchemy import SqlUnitOfWork
from creditloop.adapters.sqlalchemy.tables import account_totals, journal_entries
from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.handlers import Policies
from creditloop.collections.hardship import default_hardship_policy
from creditloop.core.errors import DomainError, ValidationError
from creditloop.ledger.accounts import Account
from creditloop.ledger.bounds import MAX_AMOUNT_MINOR, MAX_TOTAL_MINOR
from creditloop.products.terms import Product, default_product
from creditloop.strategy.origination import default_policy

PRODUCT = default_product()
D = date(2024, 1, 5)


def bus_for(engine: Engine) -> MessageBus:
    def products(key: str) -> Product:
        return PRODUCT

    return MessageBus(SqlUnitOfWork(engine, products), Policies(PRODUCT, default_policy(), default_hardship_policy()))


def counts(engine: Engine) -> tuple[int, dict[str, int]]:
    with engine.connect() as conn:
        n = int(conn.execute(sa.select(sa.func.count()).select_from(journal_entries)).scalar_one())
        col = account_totals.c  # an account's total is the sum of its slots
        rows = conn.execute(sa.select(col.account, sa.func.sum(col.balance_minor)).group_by(col.account))
        totals = {a: int(b) for a, b in rows}
    return n, totals


def test_sixty_four_character_ids_full_of_separators_work_on_every_backend(engine: Engine) -> None:
    """Was: PostgreSQL failed with a raw DataError past 100/200 characters while SQLite took 5,000."""
    bus = bus_for(engine)
    line_id = ("A/~%" * 16)[:64]
    pid = ("~/%b" * 16)[:64]
    bus.handle(c.OpenLine(line_id, "C" * 64, 100_000, D))
    bus.handle(c.Purchase(pid, line_id, 10_000, 1, D))
    bus.handle(c.Repay(pid[:-1] + "p", line_id, 20_000, D))
    bus.handle(c.RunDayEnd(date(2024, 1, 9)))
    bus.handle(c.ReversePayment(pid[:-1] + "x", line_id, pid[:-1] + "p", date(2024, 1, 10)))
    with bus.uow:
        line = bus.uow.lines.get(line_id)
        assert line.principal_minor == 10_000 and line.credit_balance_minor == 0
        longest = max(len(e.entry_id) for e in bus.uow.journal.line_entries(line_id))
    assert longest > 200  # past the old column width


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (c.OpenLine("L" * 65, "C1", 100_000, D), "line_id"),
        (c.OpenLine("L1", "C\n1", 100_000, D), "customer_id"),
        (c.OpenLine("L1", "C1", MAX_AMOUNT_MINOR + 1, D), "limit_minor"),
        (c.OpenLine("L1", "C1", 100_000, date(9999, 12, 31)), "opened_on"),
        (c.Repay(" ", "L1", 100, D), "payment_id"),
        (c.Repay("p1", "L1", 1_000_000_000_000_000, D), "amount_minor"),
        (c.Authorise("h1", "L1", 100, D, date(9999, 12, 31)), "expires_on"),
    ],
)
def test_bad_ids_amounts_and_dates_are_refused_the_same_way_everywhere(
    engine: Engine, command: object, field: str
) -> None:
    bus = bus_for(engine)
    before = counts(engine)
    with pytest.raises(ValidationError) as err:
        bus.handle(command)
    assert err.value.field == field
    assert counts(engine) == before


def test_a_write_that_would_push_a_running_total_past_the_bound_leaves_nothing_written(engine: Engine) -> None:
    """Was: 9,500 repayments of 10^15 fen made SQLite's account_totals a float (9.5e18) and broke the book."""
    bus = bus_for(engine)
    bus.handle(c.OpenLine("L1", "C1", MAX_AMOUNT_MINOR, D))
    bus.handle(c.Purchase("b1", "L1", MAX_AMOUNT_MINOR, 1, D))
    with engine.begin() as conn:  # a book that has already come close to the bound
        conn.execute(
            account_totals.update()
            .where(account_totals.c.account == "Assets:Receivable:Principal")
            .values(balance_minor=MAX_TOTAL_MINOR - 10)
        )
        conn.execute(
            account_totals.update()
            .where(account_totals.c.account == "Liabilities:MerchantPayable")
            .values(balance_minor=-(MAX_TOTAL_MINOR - 10))
        )
    bus.handle(c.OpenLine("L2", "C2", MAX_AMOUNT_MINOR, D))
    before = counts(engine)
    with pytest.raises(DomainError, match="past the ledger bound") as err:
        bus.handle(c.Purchase("b2", "L2", 11, 1, D))
    assert err.value.code == "ledger_total_bound"
    assert counts(engine) == before
    with bus.uow:
        assert bus.uow.lines.get("L2").principal_minor == 0
    bus.handle(c.Purchase("b3", "L2", 10, 1, D))  # up to the bound is fine
    _, totals = counts(engine)
    assert totals["Assets:Receivable:Principal"] == MAX_TOTAL_MINOR and isinstance(
        totals["Assets:Receivable:Principal"], int
    )


def test_the_memory_store_refuses_the_same_totals() -> None:
    from creditloop.app.memory import MemoryUnitOfWork

    def products(key: str) -> Product:
        return PRODUCT

    bus = MessageBus(MemoryUnitOfWork(products), Policies(PRODUCT, default_policy(), default_hardship_policy()))
    bus.handle(c.OpenLine("L1", "C1", MAX_AMOUNT_MINOR, D))
    bus.uow.journal._totals[Account.RECEIVABLE_PRINCIPAL] = MAX_TOTAL_MINOR - 10  # a book close to the bound
    with pytest.raises(DomainError) as err:
        bus.handle(c.Purchase("b1", "L1", 11, 1, D))
    assert err.value.code == "ledger_total_bound"
    assert list(bus.uow.journal.entries()) == []
