"""Columns that identify a person or a record: never model inputs, never written into a model file.

Three rules, each returning a reason that names the rule and never a value (the reason lands in the model
file and in the fit output):

- **name**: a name token such as ``id``, ``name``, ``phone``, ``email``, ``address``, ``passport``, a card or
  account *number*, or a Chinese word such as 身份证, 姓名, 手机 — unless the column is a flag or a code
  (at most 2 values, or each value repeated 100 times on average: German credit's yes/no ``telephone``,
  Lending Club's ``addr_state``);
- **pattern** (personal data by content): at least half of a sample of the values look like 18-digit PRC
  resident ID numbers, 11-digit Chinese mobile numbers, e-mail addresses or long digit strings (card and
  account numbers);
- **cardinality**: a text column where most values are distinct (a name, a free-text field), or a
  near-unique integer column that is monotone in row order or fills a dense range (a row number, a key).

A user who knows a name- or cardinality-flagged column is safe may allow it; a pattern-flagged column holds
personal data whatever it is called and can never be allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from creditloop.core.errors import ValidationError

# Whole name tokens (after splitting snake_case, kebab-case and camelCase) that name an identifier.
ID_TOKENS = frozenset(
    {
        "id",
        "ids",
        "uuid",
        "guid",
        "idcard",
        "idno",
        "ssn",
        "nric",
        "passport",
        "name",
        "names",
        "firstname",
        "lastname",
        "surname",
        "fullname",
        "username",
        "phone",
        "phones",
        "mobile",
        "cellphone",
        "telephone",
        "tel",
        "msisdn",
        "email",
        "mail",
        "address",
        "addr",
        "street",
        "iban",
        "imei",
        "ip",
    }
)
# Tokens that identify only together with a "number" word: a card or account *number*, not a card count.
NUMBERED_TOKENS = frozenset({"card", "account", "acct", "bank", "license", "licence", "contract", "policy"})
NUMBER_WORDS = frozenset({"no", "num", "number", "nbr", "nr"})
ID_WORDS_ZH = ("身份证", "证件", "姓名", "名字", "手机", "电话", "邮箱", "地址", "住址", "卡号", "账号", "帐号", "护照")

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_WORD = re.compile(r"[a-z]+")

# Value patterns of personal data, tried on the string form of a sample of values.
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "18-digit PRC resident ID numbers",
        re.compile(r"[1-9]\d{5}(18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dXx]"),
    ),
    ("11-digit Chinese mobile numbers", re.compile(r"(\+?86)?1[3-9]\d{9}")),
    ("e-mail addresses", re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")),
)
LONG_DIGITS_TEXT = 9  # a text column of digit strings this long: account, card, customer numbers
LONG_DIGITS_NUMBER = 13  # a numeric column: card numbers (13-19 digits); amounts in fen stay below this
PATTERN_SHARE = 0.5  # share of the sampled values that must match
SAMPLE = 2000
MIN_ROWS_CARDINALITY = 50  # below this, uniqueness says nothing
TEXT_UNIQUE_SHARE = 0.5  # a text column with more distinct values than repeats: names, free text
INTEGER_UNIQUE_SHARE = 0.95
# A column named like an identifier is kept as a flag or a code when it has at most FLAG_LEVELS values, or
# when every value repeats on average 1 / FLAG_SHARE times or more (a state of the address, not the address).
FLAG_LEVELS = 2
FLAG_SHARE = 0.01
DENSE_SPAN = 1.2  # an integer key: (max - min + 1) at most this many times the number of distinct values


@dataclass(frozen=True)
class Identifier:
    """A column judged to identify a person or record; ``personal`` ones (by content) cannot be allowed."""

    column: str
    reason: str
    personal: bool


def name_words(column: object) -> list[str]:
    """Lower-case words of a column name in order: ``customerId`` → [customer, id]; ``card_no`` → [card, no]."""
    return _WORD.findall(_CAMEL.sub("_", str(column)).lower())


def name_tokens(column: object) -> set[str]:
    return set(name_words(column))


def identifier_name(column: object) -> str | None:
    """The identifier word in a column name (``id``, ``phone``, ``card … number``, ``身份证``...), or ``None``."""
    text = str(column)
    words = name_words(text)
    hits = sorted(set(words) & ID_TOKENS) or [w for w in ID_WORDS_ZH if w in text]
    # "card_no", "accountNumber": a numbered thing directly followed by a number word (not "number_of_cards")
    hits += [f"{a} {b}" for a, b in pairwise(words) if a in NUMBERED_TOKENS and b in NUMBER_WORDS]
    return hits[0] if hits else None


def _is_flag(s: pd.Series) -> bool:
    """Few values, each repeated many times: a yes/no (German credit's ``telephone``) or a code
    (Lending Club's ``addr_state``), not an identifier."""
    n = int(s.notna().sum())
    distinct = int(s.nunique(dropna=True))
    return distinct <= FLAG_LEVELS or distinct <= FLAG_SHARE * n


def _sample(s: pd.Series) -> pd.Series:
    values = s.dropna()
    if len(values) > SAMPLE:
        values = values.sample(SAMPLE, random_state=0)
    return values


def _as_text(values: pd.Series) -> pd.Series:
    """Strings of the values; integral floats (a digit column read with blanks) lose their ``.0``."""
    if pd.api.types.is_float_dtype(values.dtype):
        finite = values[np.isfinite(values.to_numpy(dtype=float))]
        if len(finite) and (finite == np.floor(finite)).all() and finite.abs().max() < 9e18:  # int64
            return finite.astype("int64").astype(str)
        return values.astype(str)
    return values.astype(str).str.strip().str.replace(r"[\s\-]", "", regex=True)


def pattern_rule(s: pd.Series) -> str | None:
    """The personal-data pattern most of the values follow, or ``None``."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return None
    values = _sample(s)
    if not len(values):
        return None
    text = _as_text(values)
    numeric = pd.api.types.is_numeric_dtype(s.dtype)
    for label, pattern in PATTERNS:
        if text.str.fullmatch(pattern).mean() >= PATTERN_SHARE:
            return label
    digits = LONG_DIGITS_NUMBER if numeric else LONG_DIGITS_TEXT
    if text.str.fullmatch(rf"\d{{{digits},}}").mean() >= PATTERN_SHARE:
        return f"digit strings of {digits} or more digits (card, account or customer numbers)"
    return None


def _is_text(s: pd.Series) -> bool:
    return bool(
        pd.api.types.is_object_dtype(s.dtype)
        or pd.api.types.is_string_dtype(s.dtype)
        or isinstance(s.dtype, pd.CategoricalDtype)
    )


def cardinality_rule(s: pd.Series) -> str | None:
    """Near-unique text, or a near-unique integer column that is monotone or fills a dense range."""
    values = s.dropna()
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    n = len(values)
    if n < MIN_ROWS_CARDINALITY:
        return None
    if _is_text(s):
        as_number = pd.to_numeric(values, errors="coerce")
        if as_number.notna().mean() < 0.5:  # mostly words: a name, a free-text field
            share = values.astype(str).nunique() / n
            return f"high-cardinality text ({share:.0%} of values distinct)" if share >= TEXT_UNIQUE_SHARE else None
        values = as_number.dropna()
        n = len(values)
        if n < MIN_ROWS_CARDINALITY:
            return None
    elif not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        return None
    x = values.to_numpy(dtype=float)
    if not np.isfinite(x).all() or not (x == np.floor(x)).all():
        return None  # continuous measurements are naturally unique
    distinct = len(np.unique(x))
    if distinct / n < INTEGER_UNIQUE_SHARE:
        return None
    steps = np.diff(x)
    if (steps >= 0).all() or (steps <= 0).all():
        return f"near-unique integer key ({distinct / n:.0%} distinct, monotone in row order)"
    if x.max() - x.min() + 1 <= DENSE_SPAN * distinct:
        return f"near-unique integer key ({distinct / n:.0%} distinct, filling a dense range)"
    return None


def identifier_columns(X: pd.DataFrame, columns: Iterable[str] | None = None) -> list[Identifier]:
    """The identifier-like columns among ``columns`` (default: all), each with the rule that caught it."""
    found = []
    for col in X.columns if columns is None else columns:
        s = X[col]
        pattern = pattern_rule(s)
        if pattern is not None:
            found.append(Identifier(col, f"personal data: values look like {pattern}", True))
        elif (word := identifier_name(col)) is not None and not _is_flag(s):
            found.append(Identifier(col, f"identifier by name (the word {word!r})", False))
        else:
            rule = cardinality_rule(s)
            if rule is not None:
                found.append(Identifier(col, f"identifier by cardinality: {rule}", False))
    return found


def check_allowed(X: pd.DataFrame, allow: Sequence[str], found: Sequence[Identifier]) -> None:
    """``allow`` may name only columns of ``X`` and never one that holds personal data by its content."""
    personal = {f.column: f for f in found if f.personal}
    for col in allow:
        if col not in X.columns:
            raise ValidationError(f"allowed column {col!r} is not in the data", field="allow_columns")
        if col in personal:
            raise ValidationError(f"column {col!r} cannot be allowed: {personal[col].reason}", field="allow_columns")
