"""PRC resident identity numbers (GB 11643-1999): the published example, region rules, birth dates, problems."""

from __future__ import annotations

from datetime import date

import pytest

from creditloop.strategy.idcard import (
    WEIGHTS,
    IdProblem,
    ResidentId,
    check_char,
    make_resident_id,
    parse_resident_id,
    region_ok,
)


def test_the_published_example_validates() -> None:
    # GB 11643-1999 Appendix A: 11010519491231002X (Beijing Chaoyang, born 1949-12-31)
    parsed = parse_resident_id("11010519491231002X")
    assert parsed == ResidentId("110105", date(1949, 12, 31), "11010519491231002X")
    assert check_char("11010519491231002") == "X"
    assert WEIGHTS == (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    assert parse_resident_id("11010519491231002x") == parsed  # lower-case x accepted
    assert "11010519491231002X" not in repr(parsed)  # the number itself stays out of logs


@pytest.mark.parametrize(
    "text",
    ["", "11010519491231002", "110105194912310021X", "1101051949123100XX", "A1010519491231002X", "110105491231002"],
)
def test_format_problems(text: str) -> None:
    assert parse_resident_id(text) == IdProblem(("ID_FORMAT",), None)


@pytest.mark.parametrize(
    ("region", "ok"),
    [
        ("110105", True),  # Beijing Chaoyang
        ("441900", True),  # Dongguan: a prefecture-level city without counties ends in 00
        ("429004", True),  # Xiantao: a provincial-directly-administered county (prefecture 90)
        ("650102", True),
        ("710000", False),  # Taiwan province: 71 is a province code but prefecture 00 is not a place
        ("810000", True),  # Hong Kong residents' residence permit
        ("820000", True),
        ("830000", True),  # Taiwan residents' residence permit
        ("810100", False),
        ("911840", False),  # 9 is no province (a foreigner's permanent residence card is not a resident ID)
        ("932872", False),  # an invented region the independent files use: 9 then a real province code
        ("999840", False),
        ("840000", False),  # 84 is no province, and only the three permit codes pass under 8
        ("720101", False),  # between Taiwan (71) and Hong Kong (81)
        ("160101", False),
        ("200101", False),
        ("470101", False),
        ("110005", False),  # prefecture 00
        ("000000", False),
    ],
)
def test_region_rules(region: str, ok: bool) -> None:
    assert region_ok(region) is ok
    parsed = parse_resident_id(make_resident_id(region, date(1990, 1, 1), 7))
    assert isinstance(parsed, ResidentId) is ok
    if not ok:
        assert parsed == IdProblem(("ID_REGION",), date(1990, 1, 1))


def test_birth_date_rules() -> None:
    assert parse_resident_id("11010519490231002X") == IdProblem(("ID_BIRTH_DATE", "ID_CHECK_DIGIT"), None)
    old = make_resident_id("110105", date(1899, 12, 31), 1)
    assert parse_resident_id(old) == IdProblem(("ID_BIRTH_DATE",), date(1899, 12, 31))
    assert isinstance(parse_resident_id(make_resident_id("110105", date(1900, 1, 1), 1)), ResidentId)
    leap = make_resident_id("110105", date(2000, 2, 29), 1)
    assert isinstance(parse_resident_id(leap), ResidentId)
    today = make_resident_id("110105", date(2026, 3, 1), 1)
    assert isinstance(parse_resident_id(today, date(2026, 3, 1)), ResidentId)
    assert parse_resident_id(today, date(2026, 2, 28)) == IdProblem(("ID_BIRTH_DATE",), date(2026, 3, 1))


def test_every_problem_is_listed_in_check_order() -> None:
    bad = "99010519491231002" + "0"
    assert parse_resident_id(bad, date(2026, 1, 1)).code == "ID_REGION"  # type: ignore[union-attr]
    assert parse_resident_id("990105" + "19491331" + "0021") == IdProblem(
        ("ID_REGION", "ID_BIRTH_DATE", "ID_CHECK_DIGIT"), None
    )


def test_make_resident_id_refuses_bad_parts() -> None:
    with pytest.raises(ValueError, match="region"):
        make_resident_id("11010", date(1990, 1, 1), 1)
    with pytest.raises(ValueError, match="seq"):
        make_resident_id("110105", date(1990, 1, 1), 1000)
