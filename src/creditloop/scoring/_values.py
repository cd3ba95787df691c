"""One application's values read as the batch scorers read a column, in plain Python (no numpy / pandas).

The decision-time runtimes (:mod:`creditloop.scoring.runtime`, :mod:`creditloop.scoring.gbm_artifact`) score
one row at a time; these two functions give each value exactly the number or the category label that
``_variable.numeric_values`` (``pd.to_numeric(errors="coerce")``) and ``_checks.category_strings`` give the
same value inside a DataFrame, so a row scores the same either way (the parity tests hold them to it).
"""

from __future__ import annotations

import math
import re

NAN = math.nan
# pandas' number parser: ASCII decimal literals with optional sign and exponent, surrounded by ASCII white space;
# inf / infinity in any case with an optional sign but no white space. Python's float() accepts more ("1_000",
# full-width digits, " inf"); text that pandas does not read (a "nan" included) is present but not a number.
_NUMBER = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*|[+-]?inf(?:inity)?", re.IGNORECASE | re.ASCII)
_MISSING_TYPES = frozenset({"NAType", "NaTType"})  # pandas' missing markers, recognised without importing pandas


def is_missing(value: object) -> bool:
    """None, NaN, or pandas' NA / NaT."""
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    return type(value).__name__ in _MISSING_TYPES


def number(value: object) -> tuple[float, bool]:
    """``(x, bad)``: the value as a float (NaN when missing or not a number) and whether it was present but not
    a number (scored as missing, reported as an issue). Blank text is missing, not bad."""
    kind = type(value)
    if kind is float:
        return value, False  # type: ignore[return-value]
    if kind is int or kind is bool:
        return float(value), False  # type: ignore[arg-type]
    if value is None:
        return NAN, False
    if isinstance(value, str):
        if not value.strip():
            return NAN, False
        if _NUMBER.fullmatch(value) is None:
            return NAN, True
        return float(value), False
    if type(value).__name__ in _MISSING_TYPES:
        return NAN, False
    try:
        x = float(value)  # type: ignore[arg-type]  # Decimal, numpy scalars, Fraction...
    except (TypeError, ValueError, OverflowError):
        return NAN, True
    return x, False


def label(value: object) -> str | None:
    """The category label: ``1``, ``1.0`` and ``"1"`` are all ``"1"``; text is stripped; missing is None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        if value != value:
            return None
        return str(int(value)) if value.is_integer() else str(float(value))
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(int(value))
    name = type(value).__name__
    if name in _MISSING_TYPES:
        return None
    return _numpy_label(value, name)


def _numpy_label(value: object, name: str) -> str | None:
    """numpy scalars (rows taken from a DataFrame), matched by type name so numpy need not be imported."""
    if name.startswith("float"):
        return label(float(value))  # type: ignore[arg-type]
    if name == "bool" or name == "bool_":
        return str(bool(value))
    if name.startswith(("int", "uint")):
        return str(int(value))  # type: ignore[call-overload]
    return str(value).strip()
