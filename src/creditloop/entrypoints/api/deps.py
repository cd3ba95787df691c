"""Dependencies every route shares: the backend, the caller (authenticated, rate-limited, authorised)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from creditloop.app.views import line_summary
from creditloop.core.errors import NotFound
from creditloop.entrypoints.api.authz import allowed
from creditloop.entrypoints.api.backend import Backend
from creditloop.entrypoints.api.keys import Principal, verify
from creditloop.entrypoints.api.problems import Problem

_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <API key>")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="or the key in X-API-Key")
_UNAUTHORISED = {"WWW-Authenticate": 'Bearer realm="creditloop"'}


def backend(request: Request) -> Backend:
    be: Backend = request.app.state.backend
    return be


def caller(
    request: Request,
    be: Annotated[Backend, Depends(backend)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    key: Annotated[str | None, Depends(_header)],
) -> Principal:
    """401 without a valid key, 429 past the key's rate, 403 when the matrix does not give its role the route."""
    presented = bearer.credentials if bearer is not None else key
    who = None if presented is None else verify(be.keys, presented)
    if who is None:
        raise Problem(401, "unauthorised", "a valid API key is required (Authorization: Bearer <key>)",
                      headers=_UNAUTHORISED)  # fmt: skip
    wait = request.app.state.buckets.take(who.key_id)
    if wait is not None:
        raise Problem(429, "rate_limited", f"too many requests with this key; retry in {wait} s",
                      headers={"Retry-After": str(wait)})  # fmt: skip
    operation = getattr(request.scope.get("route"), "operation_id", None)
    if not allowed(operation, who.role):
        raise Problem(403, "forbidden", f"the role {who.role!r} may not call {operation}")
    return who


Caller = Annotated[Principal, Depends(caller)]
Be = Annotated[Backend, Depends(backend)]


_HIDDEN = "no such resource"


def own_customer(who: Principal, customer_id: str) -> None:
    """A customer key reaches only its own customer's data; anything else looks like it does not exist."""
    if who.role == "customer" and who.customer_id != customer_id:
        raise Problem(404, "not_found", _HIDDEN)


def owned_line(be: Backend, who: Principal, line_id: str) -> Any:
    """The line's view, if the caller may see it. To a customer key, another customer's line and a line that does
    not exist are the same 404, word for word (no existence oracle)."""
    with hidden_from_customer(who):
        view = be.read(line_summary, line_id)
    own_view(who, view)
    return view


@contextmanager
def hidden_from_customer(who: Principal) -> Iterator[None]:
    """To a customer key, a line that does not exist is the same 404 as another customer's line."""
    try:
        yield
    except NotFound:
        if who.role == "customer":
            raise Problem(404, "not_found", _HIDDEN) from None
        raise


def own_view(who: Principal, view: Any) -> None:
    """``owned_line`` for a line already read (inside a transaction the caller holds)."""
    own_customer(who, view.customer_id)


def business_day(be: Backend, on: date | None) -> date:
    """``on`` as given (never in the future: it would close days that have not happened) or today."""
    today = be.today()
    if on is None:
        return today
    if on > today:
        raise Problem(422, "invalid_input", f"on: {on} is in the future (today is {today})", field="on")
    return on
