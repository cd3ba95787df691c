"""Input checks shared by the scoring estimators. Every message names the offending column."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from creditloop.core.errors import ValidationError
from creditloop.scoring._identifiers import name_tokens

# Words that mark a protected attribute under ECOA / Regulation B and China's PIPL-era fair-lending
# practice: sex, marital status, age, race, religion, national origin. Matched on whole name tokens.
PROTECTED_TOKENS = frozenset(
    {
        "sex",
        "gender",
        "marital",
        "marriage",
        "married",
        "age",
        "race",
        "ethnic",
        "ethnicity",
        "religion",
        "nationality",
        "foreign",
        "birth",
        "dob",
    }
)
# The same attributes named in Chinese (性别 sex, 婚姻 marital status, 年龄 age, 民族 ethnicity, 宗教 religion,
# 国籍 nationality, 出生 birth), matched as substrings since Chinese names have no word breaks.
PROTECTED_WORDS_ZH = ("性别", "婚姻", "年龄", "民族", "种族", "宗教", "国籍", "出生")
_BAD_WORDS = frozenset({"bad", "default", "defaulted", "1", "true", "yes", "y", "event", "charged off"})
_GOOD_WORDS = frozenset({"good", "0", "false", "no", "n", "nonevent", "fully paid", "current"})


def protected_columns(columns: Iterable[str]) -> list[str]:
    """Columns whose names contain a protected-attribute word (``personal_status_and_sex``, ``AGE``,
    ``maritalStatus``, ``性别``...). Tokens are split like identifier names (:func:`name_tokens`)."""
    found = []
    for col in columns:
        text = str(col)
        if (
            name_tokens(text) & PROTECTED_TOKENS
            or "personal_status" in text.lower()
            or any(word in text for word in PROTECTED_WORDS_ZH)
        ):
            found.append(col)
    return found


def as_frame(X: object, name: str = "X") -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        if not X.columns.is_unique:
            dup = X.columns[X.columns.duplicated()][0]
            raise ValidationError(f"column {dup!r} appears more than once", field=str(dup))
        return X
    if isinstance(X, np.ndarray) and X.ndim == 2:
        return pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    raise ValidationError(f"{name} must be a pandas DataFrame (got {type(X).__name__})", field=name)


def binary_target(y: object, name: str = "target", event: object = None) -> NDArray[np.int8]:
    """``y`` as 0/1 ints (1 = event = bad). Accepts 0/1, booleans, or two labels with ``event`` naming the bad one.

    Labels ``bad``/``good`` (any case) are understood without ``event``.
    """
    s = pd.Series(np.asarray(y) if not isinstance(y, pd.Series) else y)
    if s.isna().any():
        raise ValidationError(f"target {name!r} has {int(s.isna().sum())} missing values", field=name)
    values = pd.unique(s)
    if len(values) > 2:
        shown = ", ".join(repr(v) for v in list(values)[:5])
        raise ValidationError(
            f"target {name!r} must be binary but has {len(values)} distinct values ({shown}...)", field=name
        )
    if len(values) == 0:
        raise ValidationError(f"target {name!r} has no rows: nothing to learn from", field=name)
    if len(values) < 2:
        raise ValidationError(
            f"target {name!r} has a single value {_label(values[0])!r}: both classes are needed", field=name
        )
    if event is not None:
        if not (s == event).any() and not (s.astype(str) == str(event)).any():
            raise ValidationError(f"event value {event!r} does not occur in target {name!r}", field=name)
        hit = (s == event) | (s.astype(str) == str(event))
        return np.asarray(hit.to_numpy(), dtype=np.int8)
    labels = {str(v).strip().lower() for v in values}
    if labels <= {"0", "1", "true", "false", "0.0", "1.0"}:
        return np.asarray(s.astype(float).astype(bool).to_numpy(), dtype=np.int8)
    bad = [v for v in values if str(v).strip().lower() in _BAD_WORDS]
    good = [v for v in values if str(v).strip().lower() in _GOOD_WORDS]
    if len(bad) == 1 and len(good) == 1:
        return np.asarray((s == bad[0]).to_numpy(), dtype=np.int8)
    raise ValidationError(
        f"target {name!r} has labels {sorted(map(str, values))}: say which one is the event (bad) with event=",
        field=name,
    )


def require_columns(X: pd.DataFrame, columns: Sequence[str], what: str = "scoring data") -> None:
    missing = [c for c in columns if c not in X.columns]
    if missing:
        listed = ", ".join(repr(c) for c in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        raise ValidationError(
            f"{what} is missing {len(missing)} column(s) the model needs: {listed}{more}", field=str(missing[0])
        )


def _label(v: object) -> str | None:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float | np.floating):
        if np.isnan(v):
            return None
        return str(int(v)) if float(v).is_integer() else str(float(v))
    if isinstance(v, bool | np.bool_):
        return str(bool(v))
    if isinstance(v, int | np.integer):
        return str(int(v))
    return str(v).strip()


def category_strings(s: pd.Series) -> pd.Series:
    """Category labels as strings, the same whether the file gave ``1``, ``1.0`` or ``"1"``. Missing stays missing.

    Meant for the (few) distinct values of a column: callers factorize first.
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = pd.Series(np.asarray(s, dtype=object), index=s.index)
    return pd.Series([_label(v) for v in s.to_numpy(dtype=object)], index=s.index, dtype=object)


def column_labels(s: pd.Series) -> pd.Series:
    """:func:`category_strings` of a whole column, computed once per distinct value."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    names = np.asarray([*category_strings(pd.Series(uniques)).tolist(), None], dtype=object)
    return pd.Series(names[codes], index=s.index, dtype=object)
