"""What a simulation block's store does to be fast, and why it stays exact (docs/simulation.md, "Scale").

Journal rows are numbered on from the first row of a batch; block scratch files skip per-row foreign-key look-ups
and write postings without their key (the merge, or a final check when a block is kept as the ledger, checks
both); day-end reads its due lines from
a by-date index of the memoised next-action dates.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import IntegrityError

from creditloop.adapters.sqlalchemy import SqlUnitOfWork, make_engine, migrate, sqlite_url
from creditloop.adapters.sqlalchemy.db import check_foreign_keys
from creditloop.adapters.sqlalchemy.uow import SqlLines
from creditloop.app.ports import AuditRecord
from creditloop.core.errors import IdempotencyConflict, InvariantViolation
from creditloop.ledger.accounts import Account
from creditloop.ledger.entries import EntryCode, JournalEntry, entry
from creditloop.products.terms import Product, default_product
from creditloop.simulate.parallel import LedgerMerger, drop_postings_key, restore_postings_key, run_block
from creditloop.simulate.runner import SimConfig
from creditloop.simulate.scenario import load_scenario

PRODUCT = default_product()


def products(key: str) -> Product:
    return PRODUCT


def _entries(ids: list[str]) -> list[JournalEntry]:
    return [
        entry(
            f"L-S/buy/{i}",
            EntryCode.PURCHASE,
            date(2024, 1, 1),
            "L-S",
            [(Account.RECEIVABLE_PRINCIPAL, 100 + k)],
            [(Account.MERCHANT_PAYABLE, 100 + k)],
            frozenset({"L-S/plan/1"}) if k % 2 else frozenset(),
        )
        for k, i in enumerate(ids)
    ]


@pytest.mark.parametrize("durable", [True, False])
def test_journal_rows_are_numbered_in_order_across_batches_and_transactions(tmp_path: Path, durable: bool) -> None:
    engine = make_engine(sqlite_url(tmp_path), durable=durable)
    migrate(engine)
    uow = SqlUnitOfWork(engine, products, single_writer=not durable)
    batches = [["a"], ["b", "c", "d"], ["e", "f"]]
    with uow:
        for ids in batches[:2]:
            uow.journal.append(_entries(ids))
        uow.commit()
    with uow:
        uow.journal.append(_entries(["b", "c"]) + _entries(batches[2]))  # a retry of b, c (same payloads) and two new
        uow.commit()
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT entry_id, seq, links FROM journal_entries ORDER BY seq").all()
    assert [(r[0], r[1]) for r in rows] == [(f"L-S/buy/{i}", k) for k, i in enumerate("abcdef", 1)]
    linked = '["L-S/plan/1"]'  # every second entry of a batch has a link
    assert [r[2] for r in rows] == ["[]", "[]", linked, "[]", "[]", linked]
    with engine.connect() as conn:  # enum members are stored as their plain text
        kinds = conn.exec_driver_sql(
            "SELECT DISTINCT e.code, typeof(e.code), p.account, typeof(p.account), p.side, typeof(p.side) "
            "FROM journal_entries e JOIN postings p USING (entry_id) ORDER BY p.side"
        ).all()
    assert [tuple(k) for k in kinds] == [
        ("PURCHASE", "text", "Liabilities:MerchantPayable", "text", "C", "text"),
        ("PURCHASE", "text", "Assets:Receivable:Principal", "text", "D", "text"),
    ]
    engine.dispose()


def _foreign_keys(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one())


def test_only_scratch_files_skip_foreign_key_lookups(tmp_path: Path) -> None:
    durable, scratch = make_engine(sqlite_url(tmp_path / "d")), make_engine(sqlite_url(tmp_path / "s"), durable=False)
    assert (_foreign_keys(durable), _foreign_keys(scratch)) == (1, 0)
    durable.dispose()
    scratch.dispose()


def _block_with_orphan_posting(block: Path) -> None:
    engine = make_engine(sqlite_url(block), durable=False)
    migrate(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO postings VALUES ('L-X/buy/nowhere', 0, 'Assets:Receivable:Principal', 'D', 5)"
        )
    engine.dispose()


def test_a_kept_scratch_file_with_a_posting_without_its_entry_is_refused(tmp_path: Path) -> None:
    _block_with_orphan_posting(tmp_path)
    engine = make_engine(sqlite_url(tmp_path), durable=False)
    with engine.connect() as conn, pytest.raises(InvariantViolation, match=r"foreign keys broken.*postings"):
        check_foreign_keys(conn)
    engine.dispose()


def test_a_clean_file_passes_the_foreign_key_check(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path), durable=False)
    migrate(engine)
    uow = SqlUnitOfWork(engine, products, single_writer=True)
    with uow:
        uow.journal.append(_entries(["a", "b"]))
        uow.commit()
    with engine.connect() as conn:
        check_foreign_keys(conn)  # no error
        assert conn.exec_driver_sql("SELECT count(*) FROM postings").scalar_one() == 4
    engine.dispose()


def test_the_merge_checks_every_posting_of_a_block(tmp_path: Path) -> None:
    block = tmp_path / "blocks" / "b0000"
    _block_with_orphan_posting(block)
    merger = LedgerMerger(tmp_path)
    try:
        with pytest.raises(IntegrityError, match="FOREIGN KEY"):
            merger.add(block)
    finally:
        merger.close()
    with sqlite3.connect(tmp_path / "ledger.sqlite") as db:
        assert db.execute("SELECT count(*) FROM postings").fetchone() == (0,)


# ------------------------------------------------------------------------------------------- day-end index


DAY0 = date(2024, 3, 1)
dates = st.integers(0, 40).map(lambda k: date.max if k == 40 else DAY0 + timedelta(days=k))


@settings(max_examples=150, deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.lists(st.tuples(st.integers(0, 11), dates), max_size=6), st.integers(0, 45), st.integers(0, 12)),
        min_size=1,
        max_size=25,
    )
)
def test_due_lines_are_exactly_those_whose_next_action_has_come(
    steps: list[tuple[list[tuple[int, date]], int, int]],
) -> None:
    """Whatever lines change between questions, the by-date index answers as a scan of every line would."""
    lines = SqlLines(lambda: None, products)  # type: ignore[arg-type,return-value]  # never touches the database
    lines._all_loaded = True
    held = {f"L-{k:02d}": SimpleNamespace(next_action_on=DAY0) for k in range(12)}
    lines.seen = held  # type: ignore[assignment]
    lines._handed_out = set(held)
    for changes, day_k, after_k in steps:
        for k, when in changes:
            held[f"L-{k:02d}"].next_action_on = when
            lines._handed_out.add(f"L-{k:02d}")  # a caller can change only a line it was handed
        day = DAY0 + timedelta(days=day_k)
        after = None if after_k == 12 else f"L-{after_k:02d}"
        expected = sorted(i for i, ln in held.items() if ln.next_action_on <= day and (after is None or i > after))
        assert lines.due_for_day_end(day, after=after) == expected
        assert lines.due_for_day_end(day, limit=3, after=after) == expected[:3]


def test_decisions_recorded_through_the_driver_are_stored_as_before_and_never_rewritten(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path), durable=False)
    migrate(engine)
    item = AuditRecord(
        "origination/A-1", "origination", "A-1", date(2024, 1, 2), "p", "1", "h" * 16, "approved", ("R1",), ({"k": 1},)
    )
    uow = SqlUnitOfWork(engine, products, single_writer=True)
    with uow:
        uow.audit.record(item)
        uow.audit.record(item)  # the same decision again: nothing happens
        with pytest.raises(IdempotencyConflict, match="another outcome"):
            uow.audit.record(replace(item, outcome="declined"))
        uow.commit()
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT * FROM audit_decisions").all()
    assert [tuple(r) for r in rows] == [
        ("origination/A-1", "origination", "A-1", "2024-01-02", "p", "1", "h" * 16, "approved", '["R1"]', '[{"k":1}]')
    ]
    with uow:
        assert uow.audit.get("origination/A-1") == item
    engine.dispose()


# ------------------------------------------------------------------------------------- keyless block postings


def _postings_key(db: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(db) as conn:
        return [(r[1], r[5]) for r in conn.execute("PRAGMA table_info(postings)") if r[5]]


def _posting_rows(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT * FROM postings ORDER BY rowid").fetchall()


def test_a_block_writes_postings_without_their_key_and_a_kept_block_gets_the_key_back(tmp_path: Path) -> None:
    small = SimConfig(40, 3, 7, load_scenario("pandemic").with_shock_month(2))
    run_block(small, 0, tmp_path / "scratch", None)
    run_block(small, 0, tmp_path / "kept", None, keep_indexes=True)
    assert _postings_key(tmp_path / "scratch" / "ledger.sqlite") == []  # no key B-tree while a block runs
    assert _postings_key(tmp_path / "kept" / "ledger.sqlite") == [("entry_id", 1), ("idx", 2)]
    scratch_rows = _posting_rows(tmp_path / "scratch" / "ledger.sqlite")
    assert len(scratch_rows) > 100
    assert _posting_rows(tmp_path / "kept" / "ledger.sqlite") == scratch_rows  # same rows, same insertion order
    with sqlite3.connect(tmp_path / "kept" / "ledger.sqlite") as conn:  # the secondary index is back too
        indexes = {r[1] for r in conn.execute("PRAGMA index_list(postings)")}
    assert "ix_postings_account" in indexes


DUPLICATE_POSTING = r"UNIQUE constraint failed: postings\.entry_id, postings\.idx"


def _keyless_block_with_duplicate_posting(block: Path) -> str:
    engine = make_engine(sqlite_url(block), durable=False)
    migrate(engine)
    uow = SqlUnitOfWork(engine, products, single_writer=True)
    with engine.connect() as conn:
        keyed = drop_postings_key(conn)
    with uow:
        uow.journal.append(_entries(["a"]))
        uow.commit()
    with engine.begin() as conn:  # only a bug could write this: the key check wherever the file is kept finds it
        conn.exec_driver_sql("INSERT INTO postings VALUES ('L-S/buy/a', 0, 'Assets:Receivable:Principal', 'D', 100)")
    engine.dispose()
    return keyed


def test_a_kept_block_with_a_duplicate_posting_is_refused(tmp_path: Path) -> None:
    keyed = _keyless_block_with_duplicate_posting(tmp_path)
    engine = make_engine(sqlite_url(tmp_path), durable=False)
    with engine.connect() as conn, pytest.raises(IntegrityError, match=DUPLICATE_POSTING):
        restore_postings_key(conn, keyed)
    engine.dispose()


def test_the_merge_checks_the_postings_key_of_every_block(tmp_path: Path) -> None:
    block = tmp_path / "blocks" / "b0000"
    _keyless_block_with_duplicate_posting(block)
    merger = LedgerMerger(tmp_path)
    try:
        with pytest.raises(IntegrityError, match=DUPLICATE_POSTING):
            merger.add(block)
    finally:
        merger.close()
    with sqlite3.connect(tmp_path / "ledger.sqlite") as db:
        assert db.execute("SELECT count(*) FROM postings").fetchone() == (0,)


def test_the_postings_key_is_dropped_only_from_an_empty_file(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path), durable=False)
    migrate(engine)
    uow = SqlUnitOfWork(engine, products, single_writer=True)
    with uow:
        uow.journal.append(_entries(["a"]))
        uow.commit()
    with engine.connect() as conn, pytest.raises(InvariantViolation, match="only dropped from an empty"):
        drop_postings_key(conn)
    assert _postings_key(tmp_path / "ledger.sqlite") == [("entry_id", 1), ("idx", 2)]
    engine.dispose()
