"""Merged simulation ledgers carry the application history and the underwriting decisions of every block, and a
running block keeps the history's indexes (its snapshots read them)."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from creditloop.adapters.sqlalchemy import SqlUnitOfWork, make_engine, migrate, sqlite_url
from creditloop.adapters.sqlalchemy.merge import LedgerMerger, drop_postings_key, drop_secondary_indexes, ledger_figures
from creditloop.app.ports import StoredDecision
from creditloop.products.terms import Product, default_product
from creditloop.strategy.velocity import ApplicationKeys, key_hash

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def products(_key: str) -> Product:
    return default_product()


def _keys(app: str, minutes: int) -> ApplicationKeys:
    return ApplicationKeys(
        app,
        T0 + timedelta(minutes=minutes),
        key_hash("identity", "shared-id"),
        key_hash("phone", app),
        "",
        "",
        "",
        hashlib.sha256(app.encode()).hexdigest(),
        500_000,
    )


def _decision(app: str) -> StoredDecision:
    return StoredDecision(
        f"D-{app}",
        app,
        T0,
        date(2026, 3, 1),
        "uw",
        "1",
        None,
        None,
        "champion",
        "decline",
        0,
        None,
        "0" * 64,
        "{}",
        "{}",
    )


def _block(d: Path, apps: list[str]) -> list[str]:
    """A block's scratch file as a worker leaves it, with applications decided in it; the indexes it dropped."""
    engine = make_engine(sqlite_url(d), durable=False)
    migrate(engine)
    with engine.connect() as conn:
        dropped = drop_secondary_indexes(conn)
        drop_postings_key(conn)
    uow = SqlUnitOfWork(engine, products, single_writer=True)
    with uow:
        for i, app in enumerate(apps):
            uow.applications.snapshot(_keys(app, i), (7,), 30)
            uow.applications.record(_keys(app, i))
            uow.decisions.save(_decision(app))
        uow.commit()
    engine.dispose()
    return dropped


def test_blocks_keep_the_history_indexes_and_the_merge_carries_both_tables(tmp_path: Path) -> None:
    dirs = [tmp_path / "blocks" / "b0000", tmp_path / "blocks" / "b0001"]
    dropped = _block(dirs[0], ["A-C0000001", "A-C0000002"])
    _block(dirs[1], ["A-C0000003"])
    assert dropped and not any("application_history" in sql for sql in dropped)
    with sqlite3.connect(dirs[0] / "ledger.sqlite") as db:
        kept = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'application_history'")}
    assert "ix_application_history_identity" in kept

    merger = LedgerMerger(tmp_path)
    try:
        for d in dirs:
            engine = make_engine(sqlite_url(d), durable=False)
            with engine.connect() as conn:
                figures = ledger_figures(conn)
            engine.dispose()
            merger.add(d, figures)
        merger.finish()
        _merged, errors = merger.figures()
    finally:
        merger.close()
    assert errors == []
    with sqlite3.connect(tmp_path / "ledger.sqlite") as db:
        apps = [a for (a,) in db.execute("SELECT application_id FROM application_history ORDER BY application_id")]
        decided = [d for (d,) in db.execute("SELECT decision_id FROM underwriting_decisions ORDER BY decision_id")]
    assert apps == ["A-C0000001", "A-C0000002", "A-C0000003"]
    assert decided == ["D-A-C0000001", "D-A-C0000002", "D-A-C0000003"]
