"""``create_app(settings)``: the consortium service under ``/consortium/v1``, errors as problem documents.

The problem format, the security headers, the body limit and the last-resort 500 are the REST API's
(``entrypoints/api``); the status of each refusal is mapped here: a missing consent is 403 ``consent_refused``,
bad input 422 naming the field, an audit that cannot be written 503 (no answer leaves unaudited)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from creditloop import __version__
from creditloop.core.clock import Clock
from creditloop.core.errors import CreditloopError
from creditloop.entrypoints.api.bodylimit import StreamedBodyLimit
from creditloop.entrypoints.api.problems import CODE_OF_STATUS, Problem, internal_error, problem, validation_problem
from creditloop.entrypoints.consortium import batch, consent_batch, routes
from creditloop.entrypoints.consortium.asgi import Guard, QueryFastPath
from creditloop.entrypoints.consortium.errors import STORE_DOWN, refusal
from creditloop.entrypoints.consortium.service import ConsortiumService
from creditloop.entrypoints.consortium.settings import ConsortiumSettings

PREFIX = "/consortium/v1"


def create_app(
    settings: ConsortiumSettings | None = None, *, clock: Clock | None = None, service: ConsortiumService | None = None
) -> FastAPI:
    settings = settings or ConsortiumSettings()
    app = FastAPI(
        title="creditloop consortium", version=__version__, openapi_url=f"{PREFIX}/openapi.json", docs_url=None,
        redoc_url=None,
        description="Multi-lending signals between member lenders, keyed by pseudonyms (HMAC of the resident ID "
        "under a key the members hold). Answers are counts and bands, nothing below the member threshold; every "
        "query is audited. Errors are application/problem+json (RFC 9457). See docs/consortium.md.",
    )  # fmt: skip
    app.state.service = service or ConsortiumService(settings, clock)
    app.include_router(routes.router, prefix=PREFIX)
    app.include_router(batch.router, prefix=PREFIX)
    app.include_router(consent_batch.router, prefix=PREFIX)
    install_problems(app)
    app.add_middleware(QueryFastPath, path=f"{PREFIX}/queries")
    # A body sent without Content-Length (chunked) is counted as it is read: the Guard sees no length to refuse.
    # The consent batches, up to 1,000 items, have a limit of their own.
    larger = dict.fromkeys((f"{PREFIX}/consents/batch", f"{PREFIX}/consents/revoke/batch"),
                           max(settings.max_body_bytes, consent_batch.BODY_BYTES))  # fmt: skip
    app.add_middleware(StreamedBodyLimit, max_body_bytes=settings.max_body_bytes, larger=larger)
    app.add_middleware(Guard, max_body_bytes=settings.max_body_bytes, larger=larger)  # outermost: wraps the fast path
    return app


def _refused(request: Request, exc: Exception) -> JSONResponse:
    found = refusal(exc)
    if found is None:
        return internal_error(request, exc)
    if found is STORE_DOWN:
        internal_error(request, exc)  # logged with a reference (no personal data), answered as 503
    return problem(found.status, found.code, found.detail, field=found.field, headers=found.headers)


def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return validation_problem(exc)


def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = CODE_OF_STATUS.get(exc.status_code, "http_error")
    detail = exc.detail if isinstance(exc.detail, str) else code
    return problem(exc.status_code, code, detail, headers=getattr(exc, "headers", None))


def install_problems(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _refused)
    app.add_exception_handler(CreditloopError, _refused)
    app.add_exception_handler(SQLAlchemyError, _refused)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
