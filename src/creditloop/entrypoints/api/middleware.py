"""One middleware around every request: body size limit, the last-resort 500, security headers, a log line.

The catch-all lives here (not only in an exception handler) so a 500 also carries the security headers: Starlette
answers handler-level 500s from its outermost middleware, past every other one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from creditloop.entrypoints.api.problems import internal_error, problem

logger = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def install(app: FastAPI, max_body_bytes: int) -> None:
    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = _too_large(request, max_body_bytes)
        if response is None:
            try:
                response = await call_next(request)
            except Exception as exc:  # anything a route or dependency let escape: a problem, no traceback
                response = internal_error(request, exc)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        route = getattr(request.scope.get("route"), "path", "-")  # the template, never the ids in the path
        elapsed = 1000 * (time.perf_counter() - started)
        logger.info("%s %s -> %d (%.1f ms)", request.method, route, response.status_code, elapsed)
        return response


def _too_large(request: Request, limit: int) -> Response | None:
    length = request.headers.get("content-length")
    if length is None:
        return None
    if not length.isdigit():
        return problem(400, "bad_request", "Content-Length must be a whole number of bytes")
    if int(length) > limit:
        return problem(413, "payload_too_large", f"the body is {length} bytes; at most {limit} are accepted")
    return None
