"""PRC resident identity numbers (居民身份证号码, GB 11643-1999): structure, region, birth date, check character.

An 18-character number is: a 6-digit address code (GB/T 2260 administrative division of the holder's
registered residence), an 8-digit birth date YYYYMMDD, a 3-digit sequence number and an ISO 7064 MOD 11-2
check character (0-9 or X). The 17th digit's parity encodes sex; it is a protected attribute and is never
read here, nor returned.

What is checked, and why (docs/origination/checks.md has the full rules):
- format: exactly 18 characters, 17 digits then a digit or X (lower-case x accepted). The old 15-digit
  numbers stopped being valid in 2013 and are refused as a format problem.
- region: no code table ships with this (the GB/T 2260 list changes every year and cannot be fetched here),
  so the check is the province-level code plus structure. Mainland province codes 11-15, 21-23, 31-37,
  41-46, 50-54, 61-65, and 71 (Taiwan, listed in GB/T 2260); the prefecture digits (3-4) must not be 00.
  The county digits (5-6) may be 00: prefecture-level cities without counties issue numbers ending in 00
  (Dongguan 441900, Zhongshan 442000, Jiayuguan 620200, Danzhou 460400). Residence permits for Hong Kong,
  Macao and Taiwan residents (港澳台居民居住证, since 2018) use 810000, 820000 and 830000 exactly (81 and 82 are
  GB/T 2260's province-level codes of Hong Kong and Macao). Nothing else passes: the first two digits are one of
  the GB/T 2260 province-level codes or the number is refused. The 2023 foreigners' permanent residence ID card
  (外国人永久居留身份证, 9 + issuing province + nationality) is not a resident ID and is refused too: accepting
  any 9 followed by a province code let invented regions such as 93xxxx through (independent files, issue #13).
- birth date: a real calendar date, not before 1900-01-01 and not after the application date.
- check character: sum of digit_i x (2^(17-i) mod 11) over the first 17 digits; check = (12 - sum mod 11)
  mod 11, written X for 10. A single changed digit or a swap of two different adjacent digits always
  changes it (11 is prime and no weight is 0 mod 11).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Final

ID_FORMAT: Final = "ID_FORMAT"
ID_REGION: Final = "ID_REGION"
ID_BIRTH_DATE: Final = "ID_BIRTH_DATE"
ID_CHECK_DIGIT: Final = "ID_CHECK_DIGIT"
ID_PROBLEM_CODES: Final = (ID_FORMAT, ID_REGION, ID_BIRTH_DATE, ID_CHECK_DIGIT)

WEIGHTS: Final = tuple(2 ** (17 - i) % 11 for i in range(17))  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
CHECK_CHARS: Final = "10X98765432"  # (12 - s) mod 11 for s = sum mod 11 = 0..10
EARLIEST_BIRTH: Final = date(1900, 1, 1)

MAINLAND_PROVINCES: Final = frozenset(
    f"{p:02d}"
    for p in (
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
    )
)
PERMIT_REGIONS: Final = frozenset({"810000", "820000", "830000"})  # HK, Macao, Taiwan residence permits
_DIGITS: Final = frozenset("0123456789")


@dataclass(frozen=True, slots=True)
class ResidentId:
    """A structurally valid resident ID: what may be used (region, birth date); never the sex digit."""

    region_code: str  # 6 digits: a GB/T 2260 address code, or 810000 / 820000 / 830000 (residence permits)
    birth_date: date
    normalised: str = field(repr=False)  # upper-case X; personal data: never in a repr or a log


@dataclass(frozen=True, slots=True)
class IdProblem:
    """Why a number is not a valid resident ID; ``problems`` lists every failed rule in check order."""

    problems: tuple[str, ...]  # codes from ID_PROBLEM_CODES, first = principal
    birth_date: date | None  # the birth date part when it is a real date (for the stated-vs-ID comparison)

    @property
    def code(self) -> str:
        return self.problems[0]


def check_char(first17: str) -> str:
    """The MOD 11-2 check character of 17 digits."""
    total = 0
    for digit, weight in zip(first17, WEIGHTS, strict=True):
        total += (ord(digit) - 48) * weight
    return CHECK_CHARS[total % 11]


def region_ok(code: str) -> bool:
    """Province-level code plus structure (see the module docstring); ``code`` is 6 digits."""
    if code[0] == "8":
        return code in PERMIT_REGIONS
    return code[:2] in MAINLAND_PROVINCES and code[2:4] != "00"


def _birth(text: str, on: date | None) -> tuple[date | None, bool]:
    """(the date when the 8 digits are a real date, whether it is inside [1900-01-01, on])."""
    try:
        born = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None, False
    return born, born >= EARLIEST_BIRTH and (on is None or born <= on)


def parse_resident_id(text: str, on: date | None = None) -> ResidentId | IdProblem:
    """Validate an 18-character resident ID as of ``on`` (the application date; no future birth dates).

    Surrounding spaces are ignored and a lower-case x is accepted. When the format is wrong nothing else
    can be read, so the only problem is ID_FORMAT; otherwise region, birth date and check character are each
    checked and every failure is listed."""
    number = text.strip().upper()
    if len(number) != 18 or not _DIGITS.issuperset(number[:17]) or not (number[17] in _DIGITS or number[17] == "X"):
        return IdProblem((ID_FORMAT,), None)
    problems: list[str] = []
    if not region_ok(number[:6]):
        problems.append(ID_REGION)
    born, born_ok = _birth(number[6:14], on)
    if not born_ok:
        problems.append(ID_BIRTH_DATE)
    if check_char(number[:17]) != number[17]:
        problems.append(ID_CHECK_DIGIT)
    if problems or born is None:  # born is None only with ID_BIRTH_DATE listed
        return IdProblem(tuple(problems), born)
    return ResidentId(number[:6], born, number)


def make_resident_id(region: str, birth: date, seq: int) -> str:
    """A valid number for tests and the simulator: ``region`` (6 digits), ``birth``, ``seq`` 0..999."""
    if len(region) != 6 or not _DIGITS.issuperset(region):
        raise ValueError("region must be 6 digits")
    if not 0 <= seq <= 999:
        raise ValueError("seq must be 0..999")
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    if len(first17) != 17:
        raise ValueError("birth year must have 4 digits")
    return first17 + check_char(first17)
