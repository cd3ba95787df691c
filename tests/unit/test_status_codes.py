"""The full PBoC status-code set, M-buckets, card classes and Metro 2 codes against delinquency_codes.json."""

from __future__ import annotations

import re

import pytest
from vector_files import load_vectors

from creditloop.core.errors import ValidationError
from creditloop.reporting import (
    CARD_CLASSES,
    PBOC_CODES,
    Ending,
    MonthFacts,
    card_class,
    m_bucket,
    metro2_account_status,
    metro2_rating,
    monthly_status,
    pboc_status,
)


def edges(dpd_range: str) -> list[int]:
    if m := re.fullmatch(r">=(\d+)", dpd_range):
        return [int(m.group(1)), int(m.group(1)) + 1, int(m.group(1)) + 500]
    if m := re.fullmatch(r"(\d+)-(\d+)", dpd_range):
        return [int(m.group(1)), int(m.group(2))]
    return [int(dpd_range)]


def test_every_china_row_bucket_code_and_card_class() -> None:
    rows = load_vectors("delinquency_codes.json")["china"]
    checked = 0
    for row in rows:
        for dpd in edges(row["dpd"]):
            assert m_bucket(dpd) == row["m_bucket"], (row, dpd)
            assert card_class(dpd) == row["card_class"], (row, dpd)
            facts = MonthFacts(dpd=dpd, max_dpd_in_month=dpd, due_in_month_minor=100_00, balance_minor=500_00)
            assert pboc_status(facts) == row["pboc_status"], (row, dpd)
            checked += 1
    assert checked == 16
    assert set(CARD_CLASSES) == {r["card_class"] for r in rows}


def test_every_other_code_has_its_meaning_and_a_rule_that_produces_it() -> None:
    other = load_vectors("delinquency_codes.json")["pboc_other_status_codes"]
    for code, meaning in other.items():
        assert PBOC_CODES[code][0] == meaning
    produced = {
        "C": MonthFacts(ended=Ending.SETTLED),
        "G": MonthFacts(ended=Ending.OTHER),
        "D": MonthFacts(ended=Ending.GUARANTOR),
        "Z": MonthFacts(ended=Ending.ASSETS),
        "B": MonthFacts(dpd=200, max_dpd_in_month=200, balance_minor=800_00, charged_off=True),
        "M": MonthFacts(max_dpd_in_month=5, due_in_month_minor=100_00, balance_minor=300_00),
        "*": MonthFacts(balance_minor=300_00),
        "#": MonthFacts(known=False),
        "/": MonthFacts(opened=False),
    }
    assert set(produced) == set(other)
    for code, facts in produced.items():
        assert pboc_status(facts) == code, code


def test_charge_off_reports_bad_debt_not_seven_and_recovery_reports_settled_not_normal() -> None:
    owed = MonthFacts(dpd=181, max_dpd_in_month=181, balance_minor=1_000_00, charged_off=True)
    assert pboc_status(owed) == "B"
    assert pboc_status(MonthFacts(charged_off=True)) == "C"  # recovered in full, not yet marked ended
    assert pboc_status(MonthFacts(charged_off=True, ended=Ending.OTHER)) == "G"  # settled for less
    assert monthly_status(477, 1_000_00, closed=False, charged_off=True) == "B"
    assert monthly_status(0, 0, closed=False, charged_off=True) == "C"
    assert monthly_status(181, 1_000_00, closed=False) == "7"  # not charged off yet (e.g. a closed-end grace)


def test_month_end_rules_in_order() -> None:
    assert pboc_status(MonthFacts(due_in_month_minor=100_00, balance_minor=300_00)) == "N"
    assert pboc_status(MonthFacts()) == "*"  # open, nothing due
    # overdue in the month, paid before month end -> M; still overdue at month end -> the DPD code
    assert pboc_status(MonthFacts(max_dpd_in_month=12, due_in_month_minor=1, balance_minor=1)) == "M"
    assert pboc_status(MonthFacts(dpd=12, max_dpd_in_month=12, due_in_month_minor=1, balance_minor=1)) == "1"
    # not opened and unknown win over everything else
    assert pboc_status(MonthFacts(opened=False, known=False)) == "/"
    assert pboc_status(MonthFacts(known=False, dpd=40, max_dpd_in_month=40, balance_minor=5)) == "#"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"dpd": -1}, "dpd"),
        ({"dpd": 5, "max_dpd_in_month": 5}, "dpd"),  # past due with nothing owed
        ({"dpd": 5, "max_dpd_in_month": 3, "balance_minor": 1}, "max_dpd_in_month"),
        ({"ended": Ending.SETTLED, "balance_minor": 1}, "balance_minor"),
        ({"due_in_month_minor": True}, "due_in_month_minor"),
    ],
)
def test_impossible_month_facts_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        MonthFacts(**kwargs)  # type: ignore[arg-type]
    assert exc.value.field == field


def test_metro2_rating_and_account_status() -> None:
    rows = load_vectors("delinquency_codes.json")["us_metro2_payment_rating"]
    for row in rows:
        if "dpd" in row:
            for dpd in edges(row["dpd"]):
                assert metro2_rating(dpd) == row["code"], (row, dpd)
    meanings = {r["code"]: r["meaning"] for r in rows if "meaning" in r}
    assert meanings == {"G": "collection", "L": "charge-off"}
    assert metro2_rating(400, charged_off=True) == "L"
    assert metro2_rating(45, in_collection=True) == "G"
    statuses = [metro2_account_status(d, 100) for d in (0, 29, 30, 59, 60, 90, 120, 150, 179, 180, 999)]
    assert statuses == ["11", "11", "71", "71", "78", "80", "82", "83", "83", "84", "84"]
    assert metro2_account_status(200, 100, charged_off=True) == "97"
    assert metro2_account_status(0, 0, charged_off=True) == "64"  # paid in full, was a charge-off
    assert metro2_account_status(0, 0, closed=True) == "13"
