"""An API over a fresh SQLite ledger with the demo book, a fixed clock and one key per role (in-process)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from creditloop.adapters.pii_crypto import new_key
from creditloop.config import Settings
from creditloop.entrypoints.api.app import create_app
from creditloop.entrypoints.api.backend import Backend
from creditloop.entrypoints.api.demo import issue_keys, seed_book
from creditloop.entrypoints.api.settings import ApiSettings

TODAY = date(2026, 6, 15)


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 6, 15, 4, 0, tzinfo=UTC)

    def today(self) -> date:
        return TODAY


@dataclass
class Api:
    app: FastAPI
    client: TestClient
    be: Backend
    keys: dict[str, str]

    def auth(self, role: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}", **extra}


def make_api(data_dir: Path, api: ApiSettings | None = None) -> Api:
    be = Backend(Settings(data_dir=data_dir, database_url=None), FixedClock())
    seed_book(be)
    keys = issue_keys(be)
    app = create_app(api=api or ApiSettings(rate_burst=100_000), backend=be)
    return Api(app, TestClient(app), be, keys)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    made = make_api(tmp_path_factory.mktemp("api"))
    with made.client:
        yield made


def _postgres() -> Iterator[Settings]:
    url = os.environ.get("CREDITLOOP_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PostgreSQL tests need CREDITLOOP_TEST_POSTGRES_URL")
    schema = f"cl_api_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    # On PostgreSQL the server does not start without the key that encrypts personal data.
    saved = os.environ.get("CREDITLOOP_PII_KEY")
    os.environ["CREDITLOOP_PII_KEY"] = saved or new_key()
    try:
        yield Settings(database_url=f"{url}?options=-csearch_path%3D{schema}")
    finally:
        if saved is None:
            os.environ.pop("CREDITLOOP_PII_KEY", None)
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    if request.param == "sqlite":
        yield Settings(data_dir=tmp_path / "d", database_url=None)
        return
    yield from _postgres()
