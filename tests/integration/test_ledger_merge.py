"""The merge of simulation blocks (adapters/sqlalchemy/merge.py) proves the merged ledger is the union of the
audited blocks without scanning the merged postings again: each block's copied postings are read back from the
merged file's new row range and must equal what the block's own audit read (count and per-account sums); the
merged row counts and running totals must equal the blocks' added up. Every way a copy could go wrong is refused.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from creditloop.adapters.sqlalchemy import SqlUnitOfWork, make_engine, migrate, sqlite_url
from creditloop.adapters.sqlalchemy.merge import (
    LedgerFigures,
    LedgerMerger,
    drop_postings_key,
    drop_secondary_indexes,
    ledger_figures,
)
from creditloop.core.errors import InvariantViolation
from creditloop.ledger.accounts import Account
from creditloop.ledger.entries import EntryCode, JournalEntry, entry
from creditloop.products.terms import Product, default_product
from creditloop.simulate.parallel import audit_block
from creditloop.simulate.runner import SimConfig
from creditloop.simulate.scenario import load_scenario

PRODUCT = default_product()
DAY = date(2024, 1, 6)
PRINCIPAL, CASH, MERCHANT = Account.RECEIVABLE_PRINCIPAL, Account.CASH_CLEARING, Account.MERCHANT_PAYABLE
SIGNED = "sum(CASE side WHEN 'D' THEN amount_minor ELSE -amount_minor END)"


def products(key: str) -> Product:
    return PRODUCT


def _journal(line: str, bought: list[int], paid: int) -> list[JournalEntry]:
    out = [
        entry(f"{line}/buy/{k}", EntryCode.PURCHASE, DAY, line, [(PRINCIPAL, a)], [(MERCHANT, a)])
        for k, a in enumerate(bought)
    ]
    out.append(entry(f"{line}/pay/1", EntryCode.REPAYMENT, DAY, line, [(CASH, paid)], [(PRINCIPAL, paid)]))
    return out


def _block(d: Path, line: str, bought: list[int], paid: int) -> dict[str, int]:
    """A block's scratch file as a worker leaves it (no secondary indexes, keyless postings); its tally."""
    engine = make_engine(sqlite_url(d), durable=False)
    migrate(engine)
    with engine.connect() as conn:
        drop_secondary_indexes(conn)
        drop_postings_key(conn)
    uow = SqlUnitOfWork(engine, products, single_writer=True)
    with uow:
        uow.journal.append(_journal(line, bought, paid))
        uow.commit()
    engine.dispose()
    return {"paid_minor": paid, "purchased_minor": sum(bought), "refunded_minor": 0}


def _figures(d: Path) -> LedgerFigures:
    engine = make_engine(sqlite_url(d), durable=False)
    with engine.connect() as conn:
        figures = ledger_figures(conn)
    engine.dispose()
    return figures


def _sql(db: Path, sql: str) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(sql)


CONFIG = SimConfig(10, 1, 7, load_scenario("baseline"))


@pytest.fixture
def blocks(tmp_path: Path) -> list[Path]:
    dirs = [tmp_path / "blocks" / "b0000", tmp_path / "blocks" / "b0001"]
    _block(dirs[0], "L-C0000001", [300, 450], 200)
    _block(dirs[1], "L-C0000002", [1000], 1000)
    return dirs


