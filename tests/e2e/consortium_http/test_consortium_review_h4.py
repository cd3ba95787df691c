"""Defects found by the review of the consortium service (H4): each test failed before its fix."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from creditloop.consortium.answers import AuditLog, query
from creditloop.entrypoints.consortium.service import ConsortiumService
from creditloop.entrypoints.consortium.settings import ConsortiumSettings

from .conftest import TODAY, FixedClock, make_consortium, pseudonym_of, resident_id

P = pseudonym_of(resident_id(7))
EARLY = TODAY - timedelta(days=40)  # past the policy's 35 days: a stale report


def test_a_late_older_contribution_does_not_replace_a_newer_one(tmp_path: Path) -> None:
    """A member's report of 40 days ago arriving after today's (a delayed retry) replaced it: the member dropped out
    of the answer (stale), and the same happened again after a restart."""
    c = make_consortium(tmp_path)
    with c.client:
        for m in "BCD":
            r: Any = c.post(m, "/consents", {"key_id": "k1", "pseudonym": P, "purpose": "sharing",
                                             "on": EARLY.isoformat()})  # fmt: skip
            assert r.status_code == 201, r.text
            fresh = {"key_id": "k1", "pseudonym": P, "open_lines": 1, "balance_band": "5000-20000",
                     "worst_bucket": "current", "applications_30d": 2, "as_of": TODAY.isoformat()}  # fmt: skip
            assert c.post(m, "/contributions", fresh).status_code == 201  # type: ignore[attr-defined]
        late = {**fresh, "applications_30d": 9, "worst_bucket": "91+", "as_of": EARLY.isoformat()}
        assert c.post("D", "/contributions", late).status_code == 201  # type: ignore[attr-defined]
        r = c.post("A", "/consents", {"key_id": "k1", "pseudonym": P, "purpose": "credit_application"})
        assert r.status_code == 201, r.text
        answer = c.ask("A", P)
        assert answer.json() == {"kind": "answer", "lenders_with_open_lines": 3,  # type: ignore[attr-defined]
                                 "total_balance_band": "5000-20000", "worst_bucket": "current",
                                 "applications_30d": 6}  # fmt: skip
        assert c.svc.store.counts()["consortium_contributions"] == 4  # the late report is kept in the log
    again = ConsortiumService(ConsortiumSettings(data_dir=tmp_path), FixedClock())
    replayed = query(again.registry, AuditLog(), "A", "credit_application", {"k1": P}, TODAY, again.policy)
    assert (replayed.kind, replayed.applications_30d, replayed.worst_bucket) == ("answer", 6, "current")
    again.store.engine.dispose()
    c.svc.store.engine.dispose()


def test_a_consent_the_store_never_got_is_not_used_while_the_store_is_down(tmp_path: Path) -> None:
    """docs/consortium.md: memory never holds what the database does not. When the write and the reload after it
    both failed (the store down), the registry kept the unrecorded consent and answered queries on it."""
    from sqlalchemy.exc import OperationalError

    c = make_consortium(tmp_path)
    store = c.svc.store
    record_consent, load_registry = store.record_consent, store.load_registry

    def down(*args: object) -> Any:
        raise OperationalError("INSERT", {}, Exception("connection refused"))

    with c.client:
        store.record_consent = down  # type: ignore[method-assign]
        store.load_registry = down  # type: ignore[method-assign]
        body = {"key_id": "k1", "pseudonym": P, "purpose": "credit_application"}
        assert c.post("A", "/consents", body).status_code == 503  # type: ignore[attr-defined]
        asked: Any = c.ask("A", P)
        assert (asked.status_code, asked.json()["code"]) == (503, "store_unavailable")
        store.record_consent, store.load_registry = record_consent, load_registry  # type: ignore[method-assign]
        asked = c.ask("A", P)
        assert (asked.status_code, asked.json()["code"]) == (403, "consent_refused")  # it was never recorded
        assert c.post("A", "/consents", body).status_code == 201  # type: ignore[attr-defined]
        assert c.ask("A", P).status_code == 200  # type: ignore[attr-defined]
    store.engine.dispose()


def test_a_chunked_body_past_the_limit_is_413_and_stores_nothing(tmp_path: Path) -> None:
    """The limit read only Content-Length: a body sent chunked (no length) was read whole, however large, and a
    consent padded past the limit was granted."""
    import json

    c = make_consortium(tmp_path)
    body = json.dumps({"key_id": "k1", "pseudonym": P, "purpose": "sharing"}).encode()

    def chunks(pad: int) -> Any:
        yield body[:-1]
        for _ in range(pad):
            yield b" " * 1024
        yield b"}"

    with c.client:
        before = c.svc.store.counts()
        headers = {**c.auth("A"), "Content-Type": "application/json"}
        for path in ("/consents", "/queries"):
            r = c.client.post(f"/consortium/v1{path}", content=chunks(40), headers=headers)
            assert (r.status_code, r.json()["code"]) == (413, "payload_too_large"), r.text
            assert r.headers["x-content-type-options"] == "nosniff"
        assert c.svc.store.counts() == before
        small = c.client.post("/consortium/v1/consents", content=chunks(2), headers=headers)
        assert small.status_code == 201, small.text  # under the limit, chunked is fine
    c.svc.store.engine.dispose()
