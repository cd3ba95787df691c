"""The API on SQLite and on PostgreSQL (``CREDITLOOP_TEST_POSTGRES_URL``, a throwaway schema): concurrent retries
of one ``Idempotency-Key`` post once, concurrent payments on one line all post, and the books still balance."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

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


def _client(settings: Settings) -> tuple[Backend, TestClient, dict[str, str]]:
    be = Backend(settings, FixedClock())
    seed_book(be)
    keys = issue_keys(be)
    return be, TestClient(create_app(api=ApiSettings(rate_burst=100_000), backend=be)), keys


def test_one_etag_admits_one_change_whoever_else_races(settings: Settings) -> None:
    """Eight concurrent payments all sending the line's current ETag: the check and the command are one
    transaction, so exactly one passes and the others get 412 (none slips in between check and command)."""
    be, client, keys = _client(settings)
    url = "/api/v1/lines/L-DEMO-4/payments"
    tag = client.get("/api/v1/lines/L-DEMO-4", headers={"X-API-Key": keys["admin"]}).headers["etag"]
    before = be.read(line_summary, "L-DEMO-4")

    def pay(k: int) -> int:
        headers = {"X-API-Key": keys["checkout"], "If-Match": tag, "Idempotency-Key": f"race-{k}"}
        return client.post(url, json={"amount_minor": 100}, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = sorted(pool.map(pay, range(8)))
    assert codes == [201] + [412] * 7
    after = be.read(line_summary, "L-DEMO-4")
    assert after.events[-1]["id"].startswith("race-") and len(after.events) == len(before.events) + 1
    assert be.read(verify_journal).ok


def test_mixed_load_over_lines_loses_and_doubles_nothing(settings: Settings) -> None:
    """Threads buy and repay on three lines at once, every request sent twice with its key (a retry racing the
    original): each key is posted once, every line moves by exactly what its 201s say, the journal verifies."""
    be, client, keys = _client(settings)
    lines = ["L-DEMO-1", "L-DEMO-2", "L-DEMO-6"]
    headers = {"X-API-Key": keys["checkout"], "If-Match": "*"}
    before = {i: be.read(line_summary, i) for i in lines}

    def op(k: int) -> tuple[str, str, int, int]:
        line, kind = lines[k % 3], ("purchases", "payments")[k // 3 % 2]
        body = {"amount_minor": 1_000 + k, **({"periods": 1} if kind == "purchases" else {})}
        url = f"/api/v1/lines/{line}/{kind}"
        res = client.post(url, json=body, headers={**headers, "Idempotency-Key": f"mix-{k}"})
        return line, kind, body["amount_minor"], res.status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        done = list(pool.map(op, [*range(24), *range(24)]))  # each key twice, the copies racing
    assert {code for *_, code in done} == {201}
    owed = lambda v: v.principal_minor + v.fee_minor + v.penalty_minor - v.credit_balance_minor  # noqa: E731
    for line in lines:
        ops = {(kind, amount) for i, kind, amount, _ in done if i == line}
        bought = sum(a for kind, a in ops if kind == "purchases")
        paid = sum(a for kind, a in ops if kind == "payments")
        assert owed(be.read(line_summary, line)) - owed(before[line]) == bought - paid, line
    entries = {row["entry_id"] for row in be.read(journal_rows) if "mix-" in row["entry_id"]}
    assert sorted(e.rsplit("/", 1)[1] for e in entries) == sorted(f"mix-{k}" for k in range(24))  # one entry per key
    assert be.read(verify_journal).ok


def test_a_busy_line_does_not_hold_up_the_others(settings: Settings) -> None:
    """Another transaction holds one line (PostgreSQL: its row locked; SQLite: the file's write lock): requests on
    other lines (PostgreSQL) or reads (SQLite, WAL) go ahead meanwhile; the held line's change waits, then posts."""
    be, client, keys = _client(settings)
    headers = {"X-API-Key": keys["checkout"], "If-Match": "*"}
    pool = ThreadPoolExecutor(max_workers=2)
    with be.engine.connect() as holder:
        if be.sqlite:
            holder.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock, as a long writer would hold it
        else:
            holder.execute(sa.text("SELECT 1 FROM credit_lines WHERE line_id = :i FOR UPDATE"), {"i": "L-DEMO-1"})
        blocked = pool.submit(
            client.post, "/api/v1/lines/L-DEMO-1/payments", json={"amount_minor": 100},
            headers={**headers, "Idempotency-Key": "held-1"},
        )  # fmt: skip
        if be.sqlite:
            other = client.get("/api/v1/lines/L-DEMO-2", headers={"X-API-Key": keys["admin"]})
            assert other.status_code == 200
        else:
            other = pool.submit(
                client.post, "/api/v1/lines/L-DEMO-2/payments", json={"amount_minor": 100},
                headers={**headers, "Idempotency-Key": "free-2"},
            ).result(timeout=30)  # fmt: skip
            assert other.status_code == 201
        assert not blocked.done()
        holder.rollback()
    assert blocked.result(timeout=30).status_code == 201
    pool.shutdown()
    assert be.read(verify_journal).ok
