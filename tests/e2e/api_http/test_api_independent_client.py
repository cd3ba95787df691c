"""An independent client against a real server (issue 18): ``creditloop serve --seed-demo`` under uvicorn, reached
over a socket with httpx, as an outside tester would. Unauthenticated and cross-customer requests, malformed bodies,
huge payloads (declared and streamed) and replays get a 4xx problem document: never a 5xx, never data."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")

from .test_api_serve import _free_port  # noqa: E402

PROBLEM = "application/problem+json"
DATA_MARKERS = ("principal_minor", "open_to_buy", "customer_id", "C-DEMO-", "installments", "schedule")
HARDSHIP = {"line_id": "L-DEMO-3", "category": "illness", "monthly_income_minor": 1, "monthly_expenses_minor": 1}
# operation id -> (method, path, body) with the demo book's ids; every operation of the published document is here
CALLS: dict[str, tuple[str, str, Any]] = {
    "whoami": ("GET", "/me", None),
    "open_line": ("POST", "/lines", {"line_id": "L-X", "customer_id": "C-X", "limit_minor": 100}),
    "get_line": ("GET", "/lines/L-DEMO-2", None),
    "get_statement": ("GET", "/lines/L-DEMO-2/statement", None),
    "purchase": ("POST", "/lines/L-DEMO-2/purchases", {"amount_minor": 100}),
    "repay": ("POST", "/lines/L-DEMO-2/payments", {"amount_minor": 100}),
    "refund": ("POST", "/lines/L-DEMO-2/refunds", {"purchase_id": "demo-p2", "amount_minor": 100}),
    "authorise": ("POST", "/lines/L-DEMO-2/holds", {"amount_minor": 100, "expires_on": "2099-01-01"}),
    "capture": ("POST", "/lines/L-DEMO-2/holds/h-1/captures", {"amount_minor": 100}),
    "void": ("POST", "/lines/L-DEMO-2/holds/h-1/void", {}),
    "reverse_payment": ("POST", "/lines/L-DEMO-2/payments/demo-pay0/reversal", {}),
    "submit_hardship_request": ("POST", "/hardship/requests", HARDSHIP),
    "hardship_options": ("POST", "/hardship/requests/r-1/options", {}),
    "list_alerts": ("GET", "/alerts", None),
    "collections_queue": ("GET", "/collections/queue", None),
    "credit_report": ("GET", "/customers/C-DEMO-2/credit-report", None),
    "risk_capital": ("POST", "/risk/capital", {"class": "qrre", "pd": "0.02", "lgd": "0.8"}),
    "risk_stress": ("POST", "/risk/stress", {"pd": "0.02", "rho": "0.04", "z": "-3"}),
}


class Server:
    def __init__(self, base: str, keys: dict[str, str], proc: subprocess.Popen[str], data: Path) -> None:
        self.base, self.keys, self.proc, self.data = base, keys, proc, data
        self.http = httpx.Client(base_url=base, timeout=30)

    def key(self, role: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}", **extra}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("CREDITLOOP_DATABASE_URL", None)
    data = tmp_path_factory.mktemp("independent") / "d"
    args = [sys.executable, "-m", "creditloop", "serve", "--port", str(port), "--data-dir", str(data), "--seed-demo",
            "--json"]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:  # whatever fails from here on, the server process is stopped
        made = _ready(proc, port, data)
        yield made
        made.http.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _ready(proc: subprocess.Popen[str], port: int, data: Path) -> Server:
    """The keys the server printed (one indented JSON document, before it starts), once it answers /health."""
    assert proc.stdout is not None
    printed = ""
    for line in proc.stdout:
        printed += line
        if line.startswith("}"):
            break
    made = Server(f"http://127.0.0.1:{port}/api/v1", json.loads(printed)["keys"], proc, data)
    deadline = time.monotonic() + 60
    while True:
        try:
            if made.http.get("/health").status_code == 200:
                return made
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline and proc.poll() is None, "the server did not become ready"
        time.sleep(0.2)


def _refused(res: Any, *statuses: int) -> dict[str, Any]:
    """A 4xx problem document (of one of ``statuses`` if given) that carries none of the book's data."""
    assert 400 <= res.status_code < 500, (res.request.url, res.status_code, res.text)
    if statuses:
        assert res.status_code in statuses, (res.request.url, res.status_code, res.text)
    assert res.headers["content-type"] == PROBLEM, res.text
    assert not any(marker in res.text for marker in DATA_MARKERS), res.text
    doc: dict[str, Any] = res.json()
    assert set(doc) <= {"type", "title", "status", "detail", "code", "field"} and doc["status"] == res.status_code
    return doc


