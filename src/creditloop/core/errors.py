"""One error hierarchy. Every domain error carries a stable machine code."""

from __future__ import annotations


class CreditloopError(Exception):
    """Base of every error creditloop raises on purpose."""

    code = "creditloop_error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class DomainError(CreditloopError):
    """A business rule refused the request (bad amount, frozen line, unknown account...)."""

    code = "domain_error"


class ValidationError(DomainError):
    """Input broke a rule; ``field`` names the offending field."""

    code = "invalid_input"


class NotFound(DomainError):
    code = "not_found"


class IdempotencyConflict(CreditloopError):
    """A client-generated id was reused with a different payload."""

    code = "idempotency_conflict"


class InvariantViolation(CreditloopError):
    """Something that must never happen did (an unbalanced entry, a negative balance...)."""

    code = "invariant_violation"


def require(condition: bool, message: str) -> None:
    """Check an invariant. Unlike ``assert`` it stays on under ``python -O``."""
    if not condition:
        raise InvariantViolation(message)
