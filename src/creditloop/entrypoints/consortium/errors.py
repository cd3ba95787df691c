"""Which status and code each refusal gets, in one place (the FastAPI handlers and the query fast path use it).

A missing consent is 403 ``consent_refused``; bad input 422 naming the field; another domain refusal 409; a store
that cannot be written 503 (nothing answered, nothing stored); anything else None (the caller's 500)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from creditloop.consortium.signals import ConsentRefused
from creditloop.core.errors import DomainError, ValidationError
from creditloop.entrypoints.api.problems import Problem


@dataclass(frozen=True, slots=True)
class Refusal:
    status: int
    code: str
    detail: str
    field: str | None = None
    headers: dict[str, str] | None = None


STORE_DOWN = Refusal(503, "store_unavailable", "the consortium store is unavailable; nothing was answered or stored",
                     headers={"Retry-After": "1"})  # fmt: skip


def refusal(exc: BaseException) -> Refusal | None:
    if isinstance(exc, Problem):
        return Refusal(exc.status, exc.code, exc.detail, exc.field, exc.headers)
    if isinstance(exc, ConsentRefused):
        return Refusal(403, exc.code, exc.message, exc.field)
    if isinstance(exc, ValidationError):
        return Refusal(422, exc.code, exc.message, exc.field)
    if isinstance(exc, DomainError):
        return Refusal(409, exc.code, exc.message, exc.field)
    if isinstance(exc, SQLAlchemyError):
        return STORE_DOWN
    return None
