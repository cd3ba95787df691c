"""Every error as an RFC 9457 problem document (``application/problem+json``), mapped in this one place.

``code`` is the domain's stable machine code (``core/errors.py``) and ``field`` the field it names, if any. An
unexpected exception becomes a 500 with a reference to the server log, never a traceback.
"""

from __future__ import annotations

import logging
import uuid
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from creditloop.adapters.sqlalchemy.transient import is_busy
from creditloop.core.errors import (
    CreditloopError,
    DomainError,
    IdempotencyConflict,
    InvariantViolation,
    NotFound,
    ValidationError,
)

logger = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"

# Most specific first. A business rule refusing the request against the line's state is a conflict (409).
STATUS_OF: tuple[tuple[type[CreditloopError], int], ...] = (
    (IdempotencyConflict, 409),
    (NotFound, 404),
    (ValidationError, 422),
    (DomainError, 409),
)
CODE_OF_STATUS = {
    400: "bad_request", 401: "unauthorised", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    406: "not_acceptable", 409: "conflict", 412: "precondition_failed", 413: "payload_too_large",
    415: "unsupported_media_type", 422: "invalid_input", 428: "precondition_required", 429: "rate_limited",
    500: "internal_error", 503: "busy",
}  # fmt: skip


class ProblemDocument(BaseModel):
    """What every error response holds (RFC 9457 plus ``code`` and ``field``)."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    field: str | None = None


_DOC: dict[str, Any] = {"content": {MEDIA_TYPE: {"schema": ProblemDocument.model_json_schema()}}}
# Listed on every route in the OpenAPI document (422 replaces FastAPI's own validation schema).
RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {**_DOC, "description": "No valid API key"}, 403: {**_DOC, "description": "The role may not call this"},
    404: {**_DOC, "description": "Not found (or another customer's)"}, 422: {**_DOC, "description": "Invalid input"},
    429: {**_DOC, "description": "Rate limited (Retry-After)"}, "4XX": {**_DOC, "description": "Refused"},
    "5XX": {**_DOC, "description": "Unexpected error (no details)"},
}  # fmt: skip


class Problem(Exception):
    """Raised by routes and dependencies for a refusal that is not a domain error (auth, preconditions...)."""

    def __init__(
        self, status: int, code: str, detail: str, *, field: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.field, self.headers = status, code, detail, field, headers


def problem(
    status: int, code: str, detail: str, *, field: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:creditloop:problem:{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if field is not None:
        body["field"] = field
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def internal_error(request: Request, exc: BaseException) -> JSONResponse:
    """500 with a reference to the server log; 503 ``busy`` (retry) for a transaction that kept losing races or
    found no free connection in the pool."""
    if is_busy(exc):
        logger.warning("%s on %s: busy (lost races after retries, or no free connection)", type(exc).__name__,
                       request.method)  # fmt: skip
        return problem(503, "busy", "the resource is busy with concurrent changes; retry", headers={"Retry-After": "1"})
    reference = uuid.uuid4().hex[:12]
    route = getattr(request.scope.get("route"), "path", "?")  # the template: no ids (personal data) in the log
    logger.error("unhandled %s on %s %s [ref %s]", type(exc).__name__, request.method, route, reference, exc_info=exc)
    return problem(500, "internal_error", f"an unexpected error occurred (reference {reference})")


def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CreditloopError)
    if isinstance(exc, InvariantViolation) or not isinstance(exc, DomainError | IdempotencyConflict):
        return internal_error(request, exc)
    status = next(s for kind, s in STATUS_OF if isinstance(exc, kind))
    return problem(status, exc.code, exc.message, field=exc.field)


def _problem(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem(exc.status, exc.code, exc.detail, field=exc.field, headers=exc.headers)


def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return validation_problem(exc)


def validation_problem(exc: RequestValidationError) -> JSONResponse:
    """422 naming the first failing field (a body that is not JSON at all names ``body``)."""
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    if first.get("type") == "json_invalid":  # its loc is ("body", <character position>), not a field
        position = next((part for part in first.get("loc", ()) if isinstance(part, int)), None)
        where = f" at character {position}" if position is not None else ""
        return problem(422, "invalid_input", f"the body is not valid JSON{where}", field="body")
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path", "header")]
    field = ".".join(loc) or None
    detail = f"{field}: {first.get('msg')}" if field else str(first.get("msg"))
    return problem(422, "invalid_input", detail, field=field)


def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    code = CODE_OF_STATUS.get(status, "http_error")
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(status).phrase
    return problem(status, code, detail, headers=getattr(exc, "headers", None))


def install(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(CreditloopError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, internal_error)
