"""The SQL unit of work on SQLite and PostgreSQL: exact stored results, idempotency, atomicity, concurrency.

Scenario (default Baitiao-style product: statement on the 1st, due on the 10th, 12 periods at 0.60 %/month):
  2024-01-01 open L-1 with a 350.00 limit
  2024-01-06 buy 300.00 over 12 periods -> 12 x (2500 principal + 180 fee)
  2024-02-01 day-end: statement 2680 due 2024-02-10
  2024-02-08 pay 2680 (fee 180, principal 2500)
  2024-03-15 day-end: March installment unpaid, dpd 5, penalty 6 fen (0.05 %/day of 2680, carried)
  2024-03-16 pay 5000: penalty 6, past-due fee 180, past-due principal 2500, prepay 2314
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from creditloop.adapters.sqlalchemy import ConcurrencyConflict, SqlUnitOfWork, make_engine, migrate, sqlite_url
from creditloop.adapters.sqlalchemy.db import head_revision
from creditloop.adapters.sqlalchemy.tables import credit_lines, journal_entries, metadata, postings
from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.handlers import DayEndResult, Policies
from creditloop.app.memory import MemoryUnitOfWork
from creditloop.app.ports import AuditRecord, DayEndRecord, UnitOfWork
from creditloop.collections.hardship import default_hardship_policy
from creditloop.core.errors import DomainError, IdempotencyConflict, NotFound
from creditloop.ledger.accounts import CONTROL_ACCOUNTS, Account
from creditloop.ledger.entries import EntryCode, JournalEntry, entry
from creditloop.products.terms import Product, default_product
from creditloop.servicing.credit_line import CreditLine, RepaymentResult
from creditloop.servicing.serialization import line_to_dict
from creditloop.strategy.origination import default_policy

PRODUCT = default_product()
POLICIES = Policies(PRODUCT, default_policy(), default_hardship_policy())
LINE = "L-1"


def products(key: str) -> Product:
    assert key == PRODUCT.key
    return PRODUCT


def sql_bus(engine: Engine) -> MessageBus:
    return MessageBus(SqlUnitOfWork(engine, products), POLICIES)


def open_and_buy(bus: MessageBus) -> None:
    bus.handle(c.OpenLine(LINE, "C-1", 35_000, date(2024, 1, 1)))
    bus.handle(c.Purchase("buy-1", LINE, 30_000, 12, date(2024, 1, 6)))


def run_scenario(bus: MessageBus) -> list[object]:
    open_and_buy(bus)
    return [
        bus.handle(c.RunDayEnd(date(2024, 2, 1))),
        bus.handle(c.Repay("pay-1", LINE, 2680, date(2024, 2, 8))),
        bus.handle(c.RunDayEnd(date(2024, 3, 15))),
        bus.handle(c.Repay("pay-2", LINE, 5000, date(2024, 3, 16))),
    ]


def fresh(engine: Engine) -> SqlUnitOfWork:
    return SqlUnitOfWork(engine, products)


def stored_line(engine: Engine, line_id: str = LINE) -> CreditLine:
    with fresh(engine) as uow:
        return uow.lines.get(line_id)


def count_entries(conn: sa.Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(journal_entries)).scalar_one())


def journal_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return count_entries(conn)


def stored_row(engine: Engine, line_id: str = LINE) -> dict[str, object]:
    with engine.connect() as conn:
        row = conn.execute(sa.select(credit_lines).where(credit_lines.c.line_id == line_id)).mappings().one()
        return dict(row)


# ------------------------------------------------------------------------------------------- lifecycle


def test_lifecycle_stores_exact_results(engine: Engine) -> None:
    bus = sql_bus(engine)
    day1, pay1, day2, pay2 = run_scenario(bus)
    assert isinstance(day1, DayEndResult) and day1.reconciliation is not None
    assert day1.reconciliation.ok and day1.lines_closed == 1
    assert pay1 == RepaymentResult("pay-1", date(2024, 2, 8), 2680, (("DUE_FEE", 180), ("DUE_PRINCIPAL", 2500)), 0, 0)
    assert isinstance(day2, DayEndResult) and len(day2.business_dates) == 43
    assert pay2 == RepaymentResult(
        "pay-2",
        date(2024, 3, 16),
        5000,
        (("PAST_DUE_PENALTY", 6), ("PAST_DUE_FEE", 180), ("PAST_DUE_PRINCIPAL", 2500), ("FUTURE_PRINCIPAL", 2314)),
        0,
        0,
    )

    with fresh(engine) as uow:  # a new unit of work: everything below comes from the database
        line = uow.lines.get(LINE)
        assert (line.principal_minor, line.fee_minor, line.penalty_minor, line.credit_balance_minor) == (
            22_686,
            0,
            0,
            0,
        )
        assert line.balance_minor == 22_686
        assert line.open_to_buy_minor == 35_000 - 22_686
        assert (line.dpd, line.last_closed_on, line.version) == (5, date(2024, 3, 15), 11)
        feb, mar = line.statements[-2:]
        assert (feb.statement_on, feb.due_on, feb.new_purchases_minor, feb.total_due_minor, feb.paid_by_due_minor) == (
            date(2024, 2, 1),
            date(2024, 2, 10),
            30_000,
            2680,
            2680,
        )
        assert (
            mar.statement_on,
            mar.installments_principal_minor,
            mar.installments_fee_minor,
            mar.payments_minor,
            mar.total_due_minor,
            mar.paid_by_due_minor,
        ) == (date(2024, 3, 1), 2500, 180, 2680, 2680, 0)
        assert line.results["pay-1"] == pay1

        balances = uow.journal.account_balances()
        assert sum(balances.values()) == 0
        assert balances == {
            Account.RECEIVABLE_PRINCIPAL: 22_686,
            Account.RECEIVABLE_FEE: 0,
            Account.RECEIVABLE_PENALTY: 0,
            Account.MERCHANT_PAYABLE: -30_000,
            Account.INCOME_FEE: -360,
            Account.INCOME_PENALTY: -6,
            Account.CASH_CLEARING: 7680,
        }
        by_line = uow.journal.line_balances(LINE)
        assert {a: by_line.get(a, 0) for a in CONTROL_ACCOUNTS} == line.sub_ledger()
        assert by_line == balances  # a single line: its journal is the whole journal
        codes = [e.code for e in uow.journal.entries()]
        assert codes == [
            EntryCode.PURCHASE,
            EntryCode.FEE,
            EntryCode.REPAYMENT,
            EntryCode.FEE,
            *[EntryCode.PENALTY_ACCRUAL] * 5,
            EntryCode.REPAYMENT,
        ]

        rec = uow.day_ends.reconciliation(date(2024, 3, 15))
        assert rec is not None and rec.ok and rec.trial_balance_minor == 0
        assert (
            rec.control
            == rec.sub_ledger
            == {
                "Assets:Receivable:Principal": 27_500,
                "Assets:Receivable:InstallmentFee": 180,
                "Assets:Receivable:Penalty": 6,
                "Assets:Receivable:Interest": 0,
                "Liabilities:CustomerCredit": 0,
            }
        )
        assert uow.day_ends.last_done() == date(2024, 3, 15)
        assert uow.day_ends.get(date(2024, 3, 15)) == DayEndRecord(date(2024, 3, 15), "DONE", 1)

    row = stored_row(engine)  # the queryable columns agree with the document
    assert {
        k: row[k]
        for k in (
            "status",
            "version",
            "limit_minor",
            "principal_minor",
            "fee_minor",
            "penalty_minor",
            "credit_balance_minor",
            "charged_off_minor",
            "dpd",
            "last_closed_on",
        )
    } == {
        "status": "ACTIVE",
        "version": 11,
        "limit_minor": 35_000,
        "principal_minor": 22_686,
        "fee_minor": 0,
        "penalty_minor": 0,
        "credit_balance_minor": 0,
        "charged_off_minor": 0,
        "dpd": 5,
        "last_closed_on": date(2024, 3, 15),
    }


def test_same_results_as_the_memory_unit_of_work(engine: Engine) -> None:
    memory = MemoryUnitOfWork(products)
    assert run_scenario(sql_bus(engine)) == run_scenario(MessageBus(memory, POLICIES))
    with fresh(engine) as uow, memory:
        assert line_to_dict(uow.lines.get(LINE)) == line_to_dict(memory.lines.get(LINE))
        assert list(uow.journal.entries()) == list(memory.journal.entries())
        assert uow.journal.account_balances() == memory.journal.account_balances()
        assert uow.journal.line_balances(LINE) == memory.journal.line_balances(LINE)


def test_reconciliation_through_run_day_end_is_ok(engine: Engine) -> None:
    bus = sql_bus(engine)
    open_and_buy(bus)
    bus.handle(c.Repay("pay-x", LINE, 40_000, date(2024, 1, 20)))  # overpay: a credit balance
    result = bus.handle(c.RunDayEnd(date(2024, 2, 1)))
    assert result.reconciliation.ok
    with fresh(engine) as uow:
        rec = uow.day_ends.reconciliation(date(2024, 2, 1))
        assert rec == result.reconciliation
        assert rec is not None and rec.control["Liabilities:CustomerCredit"] == -10_000
        assert sum(uow.journal.account_balances().values()) == 0


# ------------------------------------------------------------------------------------------- idempotency


def test_retry_returns_same_result_and_conflicting_reuse_is_refused(engine: Engine) -> None:
    bus = sql_bus(engine)
    open_and_buy(bus)
    first = bus.handle(c.Repay("pay-1", LINE, 1000, date(2024, 1, 10)))
    count, version = journal_count(engine), stored_line(engine).version

    assert bus.handle(c.Repay("pay-1", LINE, 1000, date(2024, 1, 10))) == first
    assert (journal_count(engine), stored_line(engine).version) == (count, version)

    with pytest.raises(IdempotencyConflict):
        bus.handle(c.Repay("pay-1", LINE, 1200, date(2024, 1, 10)))
    assert (journal_count(engine), stored_line(engine).version) == (count, version)


def test_failing_command_writes_nothing(engine: Engine) -> None:
    bus = sql_bus(engine)
    open_and_buy(bus)
    before_row, count = stored_row(engine), journal_count(engine)
    # 2024-02-05 first closes Jan 6..Feb 4 (a statement and a fee entry on Feb 1), then refuses the purchase.
    with pytest.raises(DomainError) as err:
        bus.handle(c.Purchase("buy-2", LINE, 5001, 3, date(2024, 2, 5)))
    assert err.value.code == "insufficient_open_to_buy"
    assert journal_count(engine) == count
    assert stored_row(engine) == before_row
    # and the refused id stays free
    assert bus.handle(c.Purchase("buy-2", LINE, 5000, 3, date(2024, 2, 5))).principal_minor == 5000


def test_rollback_discards_everything(engine: Engine) -> None:
    bus = sql_bus(engine)
    open_and_buy(bus)
    before_row, count = stored_row(engine), journal_count(engine)
    with fresh(engine) as uow:
        line = uow.lines.get(LINE)
        line.repay("pay-r", 1000, date(2024, 1, 10))
        uow.lines.add(CreditLine.open("L-2", "C-2", PRODUCT, 10_000, date(2024, 1, 1)))
        uow.audit.record(_audit("rolled-back"))
        uow.flush()
        assert count_entries(uow.connection) == count + 1  # visible inside the transaction
        uow.rollback()
        assert count_entries(uow.connection) == count
        assert uow.lines.get(LINE).version == before_row["version"]  # identity map was dropped
        with pytest.raises(NotFound):
            uow.lines.get("L-2")
    assert stored_row(engine) == before_row and journal_count(engine) == count
    with fresh(engine) as uow:
        assert uow.audit.get("origination/rolled-back") is None
    # leaving the block without commit also discards
    with fresh(engine) as uow:
        uow.lines.get(LINE).repay("pay-r", 1000, date(2024, 1, 10))
        uow.flush()
    assert stored_row(engine) == before_row and journal_count(engine) == count


# ------------------------------------------------------------------------------------------- concurrency


def test_optimistic_conflict_when_two_units_of_work_write_the_same_line(engine: Engine) -> None:
    open_and_buy(sql_bus(engine))
    first, second = fresh(engine), fresh(engine)
    with first, second:
        # Iteration loads without row locks (day-end style), so both hold version N.
        a = next(iter(first.lines))
        b = next(iter(second.lines))
        a.repay("pay-a", 1000, date(2024, 1, 10))
        b.repay("pay-b", 2000, date(2024, 1, 10))
        first.commit()
        with pytest.raises(ConcurrencyConflict) as err:
            second.commit()
        assert err.value.code == "concurrency_conflict" and LINE in str(err.value)
    line = stored_line(engine)
    assert set(line.results) == {"pay-a"} and line.principal_minor == 29_000
    with fresh(engine) as uow:
        assert [e.entry_id for e in uow.journal.entries()][-1] == f"{LINE}/pay/pay-a"
        assert sum(uow.journal.account_balances().values()) == 0
        assert uow.journal.account_balances()[Account.CASH_CLEARING] == 1000


def test_sqlite_sequential_get_conflict(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL locks the row in lines.get; see test_postgres_get_serialises_writers")
    open_and_buy(sql_bus(engine))
    first, second = fresh(engine), fresh(engine)
    with first, second:
        first.lines.get(LINE).repay("pay-a", 1000, date(2024, 1, 10))
        second.lines.get(LINE).repay("pay-b", 2000, date(2024, 1, 10))
        first.commit()
        with pytest.raises(ConcurrencyConflict):
            second.commit()
    assert set(stored_line(engine).results) == {"pay-a"}


def test_postgres_get_serialises_writers(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks (SELECT ... FOR UPDATE) are PostgreSQL only")
    open_and_buy(sql_bus(engine))
    loaded, may_commit = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def holder() -> None:
        try:
            with fresh(engine) as uow:
                uow.lines.get(LINE).repay("pay-a", 1000, date(2024, 1, 10))
                loaded.set()
                may_commit.wait(10)
                uow.commit()
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)
            loaded.set()

    thread = threading.Thread(target=holder)
    thread.start()
    assert loaded.wait(10)
    waiter_done = threading.Event()

    def waiter() -> None:
        try:
            sql_bus(engine).handle(c.Repay("pay-b", LINE, 2000, date(2024, 1, 10)))
        except BaseException as exc:
            errors.append(exc)
        finally:
            waiter_done.set()

    second = threading.Thread(target=waiter)
    second.start()
    assert not waiter_done.wait(0.5), "the second writer must wait for the row lock"
    may_commit.set()
    thread.join(10)
    second.join(10)
    assert not errors
    line = stored_line(engine)
    assert set(line.results) == {"pay-a", "pay-b"} and line.principal_minor == 27_000


# ------------------------------------------------------------------------------------------- journal


def _entries(n: int, line_id: str = "L-J") -> list[JournalEntry]:
    out = []
    for k in range(n):
        e = entry(
            f"{line_id}/e/{k:05d}",
            EntryCode.PURCHASE,
            date(2024, 1, 1 + k % 28),
            line_id,
            [(Account.RECEIVABLE_PRINCIPAL, 100 + k)],
            [(Account.MERCHANT_PAYABLE, 60 + k), (Account.INCOME_FEE, 40)],
            frozenset({f"plan:{k}", "batch"}) if k % 2 else frozenset(),
        )
        out.append(e)
    if n > 3:
        out.append(out[3].reversal(f"{line_id}/rev/3", date(2024, 2, 1)))
    return out


def test_entries_round_trip_exactly_in_insertion_order(engine: Engine) -> None:
    appended = _entries(2_500)  # more than one streaming chunk
    with fresh(engine) as uow:
        uow.journal.append(appended[:1_700])
        uow.commit()
    with fresh(engine) as uow:
        uow.journal.append(appended[1_700:])
        uow.journal.append(appended[:10])  # retries inside a later transaction: skipped
        uow.commit()
    with fresh(engine) as uow:
        assert list(uow.journal.entries()) == appended
        balances = uow.journal.account_balances()
        assert balances[Account.RECEIVABLE_PRINCIPAL] == sum(100 + k for k in range(2_500)) - 103
        assert sum(balances.values()) == 0
        assert uow.journal.line_balances("L-J") == balances
        assert uow.journal.line_balances("nobody") == {}
        changed = entry(
            appended[5].entry_id,
            EntryCode.PURCHASE,
            appended[5].effective_on,
            "L-J",
            [(Account.RECEIVABLE_PRINCIPAL, 1)],
            [(Account.MERCHANT_PAYABLE, 1)],
        )
        with pytest.raises(IdempotencyConflict):
            uow.journal.append([changed])
        with pytest.raises(IdempotencyConflict):  # links are part of the payload too
            uow.journal.append([_relinked(appended[7])])


def _relinked(e: JournalEntry) -> JournalEntry:
    return JournalEntry(e.entry_id, e.code, e.effective_on, e.line_id, e.postings, frozenset({"other"}), e.reverses)


def test_duplicates_within_one_batch(engine: Engine) -> None:
    one = _entries(2)
    with fresh(engine) as uow:
        uow.journal.append([one[0], one[0], one[1]])
        with pytest.raises(IdempotencyConflict):
            uow.journal.append([one[1], _relinked(one[1])])
        assert count_entries(uow.connection) == 2
        uow.commit()
    with fresh(engine) as uow:
        assert list(uow.journal.entries()) == one[:2]


# ------------------------------------------------------------------------------------------- lines


def test_lines_add_get_iterate(engine: Engine) -> None:
    with fresh(engine) as uow:
        for line_id in ("L-b", "L-a", "L-B"):
            uow.lines.add(CreditLine.open(line_id, f"C-{line_id}", PRODUCT, 10_000, date(2024, 1, 1)))
        uow.commit()
    with fresh(engine) as uow:
        with pytest.raises(IdempotencyConflict):
            uow.lines.add(CreditLine.open("L-a", "C-x", PRODUCT, 10_000, date(2024, 1, 1)))
        with pytest.raises(NotFound) as err:
            uow.lines.get("L-missing")
        assert err.value.field == "line_id"
        cached = uow.lines.get("L-b")
        uow.lines.add(CreditLine.open("L-0", "C-0", PRODUCT, 5_000, date(2024, 1, 1)))
        with pytest.raises(IdempotencyConflict):
            uow.lines.add(CreditLine.open("L-0", "C-0", PRODUCT, 5_000, date(2024, 1, 1)))
        assert uow.lines.ids() == ["L-0", "L-B", "L-a", "L-b"]  # code-point order, as the memory fake
        lines = list(uow.lines)
        assert [x.line_id for x in lines] == ["L-0", "L-B", "L-a", "L-b"]
        assert lines[3] is cached  # the identity map is honoured
        assert next(iter(uow.lines)) is lines[0]
        uow.commit()
    with fresh(engine) as uow:
        assert uow.lines.ids() == ["L-0", "L-B", "L-a", "L-b"]


def test_unchanged_lines_are_not_rewritten(engine: Engine) -> None:
    open_and_buy(sql_bus(engine))
    with engine.begin() as conn:  # a marker the adapter would overwrite if it rewrote the row
        conn.execute(credit_lines.update().values(customer_id="marker"))
    with fresh(engine) as uow:
        list(uow.lines)
        uow.lines.get(LINE)
        uow.commit()
    assert stored_row(engine)["customer_id"] == "marker"


# ------------------------------------------------------------------------------------------- logs, migrations


def _audit(app_id: str) -> AuditRecord:
    return AuditRecord(
        decision_id=f"origination/{app_id}",
        kind="origination",
        subject_id=app_id,
        decided_on=date(2024, 1, 1),
        policy_id="origination",
        policy_version="1",
        inputs_hash="abc123",
        outcome="decline",
        reasons=("LOW_INCOME", "收入不足"),
        trace=({"rule_id": "income", "passed": False, "observed": "1000"},),
    )


def test_audit_and_day_end_logs(engine: Engine) -> None:
    with fresh(engine) as uow:
        uow.audit.record(_audit("A-1"))
        uow.audit.record(_audit("A-1"))  # recording again replaces, as in the memory fake
        assert uow.day_ends.last_done() is None
        uow.day_ends.mark(DayEndRecord(date(2024, 1, 2), "DONE", 3))
        uow.day_ends.mark(DayEndRecord(date(2024, 1, 3), "RUNNING", 0))
        uow.commit()
    with fresh(engine) as uow:
        assert uow.audit.get("origination/A-1") == _audit("A-1")
        assert uow.audit.get("origination/none") is None
        assert uow.day_ends.last_done() == date(2024, 1, 2)
        uow.day_ends.mark(DayEndRecord(date(2024, 1, 3), "DONE", 4))
        assert uow.day_ends.get(date(2024, 1, 3)) == DayEndRecord(date(2024, 1, 3), "DONE", 4)
        assert uow.day_ends.last_done() == date(2024, 1, 3)
        assert uow.day_ends.reconciliation(date(2024, 1, 3)) is None


def _length_only(diff: object) -> bool:
    """A column diff that only changes a VARCHAR's declared length (``modify_type`` String -> String)."""
    if not (isinstance(diff, list) and len(diff) == 1 and diff[0][0] == "modify_type"):
        return False
    old, new = diff[0][5], diff[0][6]
    return isinstance(old, sa.String) and isinstance(new, sa.String)


def test_migrate_is_idempotent_and_matches_the_tables(engine: Engine) -> None:
    migrate(engine)
    migrate(engine)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
        if conn.dialect.name == "sqlite":
            # SQLite does not enforce VARCHAR lengths: 0003 widens the entry id columns on PostgreSQL only.
            diffs = [d for d in diffs if not _length_only(d)]
        assert diffs == []
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()


def test_unit_of_work_satisfies_the_port(engine: Engine) -> None:
    make: Callable[[], UnitOfWork] = lambda: SqlUnitOfWork(engine, products)  # noqa: E731 - type check only
    uow = make()
    with pytest.raises(RuntimeError):
        uow.lines.get(LINE)
    with uow, pytest.raises(RuntimeError):
        uow.__enter__()


# ------------------------------------------------------------------------------------------- single writer
# The single-writer unit of work (a simulation's own ledger): committed lines stay in memory, nothing else
# changes — the same stored rows and journal as the default unit of work, and still no lost updates.


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
