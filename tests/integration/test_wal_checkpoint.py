"""SQLite WAL checkpoints run off the committing thread (adapters/sqlalchemy/checkpoint.py): the ledger's
connections only checkpoint as a safety net, the background thread folds the WAL back, and the WAL stays bounded
under a stream of commits."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import text

from creditloop.adapters.sqlalchemy import checkpoint
from creditloop.adapters.sqlalchemy.db import make_engine


def _write(engine, rows: int, start: int = 0) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT)"))
        conn.execute(
            text("INSERT INTO t (id, body) VALUES (:id, :body)"),
            [{"id": start + i, "body": "x" * 1000} for i in range(rows)],
        )


def _backfilled(database: Path) -> tuple[int, int]:
    import sqlite3

    conn = sqlite3.connect(database)
    try:
        _busy, log, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        conn.close()
    return log, done


def test_ledger_connections_leave_checkpoints_to_the_thread(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == checkpoint.SAFETY_PAGES
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    scratch = make_engine(f"sqlite:///{tmp_path / 'scratch.sqlite'}", durable=False)
    with scratch.connect() as conn:  # a rebuildable file keeps no WAL at all
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "memory"
    engine.dispose()
    scratch.dispose()


def test_checkpoint_if_large_folds_the_wal_back(tmp_path: Path) -> None:
    database = tmp_path / "ledger.sqlite"
    engine = make_engine(f"sqlite:///{database}")
    _write(engine, 500)
    wal = Path(f"{database}-wal")
    assert wal.stat().st_size > 500_000  # the commit left its pages in the WAL
    assert not checkpoint.checkpoint_if_large(database, trigger_bytes=wal.stat().st_size + 1)  # below: nothing
    assert checkpoint.checkpoint_if_large(database, trigger_bytes=0)
    log, done = _backfilled(database)
    assert log == done > 0  # every frame is in the database file now
    with engine.connect() as conn:  # and the data reads back from it
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 500
    engine.dispose()


def test_missing_wal_is_not_an_error(tmp_path: Path) -> None:
    assert not checkpoint.checkpoint_if_large(tmp_path / "none.sqlite", trigger_bytes=0)


def test_background_thread_keeps_the_wal_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkpoint, "TRIGGER_BYTES", 256 * 1024)
    monkeypatch.setattr(checkpoint, "INTERVAL_S", 0.02)
    database = tmp_path / "ledger.sqlite"
    engine = make_engine(f"sqlite:///{database}")
    wal = Path(f"{database}-wal")
    largest = 0
    for batch in range(40):  # 40 commits of ~1 MB: without checkpoints the WAL would pass 40 MB
        _write(engine, 1000, start=batch * 1000)
        largest = max(largest, wal.stat().st_size)
        time.sleep(0.05)
    assert largest < 12 * 1024 * 1024, largest
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        log, done = _backfilled(database)
        if log == done:
            break
        time.sleep(0.05)
    assert log == done
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 40_000
    engine.dispose()
