"""The consortium service's one middleware, in plain ASGI: the body size limit, the REST API's security headers on
every response (500s included) and the last-resort 500 as a problem document, never a traceback.

Plain ASGI rather than ``@app.middleware("http")``: Starlette's ``BaseHTTPMiddleware`` costs a task and a stream per
request, a third of this service's CPU per query at 500 queries/s (bench/bench_consortium.py)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from creditloop.entrypoints.api.middleware import SECURITY_HEADERS
from creditloop.entrypoints.api.problems import MEDIA_TYPE
from creditloop.entrypoints.consortium.errors import STORE_DOWN, refusal
from creditloop.entrypoints.consortium.routes import authenticate, parse_query

logger = logging.getLogger(__name__)
_HEADERS = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
# Every 200 answer is padded with JSON whitespace to this many bytes (a multiple of it, should an answer ever be
# longer), so an observer of the encrypted traffic cannot tell an answer from the insufficient one by its size.
ANSWER_BYTES = 192


def padded(body: bytes, size: int = ANSWER_BYTES) -> bytes:
    return body + b" " * (-len(body) % size)


def problem_bytes(status: int, code: str, title: str, detail: str, field: str | None = None) -> bytes:
    doc: dict[str, Any] = {"type": f"urn:creditloop:problem:{code}", "title": title, "status": status,
                           "detail": detail, "code": code}  # fmt: skip
    if field is not None:
        doc["field"] = field
    return orjson.dumps(doc)


async def reply(send: Send, status: int, body: bytes, media: str, extra: dict[str, str] | None = None) -> None:
    headers: list[Any] = [(b"content-type", media.encode()), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ConnectionError("client disconnected")
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


class QueryFastPath:
    """``POST /consortium/v1/queries`` answered here, past FastAPI's routing and dependency injection (a third of
    a query's CPU): the same ``authenticate``, ``parse_query`` and ``ConsortiumService.ask`` as the documented
    route, and the same refusals (``errors.refusal``). Everything else goes on to the application."""

    def __init__(self, app: ASGIApp, path: str) -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        svc = scope["app"].state.service
        authorization = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"authorization"), None)
        try:
            who = await authenticate(svc, authorization)
            purpose, pseudonyms = parse_query(await read_body(receive))
            answer = await svc.ask(who, purpose, pseudonyms)
        except Exception as exc:
            found = refusal(exc)
            if found is None:
                raise
            if found is STORE_DOWN:
                logger.error("store unavailable on a query (%s)", type(exc).__name__, exc_info=exc)
            body = problem_bytes(found.status, found.code, HTTPStatus(found.status).phrase, found.detail, found.field)
            await reply(send, found.status, body, MEDIA_TYPE, found.headers)
            return
        await reply(send, 200, padded(answer.to_json()), "application/json")


class Guard:
    def __init__(self, app: ASGIApp, max_body_bytes: int, larger: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.larger = dict(larger or {})  # path -> its own limit (the consent batches)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in _HEADERS if h[0] not in present)]
            await send(message)

        limit = self.larger.get(scope["path"], self.max_body_bytes)
        length = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if length is not None and (not length.isdigit() or int(length) > limit):
            too_large = length.isdigit()
            status, code = (413, "payload_too_large") if too_large else (400, "bad_request")
            detail = f"at most {limit} bytes are accepted" if too_large else "bad Content-Length"
            await reply(
                with_headers, status, problem_bytes(status, code, HTTPStatus(status).phrase, detail), MEDIA_TYPE
            )
            return
        try:
            await self.app(scope, receive, with_headers)
        except Exception as exc:  # what escaped every handler: logged with a reference, answered as a problem
            reference = uuid.uuid4().hex[:12]
            route = getattr(scope.get("route"), "path", "?")
            logger.error("unhandled %s on %s [ref %s]", type(exc).__name__, route, reference, exc_info=exc)
            if not started:
                detail = f"an unexpected error occurred (reference {reference})"
                body = problem_bytes(500, "internal_error", "Internal Server Error", detail)
                await reply(with_headers, 500, body, MEDIA_TYPE)
