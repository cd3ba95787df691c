"""Reg Z Appendix J time: the unit period (b)(4) and unit periods between two dates (b)(5), 12 CFR 1026.

A unit period is a standard interval of time (b)(3)(iii) — a day, a week or a multiple of one, a semimonth, or a
month or a multiple of one up to a year — or, for a single advance repaid by a single payment in less than a
year, the term itself ((b)(5)(vi)/(vii)). Its counting rule (b)(5):

* day / week multiples (iv): days between the dates ÷ days per unit period;
* semimonth and month multiples below a year (ii)/(iii): days = 30 × full months counted back from the later date
  + the remaining days, ÷ 15 (semimonth) or ÷ 30 × months per unit period;
* year (v): full years counted back from the later date; the remainder is months / 12 when it is a whole number of
  months, else days / 365.

Full months follow (b)(3)(iv): the same date of another month; a series on the last day of each month counts month
end to month end, and a 29th/30th series uses the last day of February.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import ClassVar

from creditloop.core.dates import add_months, month_end
from creditloop.core.errors import ValidationError

_KINDS = ("day", "week", "semimonth", "month")
_NAMED: dict[str, tuple[str, int]] = {
    "day": ("day", 1),
    "daily": ("day", 1),
    "week": ("week", 1),
    "weekly": ("week", 1),
    "biweek": ("week", 2),
    "biweekly": ("week", 2),
    "fortnight": ("week", 2),
    "semimonth": ("semimonth", 1),
    "semimonthly": ("semimonth", 1),
    "halfmonth": ("semimonth", 1),
    "twicemonthly": ("semimonth", 1),
    "month": ("month", 1),
    "monthly": ("month", 1),
    "bimonth": ("month", 2),
    "bimonthly": ("month", 2),
    "quarter": ("month", 3),
    "quarterly": ("month", 3),
    "semiannual": ("month", 6),
    "semiannually": ("month", 6),
    "halfyear": ("month", 6),
    "halfyearly": ("month", 6),
    "year": ("month", 12),
    "annual": ("month", 12),
    "yearly": ("month", 12),
    "annually": ("month", 12),
}
_MULTIPLE = re.compile(r"^([0-9]{1,3}) ?(day|week|month|year)(s|ly)?$")
_LABEL = {("week", 2): "biweek", ("month", 3): "quarter", ("month", 6): "semiannual", ("month", 12): "year"}


_WORDS = {
    w: n
    for n, w in enumerate(
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"], 1
    )
}


def _parse(kind: object, count: object) -> tuple[str, int]:
    """(kind, count) of a label or a kind and count; ``ValidationError(field="unit_period")`` when neither."""
    text = " ".join(str(kind).lower().replace("-", " ").replace("_", " ").split())
    text = text.removeprefix("every ").removeprefix("per ")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValidationError(f"unit_period count must be a positive integer, got {count!r}", field="unit_period")
    if text not in _KINDS:
        first, _, rest = text.partition(" ")
        if first in _WORDS and rest:  # "four weeks"
            text = f"{_WORDS[first]} {rest}"
        parsed = _NAMED.get(text.replace(" ", ""))  # "semi-monthly", "half month", "bi weekly"
        match = _MULTIPLE.match(text)
        if parsed is None and match:
            unit, number = match.group(2), int(match.group(1))
            parsed = ("month", 12 * number) if unit == "year" else (unit, number)
        if parsed is None or count != 1:
            raise ValidationError(
                "unit_period must be day | week | biweek | semimonth | month | quarter | semiannual | year "
                f"or N-day | N-week | N-month, got {kind!r}",
                field="unit_period",
            )
        text, count = parsed
    days = {"day": 1, "week": 7, "semimonth": 15, "month": 30}[text] * count
    if count < 1 or days > 366 or (text == "month" and count > 12) or (text == "semimonth" and count != 1):
        raise ValidationError(
            f"unit_period must be between a day and a year, got {kind!r} x {count}", field="unit_period"
        )
    return text, count


class UnitPeriod:
    """A Reg Z unit period: ``kind`` (day | week | semimonth | month) × ``count``; immutable and interned.

    ``UnitPeriod("quarter")`` parses a label (``day, week, biweek, semimonth, month, quarter, semiannual, year``,
    ``N-day`` / ``N-week`` / ``N-month`` or ``4 weeks``); ``UnitPeriod("month", 2)`` builds one. Equal unit periods
    are the same object (``UnitPeriod("quarter") is UnitPeriod.QUARTER``). Longer than a year is refused.
    """

    __slots__ = ("count", "kind")
    _interned: ClassVar[dict[tuple[str, int], UnitPeriod]] = {}
    kind: str
    count: int

    DAY: ClassVar[UnitPeriod]
    WEEK: ClassVar[UnitPeriod]
    BIWEEK: ClassVar[UnitPeriod]
    SEMIMONTH: ClassVar[UnitPeriod]
    MONTH: ClassVar[UnitPeriod]
    QUARTER: ClassVar[UnitPeriod]
    YEAR: ClassVar[UnitPeriod]

    def __new__(cls, kind: str | UnitPeriod, count: int = 1) -> UnitPeriod:
        if isinstance(kind, UnitPeriod):
            return kind
        key = _parse(kind, count)
        unit = cls._interned.get(key)
        if unit is None:
            unit = super().__new__(cls)
            object.__setattr__(unit, "kind", key[0])
            object.__setattr__(unit, "count", key[1])
            cls._interned[key] = unit
        return unit

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("UnitPeriod is immutable")

    def __repr__(self) -> str:
        return f"UnitPeriod({self.value!r})"

    def __reduce__(self) -> tuple[type[UnitPeriod], tuple[str, int]]:
        return UnitPeriod, (self.kind, self.count)

    @property
    def value(self) -> str:
        if self.count == 1:
            return self.kind
        return _LABEL.get((self.kind, self.count), f"{self.count}-{self.kind}")

    def __str__(self) -> str:
        return self.value

    @property
    def per_year(self) -> Decimal:
        """(b)(5): 365 / days, 52 / weeks, 24 semimonths, 12 / months."""
        base = {"day": 365, "week": 52, "semimonth": 24, "month": 12}[self.kind]
        return Decimal(base) / self.count

    @property
    def nominal_days(self) -> Decimal:
        """Typical length in days, to round an average period to the nearest standard interval ((b)(4)(i)(B))."""
        return (
            Decimal(365) / self.per_year
            if self.kind in ("semimonth", "month")
            else Decimal(self.count * 7 if self.kind == "week" else self.count)
        )


UnitPeriod.DAY = UnitPeriod("day")
UnitPeriod.WEEK = UnitPeriod("week")
UnitPeriod.BIWEEK = UnitPeriod("week", 2)
UnitPeriod.SEMIMONTH = UnitPeriod("semimonth")
UnitPeriod.MONTH = UnitPeriod("month")
UnitPeriod.QUARTER = UnitPeriod("month", 3)
UnitPeriod.YEAR = UnitPeriod("month", 12)

# Standard intervals (b)(3)(iii), smallest first (four weeks before a month): the order ties are broken in.
STANDARD = tuple(
    sorted(
        [
            UnitPeriod.DAY,
            UnitPeriod.SEMIMONTH,
            *(UnitPeriod("week", k) for k in range(1, 53)),
            *(UnitPeriod("month", k) for k in range(1, 13)),
        ],
        key=lambda u: u.nominal_days,
    )
)


# ------------------------------------------------------------------------------------------------ full months


def _is_month_end(day: date) -> bool:
    return day == month_end(day)


def full_months(start: date, on: date, *, month_end_series: bool = False) -> tuple[int, int]:
    """(b)(3)(iv)/(b)(5)(ii): full months counted back from ``on`` to ``start``, and the days left at the start.

    ``month_end_series``: the flows fall on the last day of each month, so a month back from a month end is the
    previous month end (30 Apr → 31 Mar). A date that is the clamped day of a later-day series (28 Feb for the 30th,
    or for 31 Jan) is a full month from its anchor when stepping forward from ``start`` lands on it exactly.
    """

    def back(m: int) -> date:
        stepped = add_months(on, -m)
        return month_end(stepped) if month_end_series and _is_month_end(on) else stepped

    months = (on.year - start.year) * 12 + on.month - start.month
    while months > 0 and back(months) < start:
        months -= 1
    if months >= 0 and add_months(start, months + 1) == on:  # 31 Jan → 28 Feb is a month, not 28 days
        return months + 1, 0
    return months, (back(months) - start).days


def unit_position(start: date, on: date, unit: UnitPeriod, *, month_end_series: bool = False) -> tuple[int, Decimal]:
    """(b)(5): whole unit periods ``t`` counted back from ``on`` and the fraction ``f`` of one left at the start."""
    if unit.kind in ("day", "week"):
        per = unit.count * (7 if unit.kind == "week" else 1)
        whole, odd = divmod((on - start).days, per)
        return whole, Decimal(odd) / per
    months, odd_days = full_months(start, on, month_end_series=month_end_series)
    if unit.kind == "month" and unit.count == 12:  # (b)(5)(v): full years, then months / 12 or days / 365
        years, rest = divmod(months, 12)
        if odd_days == 0:
            return years, Decimal(rest) / 12
        return years, Decimal((add_months(on, -12 * years) - start).days) / 365
    per = 15 if unit.kind == "semimonth" else 30 * unit.count  # (b)(5)(ii)/(iii): a month is 30 days
    whole, odd = divmod(30 * months + odd_days, per)
    return whole, Decimal(odd) / per


def is_month_end_series(dates: Sequence[date]) -> bool:
    """Payments on the last day of each month (at least two, one of them on a day a shorter month lacks)."""
    return len(dates) > 1 and all(_is_month_end(d) for d in dates) and any(d.day >= 30 for d in dates)


# ------------------------------------------------------------------------------------------------ the unit period


def _same_day_of_month(a: date, b: date) -> bool:
    if a.day == b.day or (_is_month_end(a) and _is_month_end(b)):
        return True
    return (_is_month_end(a) and a.day < b.day) or (_is_month_end(b) and b.day < a.day)  # a clamped 29th-31st


def classify(a: date, b: date) -> UnitPeriod | None:
    """The standard interval from ``a`` to ``b`` (``a < b``), if it is one; semimonths are decided by the caller."""
    days = (b - a).days
    months = (b.year - a.year) * 12 + b.month - a.month
    if 1 <= months <= 12 and _same_day_of_month(a, b):
        return UnitPeriod("month", months)
    if days == 1:
        return UnitPeriod.DAY
    if days % 7 == 0 and days <= 364:
        return UnitPeriod("week", days // 7)
    return None


def periods(start: date, advances: Sequence[date], payments: Sequence[date]) -> list[tuple[date, date]]:
    """(b)(3)(i): intervals between advances, between payments, and from the start to the first of each after it."""
    out: list[tuple[date, date]] = []
    for dates in (sorted(set(advances)), sorted(set(payments))):
        points = [start, *(d for d in dates if d > start)]
        out.extend(pairwise(points))
    return out


def infer_unit_period(start: date, advances: Sequence[date], payments: Sequence[date]) -> UnitPeriod:
    """(b)(4): the unit period of a transaction.

    * A single advance repaid by a single payment (b)(4)(ii): the term, at most a year — whole months when the term is
      a whole number of months, else its days ((b)(5)(vi)/(vii)).
    * Otherwise (b)(4)(i): the common period (one occurring more than once) that occurs most often; equally common
      periods → the smaller (A); no common period → the average of all periods rounded to the nearest standard
      interval, halfway → the smaller (B).

    A period of 13–17 days other than two weeks is a semimonth; a 14-day period counts as one too when semimonths
    outnumber 14-day periods (16 Feb → 1 Mar of a leap year in a 1st/16th series), else it is two weeks.
    """
    if len(set(advances)) == 1 and len(set(payments)) == 1:
        (end,) = set(payments)
        months, odd = full_months(start, end)
        if months >= 12 or (end - start).days >= 365:
            return UnitPeriod.YEAR
        if odd == 0 and months > 0:
            return UnitPeriod("month", months)
        return UnitPeriod("day", max(1, (end - start).days))
    spans = periods(start, advances, payments)
    if not spans:
        return UnitPeriod.MONTH
    kinds: list[UnitPeriod | None] = [classify(a, b) for a, b in spans]
    lengths = [(b - a).days for a, b in spans]
    semimonths = sum(1 for n, kind in zip(lengths, kinds, strict=True) if kind is None and 13 <= n <= 17)
    fortnights = lengths.count(14)
    for k, n in enumerate(lengths):
        if (kinds[k] is None and 13 <= n <= 17) or (n == 14 and semimonths > fortnights):
            kinds[k] = UnitPeriod.SEMIMONTH
    votes = Counter(k for k in kinds if k is not None)
    common = {u: n for u, n in votes.items() if n > 1}
    if common:
        best = max(common.values())
        return min((u for u, n in common.items() if n == best), key=STANDARD.index)
    average = Decimal(sum((b - a).days for a, b in spans)) / len(spans)
    return min(STANDARD, key=lambda u: (abs(u.nominal_days - average), STANDARD.index(u)))
