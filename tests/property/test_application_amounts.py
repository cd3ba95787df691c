"""Hypothesis: the application schema reads yuan as exact fen. Any amount with at most two decimals round-trips
exactly; three decimals, negative amounts and binary floats are refused naming the field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError as PydanticError

from creditloop.strategy.application import MAX_AMOUNT_MINOR, ApplicationForm

ROW: dict[str, Any] = {
    "application_id": "APP-1",
    "applied_at": "2026-03-01T10:15:00+08:00",
    "channel": "app",
    "name": "李四",
    "id_number": "11010519491231002X",
    "birth_date": "1949-12-31",
    "phone": "13800138000",
    "device_id": "d",
    "city": "Beijing",
    "city_tier": 1,
    "employer": "Acme",
    "sector": "services",
    "monthly_income": "8000",
    "monthly_debt_payments": "0",
    "other_lenders": 0,
    "requested_limit": "1000",
    "consent_bureau": True,
    "consent_sharing": False,
}
FIELDS = st.sampled_from(["monthly_income", "monthly_debt_payments", "requested_limit", "verified_income"])


def yuan_text(fen: int, decimals: int) -> str:
    whole, part = divmod(fen, 100)
    if decimals == 0:
        return str(whole)
    if decimals == 1:
        return f"{whole}.{part // 10}"
    return f"{whole}.{part:02d}"


@given(FIELDS, st.integers(0, MAX_AMOUNT_MINOR), st.integers(0, 2), st.booleans())
def test_two_decimals_round_trip_exactly(field: str, fen: int, decimals: int, pad: bool) -> None:
    if decimals == 0:
        fen -= fen % 100
    elif decimals == 1:
        fen -= fen % 10
    text = yuan_text(fen, decimals)
    form = ApplicationForm(**{**ROW, field: f" {text} " if pad else text})
    assert getattr(form, field) == fen
    assert Decimal(text) * 100 == fen


@given(FIELDS, st.integers(0, 10**9), st.integers(1, 9))
def test_three_decimals_are_refused(field: str, fen: int, thousandth: int) -> None:
    text = f"{yuan_text(fen, 2)}{thousandth}"
    with pytest.raises(PydanticError) as err:
        ApplicationForm(**{**ROW, field: text})
    assert err.value.errors()[0]["loc"] == (field,)
    assert "more than two decimals" in err.value.errors()[0]["msg"]


@given(FIELDS, st.integers(1, 10**9))
def test_negative_amounts_are_refused(field: str, fen: int) -> None:
    with pytest.raises(PydanticError) as err:
        ApplicationForm(**{**ROW, field: "-" + yuan_text(fen, 2)})
    assert err.value.errors()[0]["loc"] == (field,) and "negative" in err.value.errors()[0]["msg"]


@given(FIELDS, st.floats(min_value=0, max_value=1e9, allow_nan=False))
def test_floats_are_read_as_their_shortest_text_or_refused(field: str, value: float) -> None:
    """A JSON number is read as the text it was written as (its shortest repr): kept when that is a whole number
    of fen, refused when it has more decimals; never rounded."""
    text = repr(value)
    exact = Decimal(text) * 100
    if exact == exact.to_integral_value() and exact <= MAX_AMOUNT_MINOR:
        assert getattr(ApplicationForm(**{**ROW, field: value}), field) == int(exact)
    else:
        with pytest.raises(PydanticError) as err:
            ApplicationForm(**{**ROW, field: value})
        assert err.value.errors()[0]["loc"] == (field,)


@given(FIELDS, st.integers(MAX_AMOUNT_MINOR // 100 + 1, 10**12))
def test_amounts_above_the_ledger_bound_are_refused(field: str, whole: int) -> None:
    with pytest.raises(PydanticError):
        ApplicationForm(**{**ROW, field: str(whole)})
