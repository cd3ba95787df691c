"""``GET /dashboard`` (the page) and ``GET /dashboard/static/{name}`` (its scripts and style), public and outside
the OpenAPI document: they hold no data; every datum comes from ``/api/v1`` with the user's key."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import Response

from creditloop.entrypoints.api.problems import problem

router = APIRouter(include_in_schema=False)
_STATIC = files(__package__).joinpath("static")
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".html": "text/html; charset=utf-8"}  # fmt: skip
ASSETS = frozenset({"app.js", "api.js", "charts.js", "i18n.js", "pages.js", "views.js", "work.js", "dashboard.css"})
# Scripts and styles from this server only (no inline code, no CDN); data only from the API on the same origin.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def _file(name: str) -> Response:
    body = _STATIC.joinpath(name).read_bytes()
    media = TYPES[name[name.rindex(".") :]]
    return Response(body, media_type=media, headers={"Content-Security-Policy": CSP})


@router.get("/dashboard")
def page() -> Response:
    return _file("index.html")


@router.get("/dashboard/static/{name}")
def asset(name: str) -> Response:
    if name not in ASSETS:  # a fixed list: no path is ever joined from the request
        return problem(404, "not_found", "no such resource")
    return _file(name)
