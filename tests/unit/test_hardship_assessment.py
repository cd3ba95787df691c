from __future__ import annotations

from typing import Any

import pytest

from creditloop.collections import (
    HardshipCase,
    HardshipPolicy,
    TermExtensionOffer,
    assess,
    default_hardship_policy,
    offer_text,
    reason_text,
)
from creditloop.core.errors import ValidationError

POLICY = default_hardship_policy()


def case(**overrides: Any) -> HardshipCase:
    base: dict[str, Any] = {
        "line_id": "L1",
        "dpd": 45,
        "outstanding_minor": 1_200_000,  # 12,000 yuan
        "monthly_income_minor": 600_000,  # 6,000 yuan after an income shock
        "monthly_other_debt_minor": 100_000,
        "restructured_before": False,
        "charged_off": False,
    }
    base.update(overrides)
    return HardshipCase(**base)


def policy_doc(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "policy_id": "hardship_term_extension",
        "version": "1",
        "min_dpd": 1,
        "max_dpd": 90,
        "allowed_periods": [6, 12, 18, 24],
        "affordability_bps": 3000,
        "waive_penalty": True,
        "new_fee_bps_per_month": 0,
    }
    doc.update(overrides)
    return doc


def test_default_policy() -> None:
    assert HardshipPolicy.from_dict(policy_doc()) == POLICY
    assert POLICY.allowed_periods == (6, 12, 18, 24)


def test_shortest_affordable_term_is_chosen() -> None:
    # disposable 5,000 yuan x 30 % = 1,500 yuan budget; 12,000/6 = 2,000 too much; /12 = 1,000 fits.
    result = assess(case(), POLICY)
    assert result.eligible
    assert result.reasons == ()
    assert result.offer == TermExtensionOffer(
        periods=12, installment_minor=100_000, fee_bps_per_month=0, waive_penalty=True, restructured_minor=1_200_000
    )


def test_budget_edge_is_inclusive() -> None:
    # 12,000/6 = 2,000 yuan; 30 % of 666,667 fen is 200,000.1 -> floored to exactly 200,000 fen
    result = assess(case(monthly_income_minor=666_667, monthly_other_debt_minor=0), POLICY)
    assert result.offer is not None and result.offer.periods == 6
    result = assess(case(monthly_income_minor=666_666, monthly_other_debt_minor=0), POLICY)
    assert result.offer is not None and result.offer.periods == 12  # 199,999 fen budget < 200,000


def test_installment_is_ceiling() -> None:
    result = assess(case(outstanding_minor=1_000_001, monthly_income_minor=10_000_000), POLICY)
    assert result.offer is not None
    assert result.offer.periods == 6
    assert result.offer.installment_minor == 166_667
    assert result.offer.installment_minor * 6 >= 1_000_001


def test_penalty_waived_from_restructured_balance() -> None:
    result = assess(case(penalty_minor=120_000), POLICY)
    assert result.offer is not None
    assert result.offer.restructured_minor == 1_080_000
    assert result.offer.installment_minor == 90_000
    no_waive = HardshipPolicy.from_dict(policy_doc(waive_penalty=False))
    offer = assess(case(penalty_minor=120_000), no_waive).offer
    assert offer is not None and offer.restructured_minor == 1_200_000 and not offer.waive_penalty


def test_fee_counts_toward_affordability() -> None:
    fee_policy = HardshipPolicy.from_dict(policy_doc(new_fee_bps_per_month=60))  # 0.6 % a month
    result = assess(case(monthly_income_minor=433_334, monthly_other_debt_minor=0), fee_policy)
    # budget 1,300 yuan; 12 months = 1,000 + 72 fee = 1,072 fits; 6 months = 2,072 does not
    assert result.offer is not None
    assert (result.offer.periods, result.offer.monthly_fee_minor, result.offer.monthly_payment_minor) == (
        12,
        7_200,
        107_200,
    )


def test_unaffordable_even_at_longest_term() -> None:
    # 12,000 / 24 = 500 yuan; budget 30 % of 1,000 = 300 yuan
    result = assess(case(monthly_income_minor=150_000, monthly_other_debt_minor=50_000), POLICY)
    assert not result.eligible
    assert result.reasons == ("UNAFFORDABLE",)
    assert result.offer is None


@pytest.mark.parametrize(
    ("overrides", "reasons"),
    [
        ({"dpd": 0}, ("NOT_DELINQUENT",)),
        ({"dpd": 1}, ()),
        ({"dpd": 90}, ()),
        ({"dpd": 91}, ("TOO_DELINQUENT",)),
        ({"restructured_before": True}, ("ALREADY_RESTRUCTURED",)),
        ({"charged_off": True, "dpd": 200}, ("CHARGED_OFF", "TOO_DELINQUENT")),
        ({"outstanding_minor": 0}, ("NOTHING_OUTSTANDING",)),
        (
            {"charged_off": True, "restructured_before": True, "monthly_income_minor": 0},
            ("CHARGED_OFF", "ALREADY_RESTRUCTURED", "UNAFFORDABLE"),
        ),
    ],
)
def test_eligibility_reasons(overrides: dict[str, Any], reasons: tuple[str, ...]) -> None:
    result = assess(case(**overrides), POLICY)
    assert result.reasons == reasons
    assert result.eligible is (reasons == ())
    assert (result.offer is not None) is result.eligible


def test_offer_text_bilingual() -> None:
    offer = assess(case(), POLICY).offer
    assert offer is not None
    zh, en = offer_text(offer, "zh"), offer_text(offer, "en")
    assert "12000.00" in zh and "12 期" in zh and "1000.00" in zh and "罚息" in zh
    assert en == (
        "You can repay the outstanding 12000.00 yuan in 12 monthly installments of 1000.00 yuan"
        " with no additional fee; penalty interest is waived."
    )
    assert reason_text("UNAFFORDABLE", "en").startswith("Even the longest")
    assert reason_text("CHARGED_OFF", "zh") == "该账户已核销"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"allowed_periods": []}, "allowed_periods"),
        ({"allowed_periods": [6, 6]}, "allowed_periods"),
        ({"allowed_periods": [6, 72]}, "allowed_periods"),
        ({"allowed_periods": [0, 6]}, "allowed_periods"),
        ({"affordability_bps": 0}, "affordability_bps"),
        ({"max_dpd": 0}, "max_dpd"),
        ({"waive_penalty": "yes"}, "waive_penalty"),
        ({"new_fee_bps_per_month": -1}, "new_fee_bps_per_month"),
        ({"min_dpdd": 1}, "min_dpdd"),
    ],
)
def test_malformed_policy_names_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        HardshipPolicy.from_dict(policy_doc(**overrides))
    assert exc.value.field == field


def test_unsorted_periods_are_sorted() -> None:
    assert HardshipPolicy.from_dict(policy_doc(allowed_periods=[24, 6, 12])).allowed_periods == (6, 12, 24)


def test_case_validation() -> None:
    with pytest.raises(ValidationError) as exc:
        case(outstanding_minor=-5)
    assert exc.value.field == "outstanding_minor"
    with pytest.raises(ValidationError) as exc:
        case(penalty_minor=2_000_000)
    assert exc.value.field == "penalty_minor"
