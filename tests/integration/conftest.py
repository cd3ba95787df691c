"""Database fixtures: every ``engine`` test runs on SQLite and on PostgreSQL.

PostgreSQL needs ``CREDITLOOP_TEST_POSTGRES_URL``. Unset: those tests skip. Set but unreachable: they
fail, so a broken CI database is never mistaken for a green run. Each PostgreSQL test gets its own
schema (``cl_test_<uuid>``), dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from creditloop.adapters.sqlalchemy import SqlUnitOfWork, make_engine, migrate, sqlite_url
from creditloop.app.memory import MemoryUnitOfWork
from creditloop.app.ports import UnitOfWork
from creditloop.products.terms import Product, default_product

POSTGRES_ENV = "CREDITLOOP_TEST_POSTGRES_URL"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = make_engine(sqlite_url(tmp_path / "data"))
        migrate(eng)
        try:
            yield eng
        finally:
            eng.dispose()
        return
    yield from _postgres_engine()


def _default_products(_key: str) -> Product:
    return default_product()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_uow(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UnitOfWork]:
    """A unit of work on the memory fake, SQLite and PostgreSQL: for suites that must agree on all three."""
    if request.param == "memory":
        yield MemoryUnitOfWork(_default_products)
        return
    if request.param == "sqlite":
        eng = make_engine(sqlite_url(tmp_path / "data"))
        migrate(eng)
        try:
            yield SqlUnitOfWork(eng, _default_products)
        finally:
            eng.dispose()
        return
    for eng in _postgres_engine():
        yield SqlUnitOfWork(eng, _default_products)


def _postgres_engine() -> Iterator[Engine]:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    schema = f"cl_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    problem = None
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except OperationalError as exc:
        problem = str(exc.orig)
    if problem is not None:  # fail outside the except block: one clear message, no chained traceback
        admin.dispose()
        pytest.fail(f"{POSTGRES_ENV} is set but PostgreSQL cannot be reached: {problem}", pytrace=False)
    eng = make_engine(url, schema=schema)
    try:
        migrate(eng)
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()