def test_the_merged_ledger_is_the_union_of_the_audited_blocks(tmp_path: Path, blocks: list[Path]) -> None:
    audited = [_figures(d) for d in blocks]
    assert [(f.postings, f.entries, f.failed_reconciliations) for f in audited] == [(6, 3, 0), (4, 2, 0)]
    assert audited[0].sums == {PRINCIPAL: 550, MERCHANT: -750, CASH: 200} == audited[0].totals
    merger = LedgerMerger(tmp_path)
    try:
        for d, f in zip(blocks, audited, strict=True):
            merger.add(d, f)
        merger.finish()
        merged, errors = merger.figures()
    finally:
        merger.close()
    assert errors == []
    assert (merged.postings, merged.entries) == (10, 5)
    assert merged.sums == {PRINCIPAL.value: 550, MERCHANT.value: -1750, CASH.value: 1200} == merged.totals
    with sqlite3.connect(tmp_path / "ledger.sqlite") as db:  # the scan the merge no longer makes agrees
        scanned = dict(db.execute(f"SELECT account, {SIGNED} FROM postings GROUP BY account").fetchall())
        assert db.execute("SELECT count(*) FROM postings").fetchone() == (10,)
    assert scanned == merged.sums


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        # One amount changed after the audit: the copied sums differ.
        (
            "UPDATE postings SET amount_minor = amount_minor + 1 WHERE rowid = 1",
            r"b0001 postings copied: Assets:Receivable:Principal is 1, the parts add up to 0",
        ),
        # A balanced pair on one account: the sums hold, the count does not.
        (
            "INSERT INTO postings VALUES ('L-C0000002/buy/0', 7, 'Assets:Cash:Clearing', 'D', 5), "
            "('L-C0000002/buy/0', 8, 'Assets:Cash:Clearing', 'C', 5)",
            r"b0001 postings copied: 6 rows, expected 4",
        ),
    ],
)
def test_a_block_changed_after_its_audit_is_refused_and_nothing_of_it_kept(
    tmp_path: Path, blocks: list[Path], tamper: str, message: str
) -> None:
    audited = [_figures(d) for d in blocks]
    _sql(blocks[1] / "ledger.sqlite", tamper)
    merger = LedgerMerger(tmp_path)
    try:
        merger.add(blocks[0], audited[0])
        with pytest.raises(InvariantViolation, match=message):
            merger.add(blocks[1], audited[1])
        assert merger.added == 1
    finally:
        merger.close()
    with sqlite3.connect(tmp_path / "ledger.sqlite") as db:
        assert db.execute("SELECT count(*) FROM postings").fetchone() == (6,)  # the first block only
        assert db.execute("SELECT count(*) FROM journal_entries").fetchone() == (3,)


def test_rows_in_the_merged_ledger_that_no_block_brought_are_seen(tmp_path: Path, blocks: list[Path]) -> None:
    merger = LedgerMerger(tmp_path)
    try:
        for d in blocks:
            merger.add(d, _figures(d))
        merger.finish()
        _sql(
            tmp_path / "ledger.sqlite",
            "INSERT INTO postings VALUES ('L-C0000001/buy/0', 9, 'Assets:Cash:Clearing', 'D', 5)",
        )
        _sql(
            tmp_path / "ledger.sqlite",
            "UPDATE account_totals SET balance_minor = balance_minor + 5 WHERE account = 'Assets:Cash:Clearing'",
        )
        _merged, errors = merger.figures()
    finally:
        merger.close()
    assert [e.message for e in errors] == [
        "merged postings: 11 rows, expected 10",
        "merged account totals: Assets:Cash:Clearing is 1205, the parts add up to 1200",
    ]


def test_a_worker_audits_its_block_from_its_postings_against_its_tally(tmp_path: Path) -> None:
    d = tmp_path / "b0003"
    tally = _block(d, "L-C0000003", [800], 300)
    figures = audit_block(CONFIG, 3, d, tally)
    assert figures.sums == {PRINCIPAL: 500, MERCHANT: -800, CASH: 300} and figures.postings == 4
    with pytest.raises(InvariantViolation, match=r"auditor, block 3, seed 7: cash 300 != paid 301"):
        audit_block(CONFIG, 3, d, {**tally, "paid_minor": 301})
    _sql(d / "ledger.sqlite", f"UPDATE account_totals SET balance_minor = 1 WHERE account = '{PRINCIPAL.value}'")
    with pytest.raises(InvariantViolation) as err:
        audit_block(CONFIG, 3, d, tally)
    assert str(err.value) == (
        "invariant_violation: auditor, block 3, seed 7: account total Assets:Receivable:Principal 1 differs "
        "from the sum of its postings 500"
    )
