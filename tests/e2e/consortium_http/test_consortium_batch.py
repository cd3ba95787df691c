"""``POST /queries/batch``: the same answers as one single query per subject, with the single query's guarantees per
subject (consent, threshold, audit, padded size, rate tokens), and a batch too large or malformed refused whole (422
naming the field) before any question is asked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from creditloop.entrypoints.consortium.asgi import ANSWER_BYTES

from .conftest import PREFIX, Consortium, make_consortium, pseudonym_of, resident_id

SUBJECTS = [pseudonym_of(resident_id(n)) for n in range(1, 6)]
URL = PREFIX + "/queries/batch"


def grant(c: Consortium, member: str, pseudonym: str, purpose: str = "credit_application") -> None:
    r: Any = c.post(member, "/consents", {"key_id": "k1", "pseudonym": pseudonym, "purpose": purpose})
    assert r.status_code == 201, r.text


def book(c: Consortium) -> None:
    """Subject 0: three other lenders (an answer); 1: one (insufficient); 2: no consent from the asker; 3: four
    other lenders with other signals; 4: nobody."""
    p = SUBJECTS
    for m in "ABC":
        c.share(m, p[0], balance_band="20000-50000", applications_30d=2)
        c.share(m, p[2])
    c.share("A", p[1], worst_bucket="91+")
    for m, bucket in zip("ABC", ("current", "1-30", "31-60"), strict=True):
        c.share(m, p[3], worst_bucket=bucket, open_lines=2)
    c.share("D", p[3], open_lines=0, balance_band="0")  # a closed relationship: not a lender with open lines
    for i in (0, 1, 3, 4):
        grant(c, "E", p[i])


def batch(c: Consortium, member: str, subjects: list[Any], purpose: str = "credit_application") -> Any:
    return c.client.post(URL, json={"purpose": purpose, "subjects": subjects}, headers=c.auth(member))


def test_a_batch_answers_as_n_single_queries_each_padded_and_audited(consortium: Consortium) -> None:
    book(consortium)
    r = batch(consortium, "E", [{"k1": p} for p in SUBJECTS])
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    got = r.json()["answers"]
    batch_audit = [(a["pseudonym_prefix"], a["kind"]) for a in consortium.svc.store.audit_rows()]
    singles: list[Any] = [consortium.ask("E", p) for p in SUBJECTS]
    expected = []
    for s in singles:  # a single query's refusal is a 403 problem; in a batch, that subject's item
        doc = s.json()
        refused = {"kind": "refused", "code": doc.get("code"), "detail": doc.get("detail"), "field": doc.get("field")}
        expected.append(doc if s.status_code == 200 else refused)
    assert [s.status_code for s in singles] == [200, 200, 403, 200, 200]
    assert got == expected
    assert [a["kind"] for a in got] == ["answer", "insufficient", "refused", "answer", "insufficient"]
    assert got[3]["lenders_with_open_lines"] == 3 and got[3]["worst_bucket"] == "31-60"
    # One audit row per subject, the same rows as the five single queries made after it.
    rows = [(a["pseudonym_prefix"], a["kind"]) for a in consortium.svc.store.audit_rows()]
    assert batch_audit == rows[5:] == [(p[:8], a["kind"]) for p, a in zip(SUBJECTS, got, strict=True)]
    # Every item is the single answer's size: the body's length does not depend on which subjects were answered.
    assert len(r.content) == len(b'{"answers":[]}') + 5 * ANSWER_BYTES + 4
    start = len(b'{"answers":[')
    items = [r.content[start + i * (ANSWER_BYTES + 1) :][:ANSWER_BYTES] for i in range(5)]
    assert [json.loads(x) for x in items] == got  # each item alone, exactly ANSWER_BYTES long


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": "credit_application", "subjects": [{"k1": SUBJECTS[0]}] * 51}, "subjects"),
        ({"purpose": "credit_application", "subjects": []}, "subjects"),
        ({"purpose": "credit_application", "subjects": {"k1": SUBJECTS[0]}}, "subjects"),
        ({"purpose": "credit_application", "subjects": [{"k1": SUBJECTS[0]}, {"k1": "ABC"}]}, "subjects[1]"),
        ({"purpose": "credit_application", "subjects": [{"k1": SUBJECTS[0]}, {}]}, "subjects[1]"),
        ({"purpose": "marketing", "subjects": [{"k1": SUBJECTS[0]}]}, "purpose"),
        ({"purpose": "credit_application", "subjects": [{"k1": SUBJECTS[0]}], "resident_id": "x"}, "resident_id"),
    ],
)
def test_a_bad_batch_is_refused_whole_naming_the_field_and_asks_nothing(
    consortium: Consortium, body: dict[str, Any], field: str
) -> None:
    book(consortium)
    r = consortium.client.post(URL, json=body, headers=consortium.auth("E"))
    assert r.status_code == 422 and r.json()["field"] == field, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert consortium.svc.store.counts()["consortium_audit"] == 0  # not even the well-formed subjects were asked
    if field == "subjects" and isinstance(body["subjects"], list) and body["subjects"]:
        assert "1 to 50 subjects" in r.json()["detail"] and "got 51" in r.json()["detail"]


def test_a_batch_needs_a_member_key_and_spends_one_rate_token_per_subject(tmp_path: Path) -> None:
    c = make_consortium(tmp_path, rate_per_second=0.001)
    with c.client:
        book(c)
        c.svc.buckets.burst = 4
        body = {"purpose": "credit_application", "subjects": [{"k1": p} for p in SUBJECTS[:3]]}
        assert c.client.post(URL, json=body).status_code == 401
        too_many = batch(c, "D", [{"k1": p} for p in SUBJECTS])  # more subjects than the member's burst
        assert too_many.status_code == 422 and "1 to 4 subjects" in too_many.json()["detail"]
        assert batch(c, "E", [{"k1": p} for p in SUBJECTS[:4]]).status_code == 200  # four tokens: the whole burst
        limited = batch(c, "E", [{"k1": SUBJECTS[0]}])
        assert (
            limited.status_code == 429 and limited.json()["code"] == "rate_limited" and "retry-after" in limited.headers
        )
        other = batch(c, "A", [{"k1": SUBJECTS[4]}])  # another member has its own bucket (and no consent: refused)
        assert other.status_code == 200 and other.json()["answers"][0]["code"] == "consent_refused"
        kinds = [a["kind"] for a in c.svc.store.audit_rows() if a["member_id"] == "E"]
    assert kinds == ["answer", "insufficient", "refused", "answer"]  # the 401, 422 and 429 asked nothing


def test_the_batch_route_is_in_the_openapi_document_with_its_limit(consortium: Consortium) -> None:
    doc = consortium.client.get(PREFIX + "/openapi.json").json()
    op = doc["paths"][URL]["post"]
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    assert op["operationId"] == "query_batch" and schema["properties"]["subjects"]["maxItems"] == 50
