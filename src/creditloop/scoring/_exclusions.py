"""Which columns a scorecard may never use, and why: by request, protected attributes, identifiers.

The reasons land in ``Scorecard.excluded_``, the model file and the ``fit`` output, so they name the rule
and never a value of the column.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import pandas as pd

from creditloop.core.errors import ValidationError
from creditloop.scoring._checks import protected_columns
from creditloop.scoring._identifiers import check_allowed, identifier_columns
from creditloop.scoring.exceptions import IdentifierWarning, ProtectedAttributeWarning

PROTECTED_REASON = "protected attribute (sex, age, marital status, national origin...): fairness checks only"


def exclusions(
    X: pd.DataFrame,
    exclude: Sequence[str],
    protected: str | Sequence[str] | None,
    allow: Sequence[str],
) -> dict[str, str]:
    """``{column: reason}``: ``exclude`` first, then protected (``"auto"``: by name), then identifiers
    except those in ``allow`` (never a column holding personal data by its values)."""
    excluded: dict[str, str] = {}
    for col in exclude:
        if col not in X.columns:
            raise ValidationError(f"excluded column {col!r} is not in the data", field=col)
        excluded[col] = "excluded by request"
    if protected == "auto":
        prot = protected_columns(X.columns)
    elif isinstance(protected, str):
        prot = [protected]
    else:
        prot = list(protected or [])
    for col in prot:
        if col not in X.columns:
            raise ValidationError(f"protected column {col!r} is not in the data", field=col)
        if col not in excluded:
            excluded[col] = PROTECTED_REASON
            warnings.warn(f"column {col!r} is treated as a protected attribute; excluded", ProtectedAttributeWarning, 4)
    # Identifiers last, so a column excluded by request or as protected keeps that reason.
    found = identifier_columns(X, [c for c in X.columns if c not in excluded])
    check_allowed(X, allow, found)
    for ident in found:
        if ident.column not in allow:
            excluded[ident.column] = ident.reason
            warnings.warn(f"column {ident.column!r}: {ident.reason}; excluded", IdentifierWarning, 4)
    return excluded
