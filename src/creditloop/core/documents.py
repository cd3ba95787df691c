"""Strict readers for versioned policy documents (JSON decoded to dicts).

Every failure raises ``ValidationError`` naming the field, so a bad document is refused at load time
rather than producing a silently wrong decision. Decimals must be written as strings (or integers):
a JSON float like ``1.1`` is not exact, and policies must mean exactly what they say.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from creditloop.core.errors import ValidationError


def check_keys(doc: Mapping[str, Any], allowed: frozenset[str]) -> None:
    """Refuse unknown keys: a typo in a threshold name must not fall back to nothing."""
    if not isinstance(doc, Mapping):
        raise ValidationError("policy document must be a JSON object", field="<document>")
    for key in doc:
        if key not in allowed:
            raise ValidationError(f"unknown field {key!r}", field=str(key))


def get_str(doc: Mapping[str, Any], name: str) -> str:
    value = _get(doc, name)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{name} must be a non-empty string", field=name)
    return value


def get_int(doc: Mapping[str, Any], name: str, *, lo: int | None = None, hi: int | None = None) -> int:
    value = _get(doc, name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{name} must be an integer, got {value!r}", field=name)
    if lo is not None and value < lo:
        raise ValidationError(f"{name} must be >= {lo}, got {value}", field=name)
    if hi is not None and value > hi:
        raise ValidationError(f"{name} must be <= {hi}, got {value}", field=name)
    return value


def get_decimal(doc: Mapping[str, Any], name: str, *, lo: Decimal | None = None, hi: Decimal | None = None) -> Decimal:
    value = _get(doc, name)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValidationError(f'{name} must be a decimal string such as "1.5", got {value!r}', field=name)
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise ValidationError(f"{name} is not a decimal number: {value!r}", field=name) from None
    if not result.is_finite():
        raise ValidationError(f"{name} must be finite", field=name)
    if lo is not None and result < lo:
        raise ValidationError(f"{name} must be >= {lo}, got {result}", field=name)
    if hi is not None and result > hi:
        raise ValidationError(f"{name} must be <= {hi}, got {result}", field=name)
    return result


def _get(doc: Mapping[str, Any], name: str) -> Any:
    if name not in doc:
        raise ValidationError(f"missing field {name}", field=name)
    return doc[name]


def get_bool(doc: Mapping[str, Any], name: str) -> bool:
    value = _get(doc, name)
    if not isinstance(value, bool):
        raise ValidationError(f"{name} must be true or false, got {value!r}", field=name)
    return value


def get_int_tuple(doc: Mapping[str, Any], name: str, *, lo: int | None = None) -> tuple[int, ...]:
    """A non-empty list of distinct integers, returned sorted ascending."""
    value = _get(doc, name)
    if not isinstance(value, list) or not value:
        raise ValidationError(f"{name} must be a non-empty list of integers", field=name)
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int):
            raise ValidationError(f"{name} must contain integers only, got {item!r}", field=name)
        if lo is not None and item < lo:
            raise ValidationError(f"{name} items must be >= {lo}, got {item}", field=name)
    if len(set(value)) != len(value):
        raise ValidationError(f"{name} must not repeat values", field=name)
    return tuple(sorted(value))