def test_every_operation_without_a_key_or_with_a_bad_one_is_401(server: Server) -> None:
    """Every published operation (read from the OpenAPI document, so a new route is covered the day it is added),
    with placeholder path ids and an empty body: 401 with a problem document whatever the key is missing or bad."""
    paths = server.http.get("/openapi.json").json()["paths"]
    published = {op["operationId"]: (method.upper(), re.sub(r"\{[^}]+\}", "X-1", path))
                 for path, ops in paths.items() for method, op in ops.items()}  # fmt: skip
    assert set(CALLS) <= set(published) and "health" in published
    forged = {"Authorization": "Bearer clk_000000000000_" + "A" * 43}
    bad_keys = [{}, forged, {"X-API-Key": "not-a-key"}, {"Authorization": "Basic YWRtaW46YWRtaW4="}]
    for op, (method, path) in published.items():
        if op == "health":
            continue
        method, path, body = CALLS.get(op, (method, path.removeprefix("/api/v1"), {} if method != "GET" else None))
        for headers in bad_keys:
            res = server.http.request(method, path, json=body, headers={**headers, "If-Match": "*"})
            assert _refused(res, 401)["code"] == "unauthorised" and "WWW-Authenticate" in res.headers, (op, path)


def test_a_customer_reaches_no_other_customers_data(server: Server) -> None:
    """The customer key (C-DEMO-1) on another customer's ids: 404 or 403, and nothing of theirs in the answer."""
    for op, (method, path, body) in CALLS.items():
        if op in ("whoami", "risk_capital", "risk_stress"):
            continue
        res = server.http.request(method, path, json=body, headers=server.key("customer", **{"If-Match": "*"}))
        _refused(res, 403, 404)


def test_malformed_bodies_are_problems(server: Server) -> None:
    url, headers = "/lines/L-DEMO-6/payments", server.key("checkout", **{"If-Match": "*"})
    json_type = {**headers, "Content-Type": "application/json"}
    for content, extra in [
        (b'{"amount_minor": 10', json_type),  # truncated JSON
        (b"\xff\xfe{}", json_type),  # not UTF-8
        (b"", json_type),  # empty
        (b"amount_minor=100", {**headers, "Content-Type": "application/x-www-form-urlencoded"}),
        (b'{"amount_minor": 100}', {**headers, "Content-Type": "text/plain"}),
        (b'{"amount_minor": 1.5}', json_type),  # a float amount is refused, not rounded
        (b'{"amount_minor": "100"}', json_type),
        (b'{"amount_minor": 100, "amount_minor": -5}', json_type),  # duplicate key: the last one (negative) counts
        (b'{"amount_minor": 100, "admin": true}', json_type),  # unknown field
        (b"[" * 10_000 + b"]" * 10_000, json_type),  # deeply nested
        (b'{"amount_minor": 1e400}', json_type),
    ]:
        _refused(server.http.post(url, content=content, headers=extra), 400, 415, 422)


def test_huge_payloads_are_413_declared_or_streamed(server: Server) -> None:
    headers = server.key("analyst", **{"Content-Type": "application/json"})
    declared = server.http.post("/risk/stress", content=b" " * 70_000 + b"{}", headers=headers)
    assert _refused(declared, 413)["code"] == "payload_too_large"

    def chunks() -> Iterator[bytes]:
        yield b'{"pd": "0.02", "rho": "0.04", "z": "-3", "pad": "'
        for _ in range(200):
            yield b"x" * 1024
        yield b'"}'

    streamed = server.http.post("/risk/stress", content=chunks(), headers=headers)  # chunked: no Content-Length
    assert _refused(streamed, 413)["code"] == "payload_too_large"
    assert server.http.get("/me", headers=server.key("analyst")).status_code == 200  # the server is still fine


def test_replays_post_once_and_a_changed_replay_is_409(server: Server) -> None:
    url = "/lines/L-DEMO-6/payments"
    headers = server.key("checkout", **{"If-Match": "*", "Idempotency-Key": "indep-replay-1"})
    before = server.http.get("/lines/L-DEMO-6", headers=server.key("admin")).json()
    first = server.http.post(url, json={"amount_minor": 321}, headers=headers)
    replays = [server.http.post(url, json={"amount_minor": 321}, headers=headers) for _ in range(3)]
    assert first.status_code == 201 and all(r.status_code == 201 and r.json() == first.json() for r in replays)
    after = server.http.get("/lines/L-DEMO-6", headers=server.key("admin")).json()
    assert len(after["events"]) == len(before["events"]) + 1  # posted once
    changed = server.http.post(url, json={"amount_minor": 999}, headers=headers)
    assert _refused(changed, 409)["code"] == "idempotency_conflict"
    stale = server.http.post(url, json={"amount_minor": 5}, headers={**headers, "Idempotency-Key": "indep-2",
                                                                     "If-Match": '"' + "0" * 32 + '"'})  # fmt: skip
    assert _refused(stale, 412)["code"] == "precondition_failed"
    # the same request replayed with a key of another customer: their line does not exist for it
    foreign = server.http.post(url, json={"amount_minor": 321}, headers=server.key("customer", **{
        "If-Match": "*", "Idempotency-Key": "indep-replay-1"}))  # fmt: skip
    _refused(foreign, 404)


def test_after_all_that_the_server_is_up_and_its_ledger_verifies(server: Server) -> None:
    """Last: the server is alive and its ledger still verifies (nothing half-written by the refusals)."""
    from creditloop.app.views import verify_journal
    from creditloop.bootstrap import build
    from creditloop.config import Settings

    assert server.http.get("/health").status_code == 200 and server.proc.poll() is None
    assert verify_journal(build(Settings(data_dir=server.data, database_url=None)).bus.uow).ok
