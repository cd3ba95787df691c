"""The consortium service over HTTP: answers, the threshold, consent, audit, authentication and bad input."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from creditloop.adapters.sqlalchemy.consortium_store import members
from creditloop.entrypoints.consortium.asgi import ANSWER_BYTES
from creditloop.entrypoints.consortium.service import ConsortiumService
from creditloop.entrypoints.consortium.settings import ConsortiumSettings

from .conftest import (
    PREFIX,
    TODAY,
    Consortium,
    FixedClock,
    make_consortium,
    pseudonym_of,
    resident_id,
)

P = pseudonym_of(resident_id(1))


def grant(c: Consortium, member: str, pseudonym: str, purpose: str = "credit_application") -> None:
    r: Any = c.post(member, "/consents", {"key_id": "k1", "pseudonym": pseudonym, "purpose": purpose})
    assert r.status_code == 201, r.text


def test_answer_counts_other_members_only(consortium: Consortium) -> None:
    for m, band in zip("ABCE", ("5000-20000", "20000-50000", "0-5000", "200000+"), strict=True):
        consortium.share(m, P, balance_band=band, applications_30d=2)
    grant(consortium, "E", P)
    r: Any = consortium.ask("E", P)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.json() == {"kind": "answer", "lenders_with_open_lines": 3, "total_balance_band": "20000-50000",
                        "worst_bucket": "current", "applications_30d": 6}  # fmt: skip
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("contributors", [0, 1, 2])
def test_below_threshold_answers_are_the_same_bytes(tmp_path: Path, contributors: int) -> None:
    """0, 1 or 2 other members (threshold 3): the same body, whatever their signals."""
    c = make_consortium(tmp_path)
    with c.client:
        for m in "ABC"[:contributors]:
            c.share(m, P, open_lines=7, balance_band="200000+", worst_bucket="91+", applications_30d=9)
        grant(c, "E", P)
        r: Any = c.ask("E", P)
    assert r.status_code == 200
    assert r.content.rstrip(b" ") == (b'{"applications_30d":null,"kind":"insufficient","lenders_with_open_lines":null,'
                                      b'"total_balance_band":null,"worst_bucket":null}')  # fmt: skip
    assert len(r.content) == ANSWER_BYTES  # padded: the same size as an answer


def test_answers_and_insufficient_answers_have_one_size(consortium: Consortium) -> None:
    """The size side channel: an answer with the longest values and the insufficient answer, the same length."""
    grant(consortium, "E", P)
    below: Any = consortium.ask("E", P)
    for m in "ABC":
        consortium.share(m, P, open_lines=50, balance_band="200000+", worst_bucket="91+", applications_30d=99)
    above: Any = consortium.ask("E", P)
    assert above.json()["kind"] == "answer" and below.json()["kind"] == "insufficient"
    assert len(above.content) == len(below.content) == ANSWER_BYTES


def test_every_query_is_audited_refused_ones_too(consortium: Consortium) -> None:
    r: Any = consortium.ask("E", P)  # no consent on record
    assert r.status_code == 403 and r.json()["code"] == "consent_refused"
    assert r.headers["content-type"] == "application/problem+json"
    grant(consortium, "E", P)
    assert consortium.ask("E", P).status_code == 200  # type: ignore[attr-defined]
    rows = consortium.svc.store.audit_rows()
    assert [(r["member_id"], r["purpose"], r["kind"]) for r in rows] == [
        ("E", "credit_application", "refused"), ("E", "credit_application", "insufficient")]  # fmt: skip
    assert {r["pseudonym_prefix"] for r in rows} == {P[:8]}
    assert all(r["on_date"] == TODAY for r in rows)


def test_revoked_consent_refuses_and_revoked_sharing_removes_signals(consortium: Consortium) -> None:
    for m in "ABC":
        consortium.share(m, P)
    grant(consortium, "E", P)
    assert consortium.ask("E", P).json()["kind"] == "answer"  # type: ignore[attr-defined]
    r: Any = consortium.post("A", "/consents/revoke", {"key_id": "k1", "pseudonym": P, "purpose": "sharing"})
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    assert consortium.ask("E", P).json()["kind"] == "insufficient"  # type: ignore[attr-defined]
    consortium.post("E", "/consents/revoke", {"key_id": "k1", "pseudonym": P, "purpose": "credit_application"})
    assert consortium.ask("E", P).status_code == 403  # type: ignore[attr-defined]


def test_state_survives_a_restart(tmp_path: Path) -> None:
    c = make_consortium(tmp_path)
    with c.client:
        for m in "ABC":
            c.share(m, P, applications_30d=3)
        grant(c, "E", P)
    again = ConsortiumService(ConsortiumSettings(data_dir=tmp_path), FixedClock())
    from creditloop.consortium.answers import AuditLog, query

    answer = query(again.registry, AuditLog(), "E", "credit_application", {"k1": P}, TODAY, again.policy)
    assert (answer.kind, answer.applications_30d) == ("answer", 9)


# ------------------------------------------------------------------------------------------ authentication


def test_keys(consortium: Consortium) -> None:
    url = PREFIX + "/queries"
    body = {"purpose": "credit_application", "pseudonyms": {"k1": P}}
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": consortium.keys["E"]},
                    {"Authorization": "Bearer " + consortium.keys["E"][:-1] + "x"}):  # fmt: skip
        r = consortium.client.post(url, json=body, headers=headers)
        assert r.status_code == 401 and r.json()["code"] == "unauthorised", headers
        assert r.headers["www-authenticate"].startswith("Bearer")
    asked: list[str] = []
    fetch = consortium.svc.keys.fetch
    consortium.svc.keys.fetch = lambda key_id: asked.append(key_id) or fetch(key_id)  # type: ignore[func-returns-value]
    made_up = "Bearer ckm_0123456789ab_" + "x" * 43
    for _ in range(5):
        assert consortium.client.post(url, json=body, headers={"Authorization": made_up}).status_code == 401
    assert asked == ["0123456789ab"]  # an unknown key id costs the store one look-up per TTL, not one per request
    key_id = consortium.keys["E"].split("_")[1]
    consortium.svc.store.revoke_key(key_id, FixedClock().now())
    consortium.svc.keys.entries.clear()  # past the cache's TTL
    assert consortium.ask("E", P).status_code == 401  # type: ignore[attr-defined]
    assert consortium.svc.store.audit_rows() == []


def test_a_key_whose_member_is_gone_is_refused(consortium: Consortium) -> None:
    from creditloop.entrypoints.consortium.keys import issue_member_key

    key = issue_member_key(consortium.svc.store, "X", "x", FixedClock().now())
    with consortium.svc.store.engine.begin() as conn:  # the member retired behind its key's back
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.execute(members.delete().where(members.c.member_id == "X"))
    before = consortium.svc.store.counts()
    body = {"key_id": "k1", "pseudonym": P, "open_lines": 1, "balance_band": "0-5000", "worst_bucket": "current",
            "applications_30d": 0, "as_of": "2026-06-15"}  # fmt: skip
    r = consortium.client.post(PREFIX + "/contributions", headers={"Authorization": f"Bearer {key}"}, json=body)
    assert r.status_code == 403 and r.json()["code"] == "unknown_member"
    assert consortium.svc.store.counts() == before


def test_rate_limit_per_member(tmp_path: Path) -> None:
    c = make_consortium(tmp_path, rate_per_second=0.001)
    c.svc.buckets.burst = 2
    with c.client:
        codes = [c.ask("E", P).status_code for _ in range(3)]  # type: ignore[attr-defined]
        other = c.ask("D", P).status_code  # type: ignore[attr-defined]
    assert codes[:2] == [403, 403] and codes[2] == 429  # no consent: refused, then rate-limited
    assert other == 403  # another member has its own bucket


# ------------------------------------------------------------------------------------------------ bad input

BAD_CONTRIBUTIONS = [
    ({"pseudonym": "ABC"}, "pseudonym"),
    ({"pseudonym": P.upper()}, "pseudonym"),
    ({"balance_band": "lots"}, "balance_band"),
    ({"worst_bucket": "late"}, "worst_bucket"),
    ({"open_lines": -1}, "open_lines"),
    ({"open_lines": "1"}, "open_lines"),
    ({"resident_id": resident_id(1)}, "resident_id"),
    ({"as_of": (TODAY + timedelta(days=1)).isoformat()}, "as_of"),
    ({"key_id": "bad key"}, "key_id"),
]


@pytest.mark.parametrize(("change", "field"), BAD_CONTRIBUTIONS)
def test_bad_contributions_are_refused_and_nothing_is_stored(
    consortium: Consortium, change: dict[str, object], field: str
) -> None:
    grant(consortium, "A", P, "sharing")
    before = consortium.svc.store.counts()
    body = {"key_id": "k1", "pseudonym": P, "open_lines": 1, "balance_band": "0-5000", "worst_bucket": "current",
            "applications_30d": 0, "as_of": TODAY.isoformat(), **change}  # fmt: skip
    r: Any = consortium.post("A", "/contributions", body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == field and r.json()["code"] == "invalid_input"
    assert resident_id(1) not in r.text
    assert consortium.svc.store.counts() == before


def test_contribution_without_sharing_consent_is_refused(consortium: Consortium) -> None:
    before = consortium.svc.store.counts()
    body = {"key_id": "k1", "pseudonym": P, "open_lines": 1, "balance_band": "0-5000", "worst_bucket": "current",
            "applications_30d": 0, "as_of": TODAY.isoformat()}  # fmt: skip
    r: Any = consortium.post("A", "/contributions", body)
    assert r.status_code == 403 and r.json()["code"] == "consent_refused"
    assert consortium.svc.store.counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"key_id": "k1", "pseudonym": "xyz", "purpose": "sharing"}, "pseudonym"),
        ({"key_id": "k1", "pseudonym": P, "purpose": "marketing"}, "purpose"),
        ({"key_id": "k1", "pseudonym": P, "purpose": "sharing", "on": "2099-01-01"}, "on"),
        ({"key_id": "k1", "pseudonym": P}, "purpose"),
    ],
)
def test_bad_consents_are_refused(consortium: Consortium, body: dict[str, str], field: str) -> None:
    before = consortium.svc.store.counts()
    r: Any = consortium.post("A", "/consents", body)
    assert r.status_code == 422 and r.json()["field"] == field
    assert consortium.svc.store.counts() == before


def test_double_grant_and_revoking_nothing_are_refused(consortium: Consortium) -> None:
    grant(consortium, "A", P, "sharing")
    before = consortium.svc.store.counts()
    r: Any = consortium.post("A", "/consents", {"key_id": "k1", "pseudonym": P, "purpose": "sharing"})
    assert r.status_code == 422 and "already in force" in r.json()["detail"]
    r = consortium.post("A", "/consents/revoke", {"key_id": "k1", "pseudonym": P, "purpose": "early_warning"})
    assert r.status_code == 422
    assert consortium.svc.store.counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": "credit_application", "pseudonyms": {"k1": "nothex"}}, "pseudonym"),
        ({"purpose": "marketing", "pseudonyms": {"k1": P}}, "purpose"),
        ({"purpose": "credit_application", "pseudonyms": {}}, "pseudonyms"),
        ({"purpose": "credit_application", "pseudonyms": [P]}, "pseudonyms"),
        ({"purpose": "credit_application", "pseudonyms": {"k1": P}, "resident_id": "x"}, "resident_id"),
        ({"pseudonyms": {"k1": P}}, "purpose"),
    ],
)
def test_bad_queries_leave_no_audit(consortium: Consortium, body: dict[str, object], field: str) -> None:
    r: Any = consortium.post("E", "/queries", body)
    assert r.status_code == 422 and r.json()["field"] == field, r.text
    assert consortium.svc.store.counts()["consortium_audit"] == 0


def test_not_json_and_too_large(consortium: Consortium) -> None:
    r = consortium.client.post(PREFIX + "/queries", content=b"{", headers=consortium.auth("E"))
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    r = consortium.client.post(PREFIX + "/queries", content=b"x" * 20_000, headers=consortium.auth("E"))
    assert r.status_code == 413 and r.headers["x-frame-options"] == "DENY"


def test_a_contribution_that_is_not_json_names_the_body(consortium: Consortium) -> None:
    """R6 review: truncated JSON answered ``field: "11"`` (pydantic's character offset) instead of a field."""
    headers = {**consortium.auth("A"), "Content-Type": "application/json"}
    before = consortium.svc.store.counts()
    r = consortium.client.post(PREFIX + "/contributions", content=b'{"key_id": ', headers=headers)
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (422, "invalid_input", "body")
    assert consortium.svc.store.counts() == before


def test_no_answer_leaves_without_its_audit(consortium: Consortium) -> None:
    grant(consortium, "E", P)

    def broken(rows: object) -> None:
        raise OperationalError("INSERT", {}, Exception("disk full"))

    consortium.svc.audit.write = broken
    r: Any = consortium.ask("E", P)
    assert r.status_code == 503 and r.json()["code"] == "store_unavailable"
    assert "kind" not in r.json()


def test_a_failed_write_leaves_memory_as_the_store(consortium: Consortium) -> None:
    def broken(*args: object) -> None:
        raise OperationalError("INSERT", {}, Exception("disk full"))

    consortium.svc.store.record_consent = broken  # type: ignore[method-assign]
    r: Any = consortium.post("A", "/consents", {"key_id": "k1", "pseudonym": P, "purpose": "sharing"})
    assert r.status_code == 503
    assert consortium.svc.registry.consent_history("A", "k1", P, "sharing") == ()


def test_openapi_and_health(consortium: Consortium) -> None:
    assert consortium.client.get(PREFIX + "/health").json() == {"status": "ok"}
    doc = consortium.client.get(PREFIX + "/openapi.json").json()
    assert {"/consortium/v1/queries", "/consortium/v1/contributions", "/consortium/v1/consents"} <= set(doc["paths"])
    with consortium.svc.store.engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from consortium_members")).scalar_one() == 5


INSUFFICIENT_BYTES = (b'{"applications_30d":null,"kind":"insufficient","lenders_with_open_lines":null,'
                      b'"total_balance_band":null,"worst_bucket":null}').ljust(ANSWER_BYTES)  # fmt: skip


def test_below_threshold_reveals_nothing_whatever_the_signals(tmp_path: Path) -> None:
    """Hypothesis over HTTP: 0-2 other members with any signals, and the asker's own (any): the same bytes."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from creditloop.consortium.bands import BALANCE_BANDS, BUCKETS

    c = make_consortium(tmp_path)
    signal = st.fixed_dictionaries({
        "open_lines": st.integers(1, 50), "balance_band": st.sampled_from([b.label for b in BALANCE_BANDS[1:]]),
        "worst_bucket": st.sampled_from(BUCKETS), "applications_30d": st.integers(0, 99),
    })  # fmt: skip
    seen = iter(range(2, 1000))

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(others=st.lists(signal, max_size=2), own=st.none() | signal)
    def check(others: list[dict[str, object]], own: dict[str, object] | None) -> None:
        p = pseudonym_of(resident_id(next(seen)))
        for member, signals in zip("ABC", others, strict=False):
            c.share(member, p, **signals)
        if own is not None:
            c.share("E", p, **own)
        grant(c, "E", p)
        r: Any = c.ask("E", p)
        assert r.status_code == 200 and r.content == INSUFFICIENT_BYTES

    with c.client:
        check()
