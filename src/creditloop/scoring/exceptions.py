"""Typed warnings of the scoring toolkit. Errors use :class:`creditloop.core.errors.ValidationError`."""

from __future__ import annotations

from creditloop.core.errors import ValidationError

__all__ = [
    "BadValueWarning",
    "DegenerateColumnWarning",
    "IdentifierWarning",
    "ProtectedAttributeWarning",
    "ScoringWarning",
    "UnseenCategoryWarning",
    "ValidationError",
]


class ScoringWarning(UserWarning):
    """Base of every warning the scoring toolkit issues."""


class DegenerateColumnWarning(ScoringWarning):
    """A column is constant or all missing at fit time and was left out of the model."""


class UnseenCategoryWarning(ScoringWarning):
    """A category not seen at fit time was scored as missing."""


class BadValueWarning(ScoringWarning):
    """A value that is not a number appeared in a numeric column; the row was scored as missing."""


class ProtectedAttributeWarning(ScoringWarning):
    """A column looks like a protected attribute (sex, age, marital status...) and was excluded."""


class IdentifierWarning(ScoringWarning):
    """A column looks like an identifier or personal data (ID number, name, phone...) and was excluded."""
