from decimal import Decimal

import pytest

from creditloop.core.errors import ValidationError
from creditloop.core.money import Rounding, allocate, format_major, parse_major, round_minor, split_evenly


@pytest.mark.parametrize(
    ("value", "mode", "expected"),
    [
        ("2.5", Rounding.HALF_UP, 3),
        ("2.5", Rounding.HALF_EVEN, 2),
        ("-2.5", Rounding.HALF_UP, -3),
        ("2.99", Rounding.DOWN, 2),
        ("2.01", Rounding.UP, 3),
        ("600.0", Rounding.HALF_UP, 600),
    ],
)
def test_round_minor_modes(value: str, mode: Rounding, expected: int) -> None:
    assert round_minor(Decimal(value), mode) == expected


def test_allocate_largest_remainder_sums_exactly() -> None:
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(1000, [50, 30, 20]) == [500, 300, 200]
    assert allocate(-100, [1, 1, 1]) == [-34, -33, -33]
    assert allocate(5, [0, 1]) == [0, 5]
    # ties go to the earliest part, so the split is deterministic
    assert allocate(2, [1, 1, 1]) == [1, 1, 0]


def test_allocate_rejects_bad_weights() -> None:
    with pytest.raises(ValidationError) as e:
        allocate(10, [])
    assert e.value.field == "weights"
    with pytest.raises(ValidationError):
        allocate(10, [0, 0])
    with pytest.raises(ValidationError):
        allocate(10, [1, -1])


def test_split_evenly() -> None:
    assert split_evenly(100000, 3) == [33334, 33333, 33333]
    assert sum(split_evenly(7, 4)) == 7


def test_parse_and_format_major() -> None:
    assert parse_major("5000.00") == 500000
    assert parse_major("0.01") == 1
    assert parse_major("12") == 1200
    assert format_major(123456) == "1234.56"
    assert format_major(-5) == "-0.05"
    with pytest.raises(ValidationError, match="more than two decimal places"):
        parse_major("1.001")
    with pytest.raises(ValidationError, match="decimal number") as e:
        parse_major("abc", field="amount")
    assert e.value.field == "amount"
    with pytest.raises(ValidationError):
        parse_major("NaN")
