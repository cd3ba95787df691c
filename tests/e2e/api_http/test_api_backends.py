"""The API on SQLite and on PostgreSQL (``CREDITLOOP_TEST_POSTGRES_URL``, a throwaway schema): concurrent retries
of one ``Idempotency-Key`` post once, concurrent payments on one line all post, and the books still balance."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

import sqlalchemy as sa
from fastapi.testclient import TestClient

from creditloop.adapters.pii_crypto import new_key
from creditloop.app.views import journal_rows, line_summary, verify_journal
from creditloop.config import Settings
from creditloop.entrypoints.api.app import create_app
from creditloop.entrypoints.api.backend import Backend
from creditloop.entrypoints.api.demo import issue_keys, seed_book
from creditloop.entrypoints.api.settings import ApiSettings

from .conftest import FixedClock


def _postgres() -> Iterator[Settings]:
    url = os.environ.get("CREDITLOOP_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PostgreSQL tests need CREDITLOOP_TEST_POSTGRES_URL")
    schema = f"cl_api_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield Settings(database_url=f"{url}?options=-csearch_path%3D{schema}")
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    if request.param == "sqlite":
        yield Settings(data_dir=tmp_path / "d", database_url=None)
        return
    yield from _postgres()


def test_concurrent_retries_and_payments_post_exactly_once(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDITLOOP_PII_KEY", new_key())  # on PostgreSQL the server does not start without one
    be = Backend(settings, FixedClock())
    seed_book(be)
    keys = issue_keys(be)
    client = TestClient(create_app(api=ApiSettings(rate_burst=100_000), backend=be))
    auth = {"Authorization": f"Bearer {keys['checkout']}", "If-Match": "*"}
    url = "/api/v1/lines/L-DEMO-5/payments"
    before = be.read(line_summary, "L-DEMO-5")

    def retry(_: int) -> tuple[int, str]:
        res = client.post(url, json={"amount_minor": 1_000}, headers={**auth, "Idempotency-Key": "same-key"})
        return res.status_code, res.text

    def pay(k: int) -> int:
        res = client.post(url, json={"amount_minor": 100}, headers={**auth, "Idempotency-Key": f"pay-{k}"})
        return res.status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        retries = list(pool.map(retry, range(16)))
        payments = list(pool.map(pay, range(16)))
    assert {code for code, _ in retries} == {201} and len({text for _, text in retries}) == 1
    assert payments == [201] * 16
    entries = {row["entry_id"] for row in be.read(journal_rows) if "same-key" in row["entry_id"]}
    assert len(entries) == 1
    after = be.read(line_summary, "L-DEMO-5")
    paid = 1_000 + 16 * 100
    owed = lambda v: v.principal_minor + v.fee_minor + v.penalty_minor - v.credit_balance_minor  # noqa: E731
    assert owed(before) - owed(after) == paid
    assert be.read(verify_journal).ok
