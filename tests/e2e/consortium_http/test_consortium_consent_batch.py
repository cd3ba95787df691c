"""``POST /consents/batch`` and ``/consents/revoke/batch``: many consents in one request and one transaction, all or
nothing; each item checked as the single route checks it (a bad item at index k is a 422 naming ``items[k].<field>``
and nothing is stored, in the store or in memory); the single route's authentication and one rate token per item."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from creditloop.adapters.consortium_client import ConsortiumClient
from creditloop.entrypoints.consortium.consent_batch import BODY_BYTES

from .conftest import PREFIX, RING, TODAY, Consortium, make_consortium, pseudonym_of, resident_id
from .test_consortium_client import Recorder

URL = PREFIX + "/consents/batch"
REVOKE_URL = PREFIX + "/consents/revoke/batch"
P = [pseudonym_of(resident_id(n)) for n in range(1, 4)]


def item(pseudonym: str, purpose: str = "credit_application", **extra: object) -> dict[str, object]:
    return {"key_id": "k1", "pseudonym": pseudonym, "purpose": purpose, **extra}


def post(c: Consortium, url: str, items: list[Any], member: str = "E") -> Any:
    return c.client.post(url, json={"items": items}, headers=c.auth(member))


def consents(c: Consortium) -> int:
    return c.svc.store.counts()["consortium_consent_events"]


def test_a_batch_of_1000_grants_every_consent_a_following_query_sees(consortium: Consortium) -> None:
    for m in "ABC":
        consortium.share(m, P[0])
    many = [f"{n:064x}" for n in range(1, 1000)]  # well-formed pseudonyms nobody contributed for
    items = [item(P[0], on=(TODAY - timedelta(days=2)).isoformat()), *(item(p) for p in many)]
    assert consortium.ask("E", P[0]).status_code == 403  # type: ignore[attr-defined]
    before = consents(consortium)
    r = post(consortium, URL, items)  # ~120 KB: past the 16 KiB limit of the other routes
    assert r.status_code == 201, r.text
    doc = r.json()
    assert (doc["status"], doc["count"], len(doc["items"])) == ("granted", 1000, 1000)
    assert doc["items"][0] == {"status": "granted", "purpose": "credit_application", "on": "2026-06-13"}
    assert doc["items"][1]["on"] == TODAY.isoformat()  # omitted: today, as the single route
    assert consents(consortium) == before + 1000
    answer: Any = consortium.ask("E", P[0])
    assert answer.status_code == 200 and answer.json()["lenders_with_open_lines"] == 3
    assert consortium.ask("E", many[-1]).json()["kind"] == "insufficient"  # type: ignore[attr-defined]
    # What a restarted service replays is what memory holds.
    replayed = consortium.svc.store.load_registry()
    for p in (P[0], many[0], many[-1]):
        assert replayed.consent_history("E", "k1", p, "credit_application") == consortium.svc.registry.consent_history(
            "E", "k1", p, "credit_application"
        )


FUTURE = (TODAY + timedelta(days=1)).isoformat()
BAD_ITEMS = [
    (item("ABC"), "pseudonym", "64 lower-case hex"),
    (item(P[2].upper()), "pseudonym", "64 lower-case hex"),
    (item(P[2], "marketing"), "purpose", "purpose must be one of"),
    (item(P[2], on=FUTURE), "on", "in the future"),
    (item(P[2], on="yesterday"), "on", "valid date"),
    (item(P[2], resident_id=resident_id(9)), "resident_id", "Extra inputs"),
    ({"key_id": "bad key", "pseudonym": P[2], "purpose": "sharing"}, "key_id", "pattern"),
    ({"key_id": "k1", "pseudonym": P[2]}, "purpose", "Field required"),
    (item(P[1]), "purpose", "already in force"),  # a repeat within the batch: item 1 grants P[1]
    (item(P[0], "sharing"), "purpose", "already in force"),  # a repeat of a consent granted earlier
    ("not an object", "", "valid dictionary"),
]


@pytest.mark.parametrize(("bad", "field", "rule"), BAD_ITEMS)
def test_a_bad_item_refuses_the_batch_naming_its_index_and_nothing_is_stored(
    consortium: Consortium, bad: Any, field: str, rule: str
) -> None:
    consortium.share("E", P[0])  # a sharing consent in force for P[0]
    before, held = consortium.svc.store.counts(), consortium.svc.registry.consent_history("E", "k1", P[1], "sharing")
    r = post(consortium, URL, [item(P[0]), item(P[1]), item(P[2], "sharing"), bad])
    expected = f"items[3].{field}" if field else "items[3]"
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", r.text
    assert (r.json()["code"], r.json()["field"]) == ("invalid_input", expected)
    assert r.json()["detail"].startswith("items[3]") and rule in r.json()["detail"], r.text
    assert consortium.svc.store.counts() == before  # no consent of the batch stored ...
    for p, purpose in ((P[0], "credit_application"), (P[1], "credit_application"), (P[2], "sharing")):
        assert consortium.svc.registry.consent_history("E", "k1", p, purpose) == ()  # ... nor held in memory
    assert consortium.svc.registry.consent_history("E", "k1", P[1], "sharing") == held
    assert consortium.ask("E", P[0]).status_code == 403  # type: ignore[attr-defined]


@pytest.mark.parametrize(("count", "got"), [(1001, "got 1001"), (0, "got 0")])
def test_a_batch_outside_1_to_1000_items_is_refused(consortium: Consortium, count: int, got: str) -> None:
    before = consortium.svc.store.counts()
    r = post(consortium, URL, [item(f"{n + 1:064x}") for n in range(count)])
    assert r.status_code == 422 and r.json()["field"] == "items", r.text
    assert "1 to 1000 items" in r.json()["detail"] and got in r.json()["detail"]
    for body in ({}, {"items": {"0": item(P[0])}}, {"items": [item(P[0])], "member_id": "A"}):
        bad = consortium.client.post(URL, json=body, headers=consortium.auth("E"))
        assert bad.status_code == 422 and bad.json()["field"] in ("items", "member_id"), bad.text
    not_json = consortium.client.post(URL, content=b'{"items": [', headers=consortium.auth("E"))
    assert (not_json.status_code, not_json.json()["field"]) == (422, "body")
    too_large = consortium.client.post(URL, content=b" " * (BODY_BYTES + 1), headers=consortium.auth("E"))
    assert too_large.status_code == 413
    assert consortium.svc.store.counts() == before


def test_the_batch_limit_holds_for_a_chunked_body(consortium: Consortium) -> None:
    """Sent without Content-Length, the body is counted as read against the batch's own limit, not the 16 KiB."""
    body = json.dumps({"items": [item(P[0])]}).encode()

    def chunks(pad_kib: int) -> Iterator[bytes]:
        yield body[:-1]
        for _ in range(pad_kib):
            yield b" " * 1024
        yield b"}"

    headers = {**consortium.auth("E"), "Content-Type": "application/json"}
    before = consortium.svc.store.counts()
    r = consortium.client.post(URL, content=chunks(BODY_BYTES // 1024 + 1), headers=headers)
    assert (r.status_code, r.json()["code"]) == (413, "payload_too_large"), r.text
    assert consortium.svc.store.counts() == before
    assert consortium.client.post(URL, content=chunks(40), headers=headers).status_code == 201  # 40 KiB: fine here


def test_unauthorised_and_rate_limited_batches_store_nothing(tmp_path: Path) -> None:
    c = make_consortium(tmp_path, rate_per_second=0.001)
    with c.client:
        c.svc.buckets.burst = 4
        before = c.svc.store.counts()
        for headers in ({}, {"Authorization": "Bearer ckm_0123456789ab_" + "x" * 43}):
            r = c.client.post(URL, json={"items": [item(P[0])]}, headers=headers)
            assert r.status_code == 401 and r.json()["code"] == "unauthorised"
            assert r.headers["www-authenticate"].startswith("Bearer")
        too_many = post(c, URL, [item(f"{n + 1:064x}") for n in range(5)], member="D")  # past the member's burst
        assert too_many.status_code == 422 and "1 to 4 items" in too_many.json()["detail"]
        assert c.svc.store.counts() == before
        assert post(c, URL, [item(p) for p in P] + [item(P[0], "sharing")]).status_code == 201  # 4 tokens: all
        limited = post(c, URL, [item(P[1], "sharing")])
        assert limited.status_code == 429 and "retry-after" in limited.headers
        assert consents(c) == before["consortium_consent_events"] + 4
        assert post(c, URL, [item(P[1], "sharing")], member="A").status_code == 201  # its own bucket
    c.svc.store.engine.dispose()


def test_revoke_batch_all_or_nothing(consortium: Consortium) -> None:
    assert post(consortium, URL, [item(p) for p in P]).status_code == 201
    before = consortium.svc.store.counts()
    bad = post(consortium, REVOKE_URL, [item(P[0]), item(P[0])])  # the second finds nothing in force
    assert bad.status_code == 422 and bad.json()["field"] == "items[1].purpose"
    assert "no consent in force" in bad.json()["detail"] and consortium.svc.store.counts() == before
    assert consortium.svc.registry.consent_history("E", "k1", P[0], "credit_application")[0].revoked_on is None
    r = post(consortium, REVOKE_URL, [item(P[0]), item(P[1])])
    assert r.status_code == 200 and [x["status"] for x in r.json()["items"]] == ["revoked", "revoked"]
    assert consents(consortium) == before["consortium_consent_events"] + 2
    refused: Any = consortium.ask("E", P[0])
    assert refused.status_code == 403 and refused.json()["code"] == "consent_refused"
    assert consortium.ask("E", P[2]).status_code == 200  # type: ignore[attr-defined]  # not in the batch


def test_a_failed_commit_changes_nothing_in_memory(consortium: Consortium) -> None:
    def broken(*args: object) -> None:
        raise OperationalError("INSERT", {}, Exception("disk full"))

    consortium.svc.store.record_consents = broken  # type: ignore[method-assign]
    r = post(consortium, URL, [item(p) for p in P])
    assert r.status_code == 503 and r.json()["code"] == "store_unavailable"
    assert all(consortium.svc.registry.consent_history("E", "k1", p, "credit_application") == () for p in P)


def test_client_grant_consents_sends_batches(consortium: Consortium) -> None:
    for m in "ABC":
        consortium.share(m, P[0])
    recorder = Recorder(consortium)
    client = ConsortiumClient("http://consortium.test", consortium.keys["E"], RING,
                              transport=httpx.MockTransport(recorder))  # fmt: skip
    try:
        subjects = [({"k1": f"{n + 1:064x}"}, "early_warning", TODAY) for n in range(4)]
        replies = client.grant_consents([({"k1": P[0]}, "credit_application", TODAY), *subjects], batch_size=2)
        assert [r.status_code for r in replies] == [201, 201, 201] and len(recorder.seen) == 3
        assert [x["status"] for r in replies for x in r.json()["items"]] == ["granted"] * 5
        assert client.ask({"k1": P[0]}, "credit_application", TODAY).status == "answer"
        # A refused request stops the rest: its items and the later ones are not recorded.
        before = consents(consortium)
        again = client.grant_consents([({"k1": P[1]}, "sharing", TODAY), subjects[0], subjects[1]], batch_size=2)
        assert [r.status_code for r in again] == [422] and again[0].json()["field"] == "items[1].purpose"
        assert consents(consortium) == before
    finally:
        client.close()


def test_the_batch_routes_are_in_the_openapi_document(consortium: Consortium) -> None:
    paths = consortium.client.get(PREFIX + "/openapi.json").json()["paths"]
    for url, op_id in ((URL, "consent_grant_batch"), (REVOKE_URL, "consent_revoke_batch")):
        op = paths[url]["post"]
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        assert op["operationId"] == op_id and schema["properties"]["items"]["maxItems"] == 1000
