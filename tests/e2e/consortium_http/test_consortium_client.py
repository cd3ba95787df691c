"""The member client: no identifier leaves in clear, and an unreachable or slow consortium costs no time."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from creditloop.adapters.consortium_client import ConsortiumClient
from creditloop.app.consortium import ANSWER, INSUFFICIENT, NOT_ASKED, REFUSED, UNAVAILABLE

from .conftest import MEMBERS, RING, TODAY, Consortium, resident_id

IDS = [resident_id(n, born) for n, born in ((7, "19850314"), (8, "19920229"), (9, "19700101"))]


class Recorder:
    """An httpx transport that records every request whole, then hands it to the service in process."""

    def __init__(self, consortium: Consortium) -> None:
        self.consortium = consortium
        self.seen: list[bytes] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        raw = b"\n".join([request.method.encode(), str(request.url).encode(),
                          *(k + b": " + v for k, v in request.headers.raw), request.content])  # fmt: skip
        self.seen.append(raw)
        reply = self.consortium.client.request(request.method, request.url.path, content=request.content,
                                               headers=dict(request.headers))  # fmt: skip
        return httpx.Response(reply.status_code, headers=reply.headers, content=reply.content)


@pytest.fixture
def clients(consortium: Consortium) -> Iterator[tuple[dict[str, ConsortiumClient], Recorder]]:
    recorder = Recorder(consortium)
    made = {m: ConsortiumClient("http://consortium.test", consortium.keys[m], RING,
                                transport=httpx.MockTransport(recorder)) for m in MEMBERS}  # fmt: skip
    yield made, recorder
    for client in made.values():
        client.close()


def forms_of(resident: str) -> list[bytes]:
    """The ID and the parts of it that identify: the first 17 characters, the birth date, region + birth."""
    return [s.encode() for s in (resident, resident[:17], resident[6:14], resident[:14], resident.lower())]


def test_no_identifier_leaves_the_member(clients: tuple[dict[str, ConsortiumClient], Recorder]) -> None:
    made, recorder = clients
    for resident in IDS:
        for m in "ABC":
            assert made[m].grant(resident, "sharing", TODAY).status_code == 201
            r = made[m].contribute(resident, open_lines=2, balance_fen=1_234_567, days_past_due=45,
                                   applications_30d=3, as_of=TODAY)  # fmt: skip
            assert r.status_code == 201, r.text
        signal = made["E"].lookup(resident, "credit_application", TODAY)
        assert signal.status == ANSWER and signal.lenders_with_open_lines == 3 and signal.worst_bucket == "31-60"
        made["A"].revoke(resident, "sharing", TODAY)
    assert len(recorder.seen) == 3 * (3 * 2 + 2 + 1)
    for raw in recorder.seen:
        for resident in IDS:
            for form in forms_of(resident):
                assert form not in raw
        assert b"1234567" not in raw and b"12345.67" not in raw  # the amount became a band
    assert all(b"/consortium/v1/" in raw for raw in recorder.seen)


def test_lookup_says_what_happened(clients: tuple[dict[str, ConsortiumClient], Recorder]) -> None:
    made, _ = clients
    assert made["E"].lookup(IDS[0], "credit_application", TODAY).status == INSUFFICIENT
    assert made["E"].lookup(IDS[0], "credit_application", TODAY).status == INSUFFICIENT  # consent already on file
    assert made["E"].lookup("110105199001010000", "credit_application", TODAY).status == NOT_ASKED  # bad check digit
    assert made["E"].lookup(IDS[0], "marketing", TODAY).status == REFUSED


def test_unreachable_consortium_is_unavailable_at_once() -> None:
    calls = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ConnectError("connection refused", request=request)

    client = ConsortiumClient("http://consortium.test", "ckm_x", RING, transport=httpx.MockTransport(refuse))
    started = time.perf_counter()
    assert client.lookup(IDS[0], "credit_application", TODAY).status == UNAVAILABLE
    assert client.lookup(IDS[1], "credit_application", TODAY).status == UNAVAILABLE
    assert time.perf_counter() - started < 0.5
    assert len(calls) == 1  # the circuit is open: the second lookup did not even try


def test_a_consortium_that_never_answers_times_out() -> None:
    with socket.socket() as listener:  # accepts connections (the kernel's backlog) and never replies
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        client = ConsortiumClient(f"http://127.0.0.1:{port}", "ckm_x", RING, timeout_s=0.2)
        started = time.perf_counter()
        signal = client.lookup(IDS[0], "credit_application", date(2026, 6, 15))
        elapsed = time.perf_counter() - started
        client.close()
    assert signal.status == UNAVAILABLE
    assert elapsed < 1.5


def test_a_garbled_reply_is_unavailable() -> None:
    def garbled(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/consents"):
            return httpx.Response(201, json={"status": "granted"})
        return httpx.Response(200, content=b"<html>proxy error</html>")

    client = ConsortiumClient("http://consortium.test", "ckm_x", RING, transport=httpx.MockTransport(garbled))
    assert client.lookup(IDS[0], "credit_application", TODAY).status == UNAVAILABLE


def test_switched_on_by_configuration(tmp_path: Path) -> None:
    from creditloop.bootstrap import default_policies, with_consortium
    from creditloop.config import Settings
    from creditloop.core.errors import ValidationError

    policies = default_policies()
    assert with_consortium(policies, Settings(data_dir=tmp_path)) is policies  # off by default
    ring = tmp_path / "ring.json"
    ring.write_text(json.dumps({"current": {"key_id": "k2", "secret_hex": "ab" * 32},
                                "previous": {"key_id": "k1", "secret_hex": "cd" * 32},
                                "previous_until": "2026-07-01"}))  # fmt: skip
    on = Settings(data_dir=tmp_path, consortium_url="http://127.0.0.1:9", consortium_member_key="ckm_x",
                  consortium_key_file=ring)  # fmt: skip
    client = with_consortium(policies, on).underwriting.consortium
    assert isinstance(client, ConsortiumClient)
    assert [k.key_id for k in client.keyring.active(date(2026, 6, 30))] == ["k2", "k1"]
    client.close()
    with pytest.raises(ValidationError) as missing:
        with_consortium(policies, Settings(data_dir=tmp_path, consortium_url="http://127.0.0.1:9"))
    assert missing.value.field == "consortium_member_key"
    ring.write_text('{"current": {"key_id": "k2", "secret_hex": "abcd"}}')  # 2 bytes: too short a secret
    with pytest.raises(ValidationError) as short:
        with_consortium(policies, on)
    assert short.value.field == "consortium_key_file" and "abcd" not in short.value.message


def test_a_simulation_never_asks_the_real_consortium(tmp_path: Path) -> None:
    from creditloop.bootstrap import build
    from creditloop.config import Settings

    ring = tmp_path / "ring.json"
    ring.write_text(json.dumps({"current": {"key_id": "k1", "secret_hex": "ab" * 32}}))
    settings = Settings(data_dir=tmp_path, consortium_url="http://127.0.0.1:9", consortium_member_key="ckm_x",
                        consortium_key_file=ring)  # fmt: skip
    operating = build(settings).bus.policies.underwriting.consortium
    assert isinstance(operating, ConsortiumClient)
    operating.close()
    assert build(settings, fresh=True).bus.policies.underwriting is None
