"""What the server does when a transaction keeps losing races, and how long a key revoked elsewhere lives."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from creditloop.adapters.sqlalchemy.api_keys import SqlApiKeyStore
from creditloop.adapters.sqlalchemy.common import ConcurrencyConflict
from creditloop.adapters.sqlalchemy.transient import is_busy, is_transient
from creditloop.app import commands as c
from creditloop.entrypoints.api import backend as backend_module
from creditloop.entrypoints.api.keys import CachedKeyStore, verify

from .conftest import make_api


def test_what_counts_as_a_lost_race() -> None:
    assert is_transient(ConcurrencyConflict("line changed"))
    assert is_transient(OperationalError("UPDATE …", {}, Exception("database is locked")))
    assert not is_transient(OperationalError("SELECT …", {}, Exception("no such table: credit_lines")))
    assert not is_transient(ValueError("database is locked"))
    assert is_busy(PoolTimeout("QueuePool limit reached")) and not is_transient(PoolTimeout("QueuePool limit"))


def test_a_command_that_keeps_conflicting_is_retried_then_503_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = make_api(tmp_path)
    tries = []

    def always_conflicts(command: object) -> object:
        tries.append(command)
        raise ConcurrencyConflict("credit line changed since it was loaded")

    monkeypatch.setattr(backend_module, "BACKOFF_S", 0.0)
    monkeypatch.setattr(made.be.bus, "handle", always_conflicts)  # this thread's bus
    with pytest.raises(ConcurrencyConflict):  # the backend itself: every attempt, then the error
        made.be.send(c.Repay("busy-1", "L-DEMO-2", 100, made.be.today()))
    assert len(tries) == backend_module.ATTEMPTS

    def busy() -> None:
        raise ConcurrencyConflict("credit line changed since it was loaded")

    made.app.add_api_route("/api/v1/busy", busy, methods=["GET"])
    res = made.client.get("/api/v1/busy")
    assert (res.status_code, res.json()["code"], res.headers["retry-after"]) == (503, "busy", "1")
    assert res.headers["content-type"] == "application/problem+json" and "credit line" not in res.text


def test_a_key_revoked_by_another_process_stops_working_within_the_ttl(tmp_path: Path) -> None:
    made = make_api(tmp_path)
    now = [0.0]
    cached = CachedKeyStore(SqlApiKeyStore(made.be.engine), ttl_s=5.0, clock=lambda: now[0])
    key = made.keys["admin"]
    assert verify(cached, key) is not None
    SqlApiKeyStore(made.be.engine).revoke_label("demo", made.be.clock.now())  # elsewhere: the cache does not know
    now[0] = 4.9
    assert verify(cached, key) is not None  # still within the TTL
    now[0] = 5.0
    assert verify(cached, key) is None
    # through the server's own store a revocation is at once
    fresh = make_api(tmp_path / "2")
    assert verify(fresh.be.keys, fresh.keys["admin"]) is not None
    fresh.be.keys.revoke_label("demo", fresh.be.clock.now())
    assert verify(fresh.be.keys, fresh.keys["admin"]) is None
