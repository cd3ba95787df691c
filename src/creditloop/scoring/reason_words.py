"""Bin labels in words for customer-facing reasons, for models that opt in (``"reason_style": "words"``).

A scorecard names a numeric bin by its interval, ``[15658, inf)``; a customer reads "15,658 or more" /
"不低于15,658". Ratios (``RATIO_FEATURES``) are shown as whole percentages, rounded half up
("[0.0595238, 0.118164)" -> "from 6% to under 12%" / "6%至12%（不含）"); other numbers keep the label's
digits with thousands separators. A point mass ``= v`` reads "exactly v" / "等于v"; ``Missing`` and
``Special`` read "not provided" / "未提供" and "special value" / "特殊值"; any other label (a categorical
group) is kept as it is. Models without the flag keep their interval labels (recorded decisions replay
byte for byte).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from creditloop.core.errors import ValidationError
from creditloop.scoring.reasons import ReasonText, statement

REASON_STYLES = ("label", "words")
RATIO_FEATURES = frozenset({"debt_to_income", "stated_to_verified_income", "requested_to_income", "dti", "utilization"})
_INTERVAL = re.compile(r"^\[(?P<lo>[^,\]]+), (?P<hi>[^,)]+)\)$")
_WORDS = {"Missing": ReasonText("not provided", "未提供"), "Special": ReasonText("special value", "特殊值")}


def _number(text: str, percent: bool) -> str:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return text.strip()
    if percent:
        return f"{(value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return format(value.normalize(), ",f")


def label_in_words(label: str, *, percent: bool = False) -> ReasonText:
    """One bin label in plain words, en and zh."""
    if label in _WORDS:
        return _WORDS[label]
    if label.startswith("= "):
        v = _number(label[2:], percent)
        return ReasonText(f"exactly {v}", f"等于{v}")
    m = _INTERVAL.match(label)
    if m is None:
        return ReasonText(label, label)
    lo, hi = m["lo"].strip(), m["hi"].strip()
    if lo == "-inf" and hi == "inf":
        return ReasonText("any value", "任意值")
    if lo == "-inf":
        b = _number(hi, percent)
        return ReasonText(f"below {b}", f"低于{b}")
    a = _number(lo, percent)
    if hi == "inf":
        return ReasonText(f"{a} or more", f"不低于{a}")
    b = _number(hi, percent)
    return ReasonText(f"from {a} to under {b}", f"{a}至{b}（不含）")


def statement_in_words(feature: str, description: ReasonText, label: str) -> ReasonText:
    """``"<characteristic>: <bin in words>"`` in both languages (ratios as percentages)."""
    words = label_in_words(label, percent=feature in RATIO_FEATURES)
    return ReasonText(f"{description.en}: {words.en}", f"{description.zh}：{words.zh}")


def check_reason_style(style: object) -> str:
    """A model file's ``reason_style`` (``"label"`` when absent), refused by name when unknown."""
    text = "label" if style is None else str(style)
    if text not in REASON_STYLES:
        raise ValidationError(
            f"reason_style must be one of {', '.join(REASON_STYLES)}, got {text!r}", field="reason_style"
        )
    return text


def reason_statement(feature: str, description: ReasonText, label: str, style: str) -> ReasonText:
    """The reason text of one bin in the model's style: the one rule for the per-applicant and the frame paths."""
    if check_reason_style(style) == "words":
        return statement_in_words(feature, description, label)
    return statement(description, label)
