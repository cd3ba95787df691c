from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from creditloop.core.errors import ValidationError
from creditloop.strategy import (
    Applicant,
    OriginationPolicy,
    ReasonCode,
    decide,
    default_policy,
    inputs_hash,
    load_policy,
    reason_text,
)

POLICY = default_policy()


def applicant(**overrides: Any) -> Applicant:
    base: dict[str, Any] = {
        "application_id": "app-1",
        "age": 30,
        "monthly_income_minor": 1_000_000,  # 10,000 yuan
        "monthly_debt_payments_minor": 100_000,  # 1,000 yuan
        "lenders_count": 1,
    }
    base.update(overrides)
    return Applicant(**base)


def policy_doc(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(
        (Path(__file__).resolve().parents[2] / "src/creditloop/strategy/policies/origination_v1.json").read_text()
    )
    doc.update(overrides)
    return doc


def test_default_policy_values() -> None:
    assert POLICY.policy_id == "origination"
    assert POLICY.version == "1"
    assert (POLICY.min_age, POLICY.max_age) == (18, 60)
    assert POLICY.min_monthly_income_minor == 200_000
    assert POLICY.max_debt_to_income_bps == 5000
    assert POLICY.max_lenders == 5
    assert POLICY.limit_income_multiple == Decimal("1.5")
    assert (POLICY.min_limit_minor, POLICY.max_limit_minor) == (50_000, 5_000_000)


def test_approval_assigns_limit_floored_to_100_yuan() -> None:
    # disposable 10,000 - 1,234.56 = 8,765.44 yuan; x1.5 = 13,148.16 -> 13,100 yuan
    d = decide(applicant(monthly_debt_payments_minor=123_456), POLICY)
    assert d.approved
    assert d.reasons == ()
    assert d.limit_minor == 1_310_000
    assert (d.policy_id, d.policy_version, d.application_id) == ("origination", "1", "app-1")
    assert [t.rule_id for t in d.trace] == [
        "DATA_CONSISTENCY",
        "AGE_MIN",
        "AGE_MAX",
        "INCOME_MIN",
        "DEBT_TO_INCOME_MAX",
        "LENDERS_MAX",
        "LIMIT_MIN",
    ]
    assert all(t.passed for t in d.trace)
    limit_trace = d.trace[-1]
    assert (limit_trace.observed, limit_trace.threshold) == ("1310000", ">=50000")


def test_limit_capped_at_max() -> None:
    d = decide(applicant(monthly_income_minor=10_000_000, monthly_debt_payments_minor=0, lenders_count=0), POLICY)
    assert d.approved
    assert d.limit_minor == 5_000_000


@pytest.mark.parametrize(
    ("age", "approved", "reason"),
    [(17, False, ReasonCode.AGE_BELOW_MIN), (18, True, None), (60, True, None), (61, False, ReasonCode.AGE_ABOVE_MAX)],
)
def test_age_edges(age: int, approved: bool, reason: ReasonCode | None) -> None:
    d = decide(applicant(age=age), POLICY)
    assert d.approved is approved
    assert d.reasons == (() if reason is None else (reason,))
    assert d.limit_minor == (0 if reason else 1_350_000)


def test_income_edge() -> None:
    assert decide(
        applicant(monthly_income_minor=200_000, monthly_debt_payments_minor=0, lenders_count=0), POLICY
    ).approved
    d = decide(applicant(monthly_income_minor=199_999, monthly_debt_payments_minor=0, lenders_count=0), POLICY)
    assert not d.approved
    assert d.reasons == (ReasonCode.INCOME_BELOW_MIN,)


def test_dti_edge_is_inclusive() -> None:
    assert decide(applicant(monthly_debt_payments_minor=500_000), POLICY).approved  # exactly 50 %
    d = decide(applicant(monthly_debt_payments_minor=500_001), POLICY)
    assert d.reasons == (ReasonCode.DEBT_TO_INCOME_HIGH,)
    dti = next(t for t in d.trace if t.rule_id == "DEBT_TO_INCOME_MAX")
    assert (dti.passed, dti.observed, dti.threshold) == (False, "5000bps", "<=5000bps")


def test_lenders_edge() -> None:
    assert decide(applicant(lenders_count=5), POLICY).approved
    assert decide(applicant(lenders_count=6), POLICY).reasons == (ReasonCode.TOO_MANY_LENDERS,)


def test_inconsistent_data_debt_without_lenders() -> None:
    d = decide(applicant(lenders_count=0), POLICY)
    assert not d.approved
    assert d.reasons == (ReasonCode.INCONSISTENT_DATA,)


def test_collect_hit_policy_lists_every_failure_in_rule_order_once() -> None:
    d = decide(
        applicant(age=70, monthly_income_minor=150_000, monthly_debt_payments_minor=120_000, lenders_count=9), POLICY
    )
    assert not d.approved
    assert d.limit_minor == 0
    assert d.reasons == (
        ReasonCode.AGE_ABOVE_MAX,
        ReasonCode.INCOME_BELOW_MIN,
        ReasonCode.DEBT_TO_INCOME_HIGH,
        ReasonCode.TOO_MANY_LENDERS,
    )  # LIMIT_MIN (300 yuan) also failed; its reason (DEBT_TO_INCOME_HIGH) is listed once
    assert [t.passed for t in d.trace] == [True, True, False, False, False, False, False]


def test_limit_below_min_due_to_other_debt_is_dti_reason() -> None:
    # income alone would give 1.5 x 2000 = 3000 yuan, but debts leave 200 yuan -> limit 300 < 500.
    policy = OriginationPolicy.from_dict(policy_doc(max_debt_to_income_bps=10000))
    d = decide(applicant(monthly_income_minor=200_000, monthly_debt_payments_minor=180_000), policy)
    assert d.reasons == (ReasonCode.DEBT_TO_INCOME_HIGH,)
    assert d.trace[-1] == type(d.trace[-1])("LIMIT_MIN", False, "30000", ">=50000")


def test_limit_below_min_due_to_low_income_is_income_reason() -> None:
    policy = OriginationPolicy.from_dict(policy_doc(min_monthly_income_minor=0))
    d = decide(applicant(monthly_income_minor=30_000, monthly_debt_payments_minor=0, lenders_count=0), policy)
    assert d.reasons == (ReasonCode.INCOME_BELOW_MIN,)
    assert [t.rule_id for t in d.trace if not t.passed] == ["LIMIT_MIN"]


def test_applicant_has_no_protected_attributes() -> None:
    names = {f.name for f in fields(Applicant)}
    assert names == {"application_id", "age", "monthly_income_minor", "monthly_debt_payments_minor", "lenders_count"}


@pytest.mark.parametrize("field", ["age", "monthly_income_minor", "monthly_debt_payments_minor", "lenders_count"])
def test_applicant_rejects_negative(field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        applicant(**{field: -1})
    assert exc.value.field == field


def test_inputs_hash_is_canonical_and_sensitive() -> None:
    a = applicant()
    assert inputs_hash(a) == inputs_hash(applicant())
    assert len(inputs_hash(a)) == 64
    assert inputs_hash(a) != inputs_hash(applicant(monthly_income_minor=1_000_001))
    expected_json = (
        '{"age":30,"application_id":"app-1","lenders_count":1,'
        '"monthly_debt_payments_minor":100000,"monthly_income_minor":1000000}'
    )
    assert inputs_hash(a) == hashlib.sha256(expected_json.encode()).hexdigest()


def test_reason_texts_bilingual() -> None:
    for code in ReasonCode:
        assert reason_text(code, "zh")
        assert reason_text(code, "en")
        assert reason_text(code, "zh") != reason_text(code, "en")
    assert reason_text(ReasonCode.INCOME_BELOW_MIN, "en") == "Income insufficient for amount of credit requested"
    assert reason_text("DEBT_TO_INCOME_HIGH", "en") == "Excessive obligations in relation to income"
    with pytest.raises(ValidationError):
        reason_text("NOPE", "en")
    with pytest.raises(ValidationError) as exc:
        reason_text(ReasonCode.AGE_BELOW_MIN, "fr")  # type: ignore[arg-type]
    assert exc.value.field == "lang"


def test_load_policy_from_file(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps(policy_doc(version="2", max_lenders=3)))
    p = load_policy(path)
    assert (p.version, p.max_lenders) == ("2", 3)
    assert decide(applicant(lenders_count=4), p).reasons == (ReasonCode.TOO_MANY_LENDERS,)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValidationError):
        load_policy(bad)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"min_age": 16}, "min_age"),
        ({"max_age": 17}, "max_age"),
        ({"min_age": "18"}, "min_age"),
        ({"max_lenders": True}, "max_lenders"),
        ({"limit_income_multiple": 1.5}, "limit_income_multiple"),  # floats are not exact
        ({"limit_income_multiple": "abc"}, "limit_income_multiple"),
        ({"limit_income_multiple": "-1"}, "limit_income_multiple"),
        ({"max_debt_to_income_bps": 10001}, "max_debt_to_income_bps"),
        ({"min_limit_minor": 50_050}, "min_limit_minor"),
        ({"max_limit_minor": 40_000}, "max_limit_minor"),
        ({"version": ""}, "version"),
        ({"max_lender": 5}, "max_lender"),  # typo
    ],
)
def test_malformed_policy_names_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        OriginationPolicy.from_dict(policy_doc(**overrides))
    assert exc.value.field == field


def test_missing_field_is_named() -> None:
    doc = policy_doc()
    del doc["max_debt_to_income_bps"]
    with pytest.raises(ValidationError) as exc:
        OriginationPolicy.from_dict(doc)
    assert exc.value.field == "max_debt_to_income_bps"
