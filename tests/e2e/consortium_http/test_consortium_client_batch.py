"""``ConsortiumClient.ask_many``: the questions go 50 to a ``POST /queries/batch``, and every subject's signal and
audit row equal what ``ask`` gives it alone; an outage, a refusal or a garbled reply applies to the batch's subjects
only as it would to each; the caller's budget stops it between subjects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from creditloop.adapters.consortium_client import BATCH_SIZE, ConsortiumClient
from creditloop.adapters.consortium_member_file import MemberFile
from creditloop.app.consortium import ConsortiumSignal
from creditloop.app.consortium_ewi import EarlyWarningConsortium

from .conftest import RING, TODAY, Consortium, pseudonym_of, resident_id
from .test_consortium_client import Recorder

PURPOSE = "early_warning"


def _client(consortium: Consortium, transport: httpx.BaseTransport, member: str = "E") -> ConsortiumClient:
    return ConsortiumClient("http://consortium.test", consortium.keys[member], RING, transport=transport)


@pytest.fixture
def subjects(consortium: Consortium) -> Iterator[list[dict[str, str]]]:
    """110 subjects (three batches): 8 known to 3 or 4 other members with varied signals, the rest to none."""
    made = [{"k1": pseudonym_of(resident_id(n))} for n in range(110)]
    bands, buckets = ("0-5000", "20000-50000", "100000-200000", "200000+"), ("current", "1-30", "31-60", "91+")
    for n in range(8):
        for m in "ABCD"[: 3 + n % 2]:
            consortium.share(m, made[n * 13]["k1"], open_lines=1 + n % 3, balance_band=bands[n % 4],
                             worst_bucket=buckets[(n + ord(m)) % 4], applications_30d=n)  # fmt: skip
    yield made


def test_batched_answers_and_audit_equal_single_queries(consortium: Consortium, subjects: list[dict[str, str]]) -> None:
    recorder = Recorder(consortium)
    client = _client(consortium, httpx.MockTransport(recorder))
    batched = client.ask_many([*subjects, {}], PURPOSE, TODAY)  # {}: nothing to ask with, as ``ask`` says
    paths = [raw.split(b"\n")[1].rsplit(b"/v1", 1)[1] for raw in recorder.seen]
    assert paths.count(b"/queries/batch") == 3 and paths.count(b"/consents") == 110 and len(paths) == 113
    batch_audit = [(r["purpose"], r["pseudonym_prefix"], r["kind"]) for r in consortium.svc.store.audit_rows("E")]

    single = [client.ask(p, PURPOSE, TODAY) for p in subjects] + [client.ask({}, PURPOSE, TODAY)]
    assert batched == single
    kinds = [s.status for s in single if s is not None]
    assert kinds.count("answer") == 8 and kinds.count("insufficient") == 102 and kinds[-1] == "not_asked"
    assert {s.total_balance_band for s in single if s.status == "answer"} >= {"0-5000", "200000+"}
    all_audit = [(r["purpose"], r["pseudonym_prefix"], r["kind"]) for r in consortium.svc.store.audit_rows("E")]
    assert all_audit == batch_audit * 2  # the batch wrote the rows the single queries wrote, in the same order


def test_outage_refusal_garble_and_budget(consortium: Consortium, subjects: list[dict[str, str]]) -> None:
    calls: list[str] = []

    def down(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        raise httpx.ConnectError("refused", request=request)

    out = _client(consortium, httpx.MockTransport(down)).ask_many(subjects, PURPOSE, TODAY)
    assert {s.status for s in out if s is not None} == {"unavailable"} and len(out) == 110 and len(calls) == 1

    def batch_reply(status: int, body: bytes) -> httpx.MockTransport:
        forward = Recorder(consortium)

        def handle(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/queries/batch"):
                return httpx.Response(status, content=body, headers={"Retry-After": "1"})
            return forward(request)

        return httpx.MockTransport(handle)

    few = subjects[:3]
    for status, body, expected in ((429, b"{}", "refused"), (200, b'{"answers": [{"kind": "answer"}]}', "unavailable"),
                                   (200, b"<html>", "unavailable")):  # fmt: skip
        got = _client(consortium, batch_reply(status, body)).ask_many(few, PURPOSE, TODAY)
        assert got == [ConsortiumSignal(expected)] * 3, (status, body)

    ticks = iter(range(1000))
    budget = _client(consortium, httpx.MockTransport(Recorder(consortium)))
    stopped = budget.ask_many(subjects, PURPOSE, TODAY, stop=lambda: next(ticks) >= BATCH_SIZE + 5)
    assert all(s is not None for s in stopped[: BATCH_SIZE + 5]) and stopped[BATCH_SIZE + 5 :] == [None] * (
        110 - BATCH_SIZE - 5
    )


def test_the_nightly_run_finds_the_same_with_and_without_batches(consortium: Consortium, tmp_path: Path) -> None:
    residents = {f"c{n:03d}": resident_id(200 + n) for n in range(60)}
    for n in range(0, 60, 7):
        for m in "ABC":
            consortium.share(m, pseudonym_of(residents[f"c{n:03d}"]), open_lines=1 + n % 4)
    book = MemberFile(tmp_path / "member.sqlite", RING)
    book.enrol(residents.items(), TODAY)
    lines = {f"L-{c}": c for c in [*residents, "not-enrolled"]}
    try:
        found = {}
        for batch in (False, True):
            recorder = Recorder(consortium)
            ask = EarlyWarningConsortium(_client(consortium, httpx.MockTransport(recorder)), book, batch=batch)
            found[batch] = ask.lenders_features(lines, "2026-06", TODAY)
            found[batch][1].seconds = 0.0
            assert len(recorder.seen) == (60 + 2 if batch else 120)  # 60 consents and 2 batches, or 60 + 60 queries
    finally:
        book.close()
    assert found[True] == found[False]
    assert len(found[True][0]) == 9 and found[True][1].statuses == {"answer": 9, "insufficient": 51, "not_enrolled": 1}
