"""The one loader of versioned policy documents (JSON), and the strict readers it is built on.

Each policy context declares its document as a :class:`Schema` (field specs, plus a ``build`` step for rules
that tie fields together) and loads it with :func:`load_document` (a file), :func:`packaged_document` (a file
shipped in a package) or :func:`read_document` (an already decoded dict). Every failure raises
``ValidationError`` naming the field, and the file when there is one, so a bad document is refused at load
time rather than producing a silently wrong decision. Decimals must be written as strings (or integers): a
JSON float like ``1.1`` is not exact, and policies must mean exactly what they say.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from creditloop.core.errors import ValidationError

T = TypeVar("T")
Kind = Literal["str", "int", "decimal", "bool", "int_set", "str_map", "int_map", "decimal_map", "object", "list"]
Bound = int | Decimal | str | None  # a str names an earlier field whose value is the bound
_REQUIRED: Any = object()


@dataclass(frozen=True, slots=True)
class Spec:
    """One field of a policy document: its name, its kind and its bounds (``int_set``: bounds of every item).

    The ``*_map`` kinds are a JSON object from non-empty names to values of that kind (bounds apply to every
    value); an error names the entry as ``field.key``."""

    name: str
    kind: Kind
    lo: Bound = None
    hi: Bound = None
    default: Any = _REQUIRED  # the value when the field is absent; required when not given
    # "object" / "list": the schema of the nested object (or of every list item); ``lo`` / ``hi`` of a list
    # bound its length. Errors inside name the path, e.g. ``bands[2].max_pd``.
    schema: Schema[Any] | None = None


@dataclass(frozen=True, slots=True)
class Schema(Generic[T]):
    """A policy document: its fields in checking order and how to build the object from the checked values.

    ``build`` receives every field by name and raises ``ValidationError(field=...)`` for rules between fields.
    ``ignored`` keys are allowed and not read (free-text descriptions)."""

    kind: str  # what the document is, for messages: "hardship policy"
    fields: tuple[Spec, ...]
    build: Callable[[dict[str, Any]], T]
    ignored: frozenset[str] = frozenset({"description"})

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(s.name for s in self.fields) | self.ignored


def read_document(doc: Mapping[str, Any], schema: Schema[T]) -> T:
    """Check a decoded document against ``schema`` field by field and build its object."""
    check_keys(doc, schema.allowed)
    values: dict[str, Any] = {}
    for spec in schema.fields:
        if spec.name not in doc and spec.default is not _REQUIRED:
            values[spec.name] = spec.default
            continue
        lo, hi = (values[b] if isinstance(b, str) else b for b in (spec.lo, spec.hi))
        if spec.kind in ("object", "list"):
            values[spec.name] = _read_nested(doc, spec, lo, hi)
        else:
            values[spec.name] = _READERS[spec.kind](doc, spec.name, lo, hi)
    return schema.build(values)


def _within(path: str, exc: ValidationError) -> ValidationError:
    """The same error one level down: field ``max_pd`` read at ``bands[2]`` becomes ``bands[2].max_pd``."""
    inner = exc.field or "<document>"
    field = path if inner == "<document>" else f"{path}.{inner}"
    message = exc.message
    message = field + message[len(inner) :] if message.startswith(inner) else f"{field}: {message}"
    return ValidationError(message, field=field)


def _read_nested(doc: Mapping[str, Any], spec: Spec, lo: Any, hi: Any) -> Any:
    if spec.schema is None:
        raise ValidationError(f"{spec.name}: a nested field needs a schema", field=spec.name)
    value = _get(doc, spec.name)
    if spec.kind == "object":
        if not isinstance(value, Mapping):
            raise ValidationError(f"{spec.name} must be a JSON object", field=spec.name)
        try:
            return read_document(value, spec.schema)
        except ValidationError as exc:
            raise _within(spec.name, exc) from None
    if not isinstance(value, list):
        raise ValidationError(f"{spec.name} must be a list of objects", field=spec.name)
    if lo is not None and len(value) < lo:
        raise ValidationError(f"{spec.name} must have at least {lo} items, got {len(value)}", field=spec.name)
    if hi is not None and len(value) > hi:
        raise ValidationError(f"{spec.name} must have at most {hi} items, got {len(value)}", field=spec.name)
    items = []
    for i, item in enumerate(value):
        path = f"{spec.name}[{i}]"
        if not isinstance(item, Mapping):
            raise ValidationError(f"{path} must be a JSON object", field=path)
        try:
            items.append(read_document(item, spec.schema))
        except ValidationError as exc:
            raise _within(path, exc) from None
    return tuple(items)


def load_document(path: str | Path, schema: Schema[T]) -> T:
    """Load a policy document from a JSON file; an error names the file, the field and the rule."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"{schema.kind} file {source}: cannot be read ({exc})", field="<document>") from None
    return _parse(text, str(source), schema)


