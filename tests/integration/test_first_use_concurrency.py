"""Issue 11, item 6: eight processes using a fresh database at once all succeed (the schema upgrade runs once,
under a lock), on a fresh SQLite file and on a fresh PostgreSQL database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from creditloop.adapters.sqlalchemy import make_engine
from creditloop.adapters.sqlalchemy.db import current_revision, head_revision, migrate

POSTGRES_ENV = "CREDITLOOP_TEST_POSTGRES_URL"
PROCESSES = 8
OPEN = [sys.executable, "-m", "creditloop", "line", "open", "--limit", "100.00", "--on", "2024-01-05", "--json"]


def _open_lines_at_once(env: dict[str, str], data_dir: Path) -> list[subprocess.CompletedProcess[str]]:
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "creditloop",
                "line",
                "open",
                "--line-id",
                f"L{i}",
                "--customer-id",
                f"C{i}",
                "--limit",
                "100.00",
                "--on",
                "2024-01-05",
                "--data-dir",
                str(data_dir),
                "--json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **env},
        )
        for i in range(PROCESSES)
    ]
    done = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        done.append(subprocess.CompletedProcess(p.args, p.returncode, stdout, stderr))
    return done


def _all_opened(results: list[subprocess.CompletedProcess[str]]) -> None:
    failures = [r.stderr for r in results if r.returncode != 0]
    assert failures == []
    assert sorted(json.loads(r.stdout)["line_id"] for r in results) == [f"L{i}" for i in range(PROCESSES)]


def test_parallel_first_use_of_a_fresh_sqlite_ledger(tmp_path: Path) -> None:
    d = tmp_path / "fresh"
    env = {k: v for k, v in os.environ.items() if k != "CREDITLOOP_DATABASE_URL"}
    _all_opened(_open_lines_at_once(env, d))
    engine = make_engine(f"sqlite:///{d / 'ledger.sqlite'}")
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM credit_lines").scalar_one() == PROCESSES
            assert conn.exec_driver_sql("SELECT value FROM ledger_meta WHERE key = 'purpose'").scalar_one() == (
                "operating"
            )
    finally:
        engine.dispose()


@pytest.fixture
def fresh_postgres_url() -> Iterator[str]:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    name = f"cl_first_use_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(make_url(url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.mark.postgres
def test_parallel_first_use_of_a_fresh_postgres_database(fresh_postgres_url: str, tmp_path: Path) -> None:
    _all_opened(_open_lines_at_once({"CREDITLOOP_DATABASE_URL": fresh_postgres_url}, tmp_path / "unused"))
    engine = make_engine(fresh_postgres_url)
    try:
        assert current_revision(engine) == head_revision()
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM credit_lines").scalar_one() == PROCESSES
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_explicit_db_upgrade_then_status(fresh_postgres_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "CREDITLOOP_DATABASE_URL": fresh_postgres_url}
    cli = [sys.executable, "-m", "creditloop", "db"]
    before = subprocess.run([*cli, "status", "--json"], capture_output=True, text=True, env=env, check=False)
    assert before.returncode == 0, before.stderr
    assert json.loads(before.stdout)["revision"] is None and not json.loads(before.stdout)["up_to_date"]
    up = subprocess.run([*cli, "upgrade", "--json"], capture_output=True, text=True, env=env, check=False)
    assert up.returncode == 0, up.stderr
    assert json.loads(up.stdout)["revision"] == head_revision()
    assert "postgres@" in json.loads(up.stdout)["database"] or "***" in json.loads(up.stdout)["database"]


def test_migrate_twice_in_one_process_takes_no_lock_the_second_time(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    try:
        migrate(engine)
        with engine.connect() as holder:  # another writer holds the database...
            holder.exec_driver_sql("BEGIN IMMEDIATE")
            migrate(engine)  # ...and an up-to-date ledger does not wait for it
            holder.exec_driver_sql("ROLLBACK")
    finally:
        engine.dispose()
