"""The body limit for bodies sent without ``Content-Length`` (``Transfer-Encoding: chunked``): counted as read.

``middleware.guard`` refuses a declared ``Content-Length`` past the limit before anything is read. A chunked body
declares nothing, so this ASGI middleware counts the bytes as the application reads them; past the limit it stops
passing them on, drops whatever the application answers (FastAPI turns the cut-off read into a 400) and sends the
413 problem instead. Nothing has been done by then: the body is read before any route runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from creditloop.entrypoints.api.problems import problem


class _TooLarge(Exception):
    pass


class StreamedBodyLimit:
    def __init__(self, app: ASGIApp, max_body_bytes: int, larger: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.limit = max_body_bytes
        self.larger = dict(larger or {})  # path -> its own limit (a batch route)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = {"read": 0, "over": False, "started": False}
        limit = self.larger.get(scope["path"], self.limit)

        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["read"] += len(message.get("body", b""))
                if state["read"] > limit:
                    state["over"] = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            if state["over"]:
                return  # the application's answer to a body it could not read; the 413 goes instead
            state["started"] = True
            await send(message)

        try:
            await self.app(scope, counted, guarded_send)
        except _TooLarge:
            state["over"] = True
        if state["over"] and not state["started"]:
            detail = f"the body is larger than {limit} bytes; at most {limit} are accepted"
            await problem(413, "payload_too_large", detail)(scope, receive, send)