def packaged_document(package: str, resource: str, schema: Schema[T]) -> T:
    """A policy document shipped inside ``package`` (``resource`` is its path within the package)."""
    text = resources.files(package).joinpath(resource).read_text("utf-8")
    return _parse(text, f"{package}/{resource}", schema)


def _parse(text: str, where: str, schema: Schema[T]) -> T:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{schema.kind} file {where} is not valid JSON: {exc}", field="<document>") from None
    try:
        return read_document(doc, schema)
    except ValidationError as exc:
        raise ValidationError(f"{schema.kind} file {where}: {exc.message}", field=exc.field) from None


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


def _read_str(doc: Mapping[str, Any], name: str, lo: Any, hi: Any) -> str:
    return get_str(doc, name)


def _read_bool(doc: Mapping[str, Any], name: str, lo: Any, hi: Any) -> bool:
    return get_bool(doc, name)


def _read_int(doc: Mapping[str, Any], name: str, lo: Any, hi: Any) -> int:
    return get_int(doc, name, lo=lo, hi=hi)


def _read_decimal(doc: Mapping[str, Any], name: str, lo: Any, hi: Any) -> Decimal:
    return get_decimal(doc, name, lo=lo, hi=hi)


def _read_int_set(doc: Mapping[str, Any], name: str, lo: Any, hi: Any) -> tuple[int, ...]:
    values = get_int_tuple(doc, name, lo=lo)
    if hi is not None and values[-1] > hi:
        raise ValidationError(f"{name} items must be <= {hi}, got {values[-1]}", field=name)
    return values


def get_map(doc: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A non-empty JSON object with non-empty string keys (the values are checked by the caller)."""
    value = _get(doc, name)
    if not isinstance(value, Mapping) or not value:
        raise ValidationError(f"{name} must be a non-empty JSON object", field=name)
    for key in value:
        if not isinstance(key, str) or not key.strip():
            raise ValidationError(f"{name} keys must be non-empty strings, got {key!r}", field=name)
    return dict(value)


def _read_map(doc: Mapping[str, Any], name: str, read: Callable[[Mapping[str, Any], str], T]) -> dict[str, T]:
    """Each value read by ``read``; an error names the entry as ``name.key``."""
    entries = get_map(doc, name)
    out: dict[str, T] = {}
    for key in entries:
        try:
            out[key] = read(entries, key)
        except ValidationError as exc:
            raise ValidationError(f"{name}.{exc.message}", field=f"{name}.{key}") from None
    return out


def _read_str_map(doc: Mapping[str, Any], name: str, lo: Any, hi: Any) -> dict[str, str]:
    return _read_map(doc, name, get_str)


def _read_int_map(doc: Mapping[str, Any], name: str, lo: Any, hi: Any) -> dict[str, int]:
    return _read_map(doc, name, lambda d, k: get_int(d, k, lo=lo, hi=hi))


def _read_decimal_map(doc: Mapping[str, Any], name: str, lo: Any, hi: Any) -> dict[str, Decimal]:
    return _read_map(doc, name, lambda d, k: get_decimal(d, k, lo=lo, hi=hi))


_READERS: dict[str, Callable[[Mapping[str, Any], str, Any, Any], Any]] = {
    "str": _read_str,
    "int": _read_int,
    "decimal": _read_decimal,
    "bool": _read_bool,
    "int_set": _read_int_set,
    "str_map": _read_str_map,
    "int_map": _read_int_map,
    "decimal_map": _read_decimal_map,
}
