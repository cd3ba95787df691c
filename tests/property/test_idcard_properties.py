"""Hypothesis: every number ``make_resident_id`` builds validates, and the MOD 11-2 check character catches every
single-character change and every swap of two different adjacent digits (11 is prime; no weight is 0 mod 11)."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from creditloop.strategy.idcard import (
    MAINLAND_PROVINCES,
    IdProblem,
    ResidentId,
    make_resident_id,
    parse_resident_id,
)

regions = st.builds(
    lambda province, prefecture, county: f"{province}{prefecture:02d}{county:02d}",
    st.sampled_from(sorted(MAINLAND_PROVINCES)),
    st.integers(1, 99),
    st.integers(0, 99),
)
births = st.dates(date(1900, 1, 1), date(2026, 12, 31))
seqs = st.integers(0, 999)


@given(regions, births, seqs)
def test_every_made_id_validates(region: str, born: date, seq: int) -> None:
    number = make_resident_id(region, born, seq)
    assert parse_resident_id(number, date(2026, 12, 31)) == ResidentId(region, born, number)
    assert parse_resident_id(number.lower(), date(2026, 12, 31)) == ResidentId(region, born, number)


@given(regions, births, seqs, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_character_change_is_caught(region: str, born: date, seq: int, pos: int, new: str) -> None:
    number = make_resident_id(region, born, seq)
    if pos < 17 and new == "X":
        new = "0"
    if number[pos] == new:
        return
    changed = number[:pos] + new + number[pos + 1 :]
    parsed = parse_resident_id(changed)
    assert isinstance(parsed, IdProblem)
    # whatever else the change broke, the check character no longer matches
    assert "ID_CHECK_DIGIT" in parsed.problems


@given(regions, births, seqs, st.integers(0, 15))
def test_adjacent_swaps_are_caught(region: str, born: date, seq: int, pos: int) -> None:
    number = make_resident_id(region, born, seq)
    if number[pos] == number[pos + 1]:
        return
    swapped = number[:pos] + number[pos + 1] + number[pos] + number[pos + 2 :]
    parsed = parse_resident_id(swapped)
    assert isinstance(parsed, IdProblem) and "ID_CHECK_DIGIT" in parsed.problems
