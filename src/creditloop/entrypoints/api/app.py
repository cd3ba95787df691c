"""``create_app(settings)``: the FastAPI application over the same bootstrap as the CLI, under ``/api/v1``."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from creditloop import __version__
from creditloop.config import Settings
from creditloop.core.clock import Clock
from creditloop.entrypoints.api import (
    middleware,
    problems,
    routes_care,
    routes_checkout,
    routes_customers,
    routes_dashboard,
    routes_disputes,
    routes_holds,
    routes_lines,
    routes_meta,
    routes_origination,
    routes_portfolio,
    routes_risk,
    routes_simulations,
    routes_workout,
)
from creditloop.entrypoints.api.backend import Backend
from creditloop.entrypoints.api.bodylimit import StreamedBodyLimit
from creditloop.entrypoints.api.ratelimit import TokenBuckets
from creditloop.entrypoints.api.settings import ApiSettings
from creditloop.entrypoints.web import pages

PREFIX = "/api/v1"


def create_app(
    settings: Settings | None = None, api: ApiSettings | None = None, *, clock: Clock | None = None,
    backend: Backend | None = None,
) -> FastAPI:  # fmt: skip
    """SQLite in the data directory by default, PostgreSQL with ``CREDITLOOP_DATABASE_URL``; ``clock`` for tests."""
    api = api or ApiSettings()
    app = FastAPI(
        title="creditloop API", version=__version__, openapi_url=f"{PREFIX}/openapi.json", docs_url=None,
        redoc_url=None,  # the interactive pages load scripts from a CDN: the service stays offline
        description="Credit lines, early warning, hardship, collections, credit reports and risk calculators. "
        "Errors are application/problem+json (RFC 9457) with the domain's stable `code`. See docs/api.md.",
    )  # fmt: skip
    app.state.backend = backend or Backend(settings or Settings(), clock)
    app.state.buckets = TokenBuckets(api.rate_per_second, api.rate_burst)
    app.state.portfolio_dir = api.portfolio_dir
    for module in (
        routes_meta,
        routes_lines,
        routes_holds,
        routes_care,
        routes_checkout,
        routes_risk,
        routes_dashboard,
        routes_portfolio,
    ):
        app.include_router(module.router, prefix=PREFIX, responses=problems.RESPONSES)
    # Issue 18's remaining endpoints (applications, disclosures, hardship, contacts, disputes, jobs, PII).
    for more in (routes_origination, routes_workout, routes_disputes, routes_simulations, routes_customers):
        app.include_router(more.router, prefix=PREFIX, responses=problems.RESPONSES)
    app.include_router(pages.router)  # the dashboard's page and scripts (public, outside the OpenAPI document)
    problems.install(app)
    if api.cors_origins:  # off by default: no Access-Control-* header is ever sent
        app.add_middleware(CORSMiddleware, allow_origins=api.cors_origins, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "X-API-Key", "Content-Type", "Idempotency-Key", "If-Match"],
                           expose_headers=["ETag", "Idempotency-Key", "Retry-After"])  # fmt: skip
    app.add_middleware(StreamedBodyLimit, max_body_bytes=api.max_body_bytes)  # inside the guard: it adds headers
    middleware.install(app, api.max_body_bytes)
    return app
