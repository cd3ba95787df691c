"""Property tests for the parsers every command shares (issue 11, item 8): amounts in ASCII digits only and
exact to the fen, dates exactly YYYY-MM-DD within the supported range."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st

from creditloop.core.errors import ValidationError
from creditloop.core.money import MAX_MINOR, format_major, parse_major
from creditloop.entrypoints.cli.main import EARLIEST_DAY, LATEST_DAY, parse_day

NON_ASCII_DIGITS = st.characters(categories=["Nd"]).filter(lambda ch: not "0" <= ch <= "9")


@given(st.integers(-MAX_MINOR, MAX_MINOR))
def test_amounts_round_trip_exactly(minor: int) -> None:
    assert parse_major(format_major(minor)) == minor


@given(st.integers(0, MAX_MINOR), NON_ASCII_DIGITS, st.data())
def test_a_non_ascii_digit_anywhere_is_refused(minor: int, digit: str, data: st.DataObject) -> None:
    text = format_major(minor)
    at = data.draw(st.integers(0, len(text)))
    with pytest.raises(ValidationError, match="plain decimal number"):
        parse_major(text[:at] + digit + text[at:], field="--amount")


@given(NON_ASCII_DIGITS, NON_ASCII_DIGITS)
def test_numbers_written_only_in_other_scripts_are_refused(a: str, b: str) -> None:
    assert unicodedata.digit(a) is not None
    with pytest.raises(ValidationError):
        parse_major(f"{a}{b}.{a}{b}")


@given(st.dates(EARLIEST_DAY, LATEST_DAY))
def test_every_supported_date_parses_back(day: date) -> None:
    assert parse_day(day.isoformat(), "--on") == day


@settings(deadline=None)  # the first example pays the CLI's lazy imports (0.6 s on a loaded machine)
@given(st.dates())
def test_compact_week_and_out_of_range_forms_are_refused(day: date) -> None:
    forms = [day.strftime("%Y%m%d"), "{}-W{:02d}-{}".format(*day.isocalendar())]
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        forms.append(day.isoformat())
    for text in forms:
        with pytest.raises(typer.Exit) as exit_:
            parse_day(text, "--on")
        assert exit_.value.exit_code == 2
