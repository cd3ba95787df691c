"""The one policy-document loader (``core.documents``): every policy kind goes through it, the packaged
documents load to the same objects as before, and a bad file is refused naming the file, the field and the rule."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from creditloop.collections.hardship import HardshipPolicy, default_hardship_policy, load_hardship_policy
from creditloop.core.documents import Schema, Spec, load_document, read_document
from creditloop.core.errors import ValidationError
from creditloop.monitoring.ewi import PaymentRatioRule, default_rule, load_rule
from creditloop.strategy.origination import OriginationPolicy, default_policy, load_policy, packaged_policy

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "creditloop"


def test_packaged_documents_load_to_the_same_objects_as_before() -> None:
    """The objects the three copied loaders built from the shipped files, written out field by field."""
    assert default_hardship_policy() == HardshipPolicy(
        policy_id="hardship_term_extension",
        version="1",
        min_dpd=1,
        max_dpd=90,
        allowed_periods=(6, 12, 18, 24),
        affordability_bps=3000,
        waive_penalty=True,
        new_fee_bps_per_month=0,
    )
    assert default_rule() == PaymentRatioRule(
        rule_id="EWI_PAYMENT_RATIO_DROP",
        version="1",
        recent_cycles=2,
        base_cycles=3,
        min_base_ratio=Decimal("0.9"),
        max_recent_ratio=Decimal("0.5"),
    )
    assert default_policy() == OriginationPolicy(
        policy_id="origination",
        version="1",
        min_age=18,
        max_age=60,
        min_monthly_income_minor=200_000,
        max_debt_to_income_bps=5000,
        max_lenders=5,
        limit_income_multiple=Decimal("1.5"),
        min_limit_minor=50_000,
        max_limit_minor=5_000_000,
        limit_step_minor=10_000,
    )
    assert packaged_policy("origination_strict_v1") == OriginationPolicy(
        policy_id="origination-strict",
        version="1",
        min_age=20,
        max_age=55,
        min_monthly_income_minor=300_000,
        max_debt_to_income_bps=3500,
        max_lenders=3,
        limit_income_multiple=Decimal("1.2"),
        min_limit_minor=50_000,
        max_limit_minor=3_000_000,
        limit_step_minor=10_000,
    )


@pytest.mark.parametrize(
    ("loader", "shipped"),
    [
        (load_hardship_policy, "collections/policies/hardship_v1.json"),
        (load_rule, "monitoring/rules/payment_ratio_v1.json"),
        (load_policy, "strategy/policies/origination_v1.json"),
        (load_policy, "strategy/policies/origination_strict_v1.json"),
    ],
)
def test_a_file_loads_like_its_decoded_dict(loader: Any, shipped: str) -> None:
    path = PACKAGE / shipped
    loaded = loader(path)
    assert loaded == type(loaded).from_dict(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("loader", "shipped", "change", "field", "rule"),
    [
        (load_hardship_policy, "collections/policies/hardship_v1.json", {"max_dpd": 0}, "max_dpd", "must be >= 1"),
        (load_hardship_policy, "collections/policies/hardship_v1.json", {"allowed_periods": [6, 72]},
         "allowed_periods", "must be <= 60"),
        (load_rule, "monitoring/rules/payment_ratio_v1.json", {"min_base_ratio": 0.9}, "min_base_ratio",
         "decimal string"),
        (load_rule, "monitoring/rules/payment_ratio_v1.json", {"max_recent_ratio": "0.95"}, "max_recent_ratio",
         "below min_base_ratio"),
        (load_policy, "strategy/policies/origination_v1.json", {"min_limit_minor": 50_050}, "min_limit_minor",
         "multiple of limit_step_minor"),
        (load_policy, "strategy/policies/origination_v1.json", {"max_lender": 5}, "max_lender", "unknown field"),
    ],
)  # fmt: skip
def test_a_bad_file_names_the_file_the_field_and_the_rule(
    tmp_path: Path, loader: Any, shipped: str, change: dict[str, Any], field: str, rule: str
) -> None:
    doc = {**json.loads((PACKAGE / shipped).read_text(encoding="utf-8")), **change}
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        loader(path)
    assert exc.value.field == field
    assert str(path) in exc.value.message and field in exc.value.message and rule in exc.value.message


def test_unreadable_and_invalid_files_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    for loader in (load_hardship_policy, load_rule, load_policy):
        with pytest.raises(ValidationError, match="not valid JSON") as exc:
            loader(bad)
        assert str(bad) in exc.value.message and exc.value.field == "<document>"
    with pytest.raises(ValidationError, match="cannot be read") as exc:
        load_policy(tmp_path / "missing.json")
    assert "missing.json" in exc.value.message


def test_a_schema_checks_kinds_bounds_defaults_and_field_references() -> None:
    schema: Schema[dict[str, Any]] = Schema(
        "test document",
        (
            Spec("low", "int", lo=0),
            Spec("high", "int", lo="low", default=100),
            Spec("rate", "decimal", lo=Decimal(0), hi=Decimal(1)),
            Spec("on", "bool"),
            Spec("terms", "int_set", lo=1, hi=12),
            Spec("name", "str"),
        ),
        build=dict,
    )
    doc = {"low": 5, "rate": "0.25", "on": False, "terms": [12, 3], "name": "x", "description": 7}
    assert read_document(doc, schema) == {
        "low": 5, "high": 100, "rate": Decimal("0.25"), "on": False, "terms": (3, 12), "name": "x",
    }  # fmt: skip
    for change, field in (
        ({"high": 4}, "high"),  # below the field it refers to
        ({"rate": "1.5"}, "rate"),
        ({"on": 1}, "on"),
        ({"terms": [3, 13]}, "terms"),
        ({"name": " "}, "name"),
        ({"extra": 1}, "extra"),
    ):
        with pytest.raises(ValidationError) as exc:
            read_document({**doc, **change}, schema)
        assert exc.value.field == field
    with pytest.raises(ValidationError) as exc:
        read_document({k: v for k, v in doc.items() if k != "rate"}, schema)
    assert exc.value.field == "rate" and "missing field rate" in exc.value.message


def test_a_file_error_reads_kind_file_and_rule(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"policy_id": "x"}), encoding="utf-8")
    schema: Schema[dict[str, Any]] = Schema("probe", (Spec("policy_id", "str"), Spec("version", "str")), build=dict)
    with pytest.raises(ValidationError) as exc:
        load_document(path, schema)
    assert exc.value.message == f"probe file {path}: missing field version" and exc.value.field == "version"
