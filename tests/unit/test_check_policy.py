"""The check policy and the income table load through the one document loader and refuse bad documents naming
the field: an unknown field, a minimum age below 18, a bad outcome name, a missing check code."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from creditloop.core.documents import Schema, Spec, read_document
from creditloop.core.errors import ValidationError
from creditloop.strategy.check_codes import CHECK_CODES, Outcome
from creditloop.strategy.check_policy import (
    CheckPolicy,
    default_check_policy,
    load_check_policy,
    load_income_table,
    packaged_check_policy,
    packaged_income_table,
)


def packaged(name: str) -> dict[str, Any]:
    text = resources.files("creditloop.strategy").joinpath(f"policies/{name}.json").read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


def refused(doc: dict[str, Any]) -> ValidationError:
    with pytest.raises(ValidationError) as err:
        CheckPolicy.from_dict(doc)
    return err.value


def test_the_packaged_policy_loads_with_its_thresholds() -> None:
    p = default_check_policy()
    assert (p.policy_id, p.version, p.min_age, p.max_age) == ("checks", "1", 18, 60)
    assert set(p.outcomes) == set(CHECK_CODES)
    assert p.outcomes["ID_CHECK_DIGIT"] is Outcome.DECLINE and p.outcomes["PHONE_FORMAT"] is Outcome.REFER
    assert p.velocity_windows_days == (1, 30)
    assert p.velocity_max["device"] == ((1, 3), (30, 8))
    assert p.income_unverified_bps == 15_000 and p.employer_outlier_bps == 30_000
    # technology tier 1: 12,000 yuan x 1.40 = 16,800 yuan; x4 = 67,200; x2.5 = 42,000 (in fen)
    assert p.income_bound("technology", 1) == (1_680_000, 6_720_000, 4_200_000)
    assert p.income_bound("no such sector", 4) == p.income_bound("other", 4)
    assert packaged_check_policy("checks_v1") is p  # loaded once


def test_the_income_table_covers_the_simulator_and_common_sectors() -> None:
    table = packaged_income_table("income_ranges_v1")
    for sector in [
        "manufacturing",
        "retail_hospitality",
        "services",
        "technology",
        "public_sector",
        "self_employed",
        "finance",
        "education",
        "construction",
        "healthcare",
        "logistics",
        "agriculture",
        "student",
        "unemployed",
        "retired",
        "other",
    ]:
        assert table.median_monthly_yuan[sector] > 0
    assert table.sector("Public Sector") == "public_sector"
    assert table.sector("self-employed") == "self_employed"
    assert table.sector("学生") == "student"
    assert table.median_minor("student", 1) == 280_000


def test_an_unknown_field_is_named() -> None:
    err = refused({**packaged("checks_v1"), "min_agee": 18})
    assert err.field == "min_agee" and "unknown field" in err.message


def test_a_minimum_age_below_18_is_refused() -> None:
    err = refused({**packaged("checks_v1"), "min_age": 17})
    assert err.field == "min_age" and ">= 18" in err.message


def test_a_bad_outcome_name_is_named() -> None:
    doc = packaged("checks_v1")
    doc["outcomes"] = {**doc["outcomes"], "PHONE_FORMAT": "reject"}
    err = refused(doc)
    assert err.field == "outcomes.PHONE_FORMAT" and "pass, refer or decline" in err.message


def test_a_missing_or_unknown_check_code_is_named() -> None:
    doc = packaged("checks_v1")
    outcomes = dict(doc["outcomes"])
    del outcomes["ID_REGION"]
    assert refused({**doc, "outcomes": outcomes}).field == "outcomes.ID_REGION"
    assert refused({**doc, "outcomes": {**doc["outcomes"], "ID_REGIONN": "pass"}}).field == "outcomes.ID_REGIONN"


def test_minors_are_always_declined() -> None:
    doc = packaged("checks_v1")
    err = refused({**doc, "outcomes": {**doc["outcomes"], "AGE_BELOW_MIN": "refer"}})
    assert err.field == "outcomes"


def test_velocity_maxima_need_one_entry_per_window() -> None:
    doc = packaged("checks_v1")
    err = refused({**doc, "velocity_max_phone": {"1": 2}})
    assert err.field == "velocity_max_phone"
    err = refused({**doc, "velocity_max_phone": {"1": 2, "30": -1}})
    assert err.field == "velocity_max_phone.30"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("income_high_multiple", 4.0),  # a JSON float is not exact
        ("income_high_multiple", "0.5"),
        ("max_age", 17),
        ("reuse_min_identities_phone", 0),
        ("income_ranges", "income_ranges_v9"),
    ],
)
def test_bad_values_are_named(field: str, value: object) -> None:
    assert refused({**packaged("checks_v1"), field: value}).field == field


def test_a_policy_file_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({**packaged("checks_v1"), "min_age": 16}), encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        load_check_policy(path)
    assert err.value.field == "min_age" and "mine.json" in err.value.message
    path.write_text(json.dumps(packaged("checks_v1")), encoding="utf-8")
    assert load_check_policy(path) == default_check_policy()


def test_income_table_errors_are_named(tmp_path: Path) -> None:
    doc = packaged("income_ranges_v1")
    path = tmp_path / "t.json"
    for change, field in (
        ({"tier_factor": {"1": "1.4", "2": "1.1", "3": "1"}}, "tier_factor"),
        ({"median_monthly_yuan": {"technology": 12000}}, "median_monthly_yuan"),
        ({"aliases": {"it": "tech_sector"}}, "aliases.it"),
        ({"median_monthly_yuan": {**doc["median_monthly_yuan"], "student": -1}}, "median_monthly_yuan.student"),
    ):
        path.write_text(json.dumps({**doc, **change}), encoding="utf-8")
        with pytest.raises(ValidationError) as err:
            load_income_table(path)
        assert err.value.field == field, change


def test_map_kinds_of_the_document_loader() -> None:
    schema = Schema(
        "demo",
        (Spec("names", "str_map"), Spec("counts", "int_map", lo=0), Spec("rates", "decimal_map", hi=Decimal(1))),
        build=lambda values: values,
    )
    good = {"names": {"a": "x"}, "counts": {"a": 1}, "rates": {"a": "0.5"}}
    assert read_document(good, schema) == {"names": {"a": "x"}, "counts": {"a": 1}, "rates": {"a": Decimal("0.5")}}
    for bad, field in (
        ({**good, "names": {}}, "names"),
        ({**good, "names": ["a"]}, "names"),
        ({**good, "names": {"a": ""}}, "names.a"),
        ({**good, "counts": {"a": -1}}, "counts.a"),
        ({**good, "rates": {"a": 0.5}}, "rates.a"),
        ({**good, "rates": {"b": "2"}}, "rates.b"),
    ):
        with pytest.raises(ValidationError) as err:
            read_document(bad, schema)
        assert err.value.field == field
