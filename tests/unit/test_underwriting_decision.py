"""The scored underwriting decision (``strategy.underwriting.decide_application``) on the packaged v1 policy.

Worked numbers: a single applicant in a tier-2 city has living costs of 32,994 yuan / 12 = 2,749.50 yuan a
month; with 10,000 yuan income and no debts the disposable income is 7,250.50 yuan, the payment capacity (50 %)
3,625.25 yuan, and the limit = capacity × the band multiple floored to 100 yuan.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pytest

from creditloop.core.errors import DomainError, ValidationError
from creditloop.strategy.checks import CheckResult, Outcome
from creditloop.strategy.underwriting import (
    ApplicantFacts,
    ModelOutput,
    UnderwritingDecision,
    decide_application,
    is_thin_file,
    packaged_underwriting_policy,
)

V1 = packaged_underwriting_policy("underwriting_v1")
V2 = packaged_underwriting_policy("underwriting_v2")
CLEAN = (CheckResult("ID_CHECK_DIGIT", Outcome.PASS, "valid", "GB 11643"),)


def facts(**changes: object) -> ApplicantFacts:
    base = ApplicantFacts(
        application_id="APP-1",
        applied_on=date(2026, 3, 1),
        age=30,
        city_tier=2,
        household_size=1,
        sector="it",
        channel="app",
        monthly_income_minor=1_000_000,
        verified_income_minor=None,
        monthly_debt_payments_minor=0,
        other_lenders=1,
        requested_limit_minor=5_000_000,
        consent_bureau=True,
        consent_sharing=True,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def model(pd: float, reasons: tuple[str, ...] = ("SC_UTILISATION", "SC_TENURE")) -> ModelOutput:
    texts = tuple((f"评分原因 {r}", f"Score reason {r}") for r in reasons)
    return ModelOutput("app-scorecard", "1", pd, 600.0, reasons, texts)


def decide(f: ApplicantFacts | None = None, pd: float | None = 0.01, **kw: object) -> UnderwritingDecision:
    checks = kw.pop("checks", CLEAN)
    policy = kw.pop("policy", V1)
    m = kw.pop("model", None) or (model(pd) if pd is not None else None)
    return decide_application(f or facts(), checks, m, policy, arm="champion")  # type: ignore[arg-type]


CAPACITY = (1_000_000 - 274_950) // 2  # 362,525 fen


@pytest.mark.parametrize(
    ("pd", "band", "tier", "limit"),
    [
        (0.01, "A", "prime", 2_170_000),  # 6 x 362,525 = 2,175,150
        (0.03, "B", "standard", 1_810_000),  # 5 x = 1,812,625
        (0.05, "C", "standard", 1_450_000),  # 4 x = 1,450,100
        (0.09, "D", "near-prime", 1_000_000),  # 3 x = 1,087,575, above D's max of 10,000 yuan
    ],
)
def test_each_approvable_band_sets_its_limit_and_price(pd: float, band: str, tier: str, limit: int) -> None:
    d = decide(pd=pd)
    assert (d.decision, d.score_band, d.price_tier, d.limit_minor) == ("approve", band, tier, limit)
    assert d.disposable_income_minor == 725_050
    assert d.pd == pd and d.model_version == "1" and d.policy_version == "1"


def test_band_e_is_referred_with_no_limit() -> None:
    d = decide(pd=0.15)
    assert (d.decision, d.score_band, d.limit_minor, d.price_tier) == ("refer", "E", 0, "subprime")
    assert d.reasons == ("SC_UTILISATION", "SC_TENURE")


def test_band_d_capped_by_band_max_says_so() -> None:
    assert decide(pd=0.09).reasons == ("LIMIT_BAND_MAX",)
    assert decide(pd=0.01).reasons == ("LIMIT_AFFORDABILITY",)


@pytest.mark.parametrize(
    ("pd", "decision"),
    [
        (0.0, "approve"),
        (0.10, "approve"),  # exactly approve_max_pd: approved (inclusive)
        (math.nextafter(0.10, 1.0), "refer"),
        (math.nextafter(0.20, 0.0), "refer"),
        (0.20, "decline"),  # exactly decline_min_pd: declined (inclusive)
        (1.0, "decline"),
    ],
)
def test_pd_cut_off_edges(pd: float, decision: str) -> None:
    assert decide(pd=pd).decision == decision


@pytest.mark.parametrize(
    ("pd", "band"),
    [(0.02, "A"), (math.nextafter(0.02, 1.0), "B"), (0.04, "B"), (0.07, "C"), (0.12, "D"), (0.1201, "E")],
)
def test_band_edges_are_inclusive_upper_bounds(pd: float, band: str) -> None:
    assert decide(pd=pd).score_band == band


def test_decline_by_score_uses_the_model_reasons_or_a_generic_one() -> None:
    assert decide(pd=0.3).reasons == ("SC_UTILISATION", "SC_TENURE")
    assert decide(model=model(0.3, reasons=())).reasons == ("SCORE_DECLINE",)
    assert decide(model=model(0.15, reasons=())).reasons == ("SCORE_REFER",)


def test_checks_decline_and_refer_and_reasons_come_first() -> None:
    checks = (
        CheckResult("VELOCITY_PHONE_30D", Outcome.REFER, "4", "<=3"),
        CheckResult("ID_CHECK_DIGIT", Outcome.DECLINE, "invalid", "GB 11643"),
        CheckResult("AGE_BOUNDS", Outcome.PASS, "30", "18..60"),
    )
    d = decide(pd=0.3, checks=checks)
    assert d.decision == "decline" and d.limit_minor == 0 and d.price_tier is None
    # Declining checks first, then referring ones, then the model's reasons.
    assert d.reasons == ("ID_CHECK_DIGIT", "VELOCITY_PHONE_30D", "SC_UTILISATION", "SC_TENURE")
    assert d.check_flags == ("VELOCITY_PHONE_30D", "ID_CHECK_DIGIT")
    refer_only = decide(pd=0.01, checks=checks[:1])
    assert (refer_only.decision, refer_only.reasons) == ("refer", ("VELOCITY_PHONE_30D",))


def test_policy_may_turn_a_check_refer_into_a_decline() -> None:
    strict = replace(V1, on_check_refer="decline")
    d = decide(pd=0.01, checks=(CheckResult("VELOCITY_PHONE_30D", Outcome.REFER, "4", "<=3"),), policy=strict)
    assert d.decision == "decline"


def test_without_a_model_the_policy_refers_or_falls_back_to_rules() -> None:
    d = decide(pd=None)
    assert (d.decision, d.reasons, d.pd, d.model_id) == ("refer", ("NO_MODEL_SCORE",), None, None)
    rule_only = replace(V1, without_model="rule_only", rule_only_band="D")
    d = decide(pd=None, policy=rule_only)
    assert (d.decision, d.score_band, d.limit_minor) == ("approve", "D", 1_000_000)
    d = decide(pd=None, policy=replace(V1, without_model="decline"))
    assert d.decision == "decline"


def test_a_model_the_policy_does_not_name_is_refused() -> None:
    with pytest.raises(DomainError) as err:
        decide(model=ModelOutput("app-scorecard", "99", 0.01, None, ()))
    assert err.value.code == "model_not_in_policy"


@pytest.mark.parametrize("pd", [float("nan"), -0.01, 1.5, float("inf")])
def test_a_pd_outside_zero_one_is_refused(pd: float) -> None:
    with pytest.raises(ValidationError) as err:
        decide(pd=pd)
    assert err.value.field == "pd"


def test_the_limit_is_never_above_the_amount_requested() -> None:
    d = decide(facts(requested_limit_minor=123_456), pd=0.01)
    assert (d.decision, d.limit_minor, d.reasons) == ("approve", 120_000, ())
    assert d.affordable_limit_minor == 2_170_000  # the graduation target stays the affordable line


def test_a_request_below_the_minimum_line_is_declined_with_its_reason() -> None:
    d = decide(facts(requested_limit_minor=20_000), pd=0.01)
    assert (d.decision, d.reasons) == ("decline", ("REQUEST_BELOW_MIN",))


def test_verified_income_is_used_when_lower_than_stated() -> None:
    lower = decide(facts(verified_income_minor=600_000), pd=0.01)
    # 6,000 - 2,749.50 = 3,250.50 disposable; capacity 1,625.25; 6 x = 9,751.50 -> 9,700 yuan.
    assert (lower.disposable_income_minor, lower.limit_minor) == (325_050, 970_000)
    assert "income=600000(verified)" in lower.trace[3].observed
    higher = decide(facts(verified_income_minor=2_000_000), pd=0.01)
    assert (higher.disposable_income_minor, higher.limit_minor) == (725_050, 2_170_000)


def test_living_costs_and_debts_reduce_disposable_income_never_below_zero() -> None:
    d = decide(facts(city_tier=1, household_size=3, monthly_debt_payments_minor=200_000), pd=0.01)
    # tier 1: 50,047 / 12 = 4,170.58 yuan a person; 3 people x (1 + 0.5 x 2) = 8,341.17 yuan.
    assert d.disposable_income_minor == 0
    assert d.decision == "decline"
    # Without the 2,000 yuan of debts 1,658.83 yuan would be left: the debts are named, once.
    assert d.reasons == ("DISPOSABLE_INCOME_LOW", "OBLIGATIONS_HIGH", "INCOME_INSUFFICIENT")


def test_debts_are_named_when_they_push_capacity_below_the_bar() -> None:
    d = decide(facts(monthly_income_minor=400_000, monthly_debt_payments_minor=100_000), pd=0.01)
    # 4,000 - 2,749.50 - 1,000 = 250.50 disposable < 500: without the debts it would be 1,250.50.
    assert (d.decision, d.reasons) == ("decline", ("DISPOSABLE_INCOME_LOW", "OBLIGATIONS_HIGH"))
    no_debts = decide(facts(monthly_income_minor=400_000, monthly_debt_payments_minor=0), pd=0.01)
    assert no_debts.decision == "approve"


def test_thin_file_gets_at_most_the_starter_line() -> None:
    no_bureau = facts(consent_bureau=False)
    assert is_thin_file(no_bureau) and is_thin_file(facts(other_lenders=0))
    assert not is_thin_file(facts(other_lenders=0, verified_income_minor=900_000))
    d = decide(no_bureau, pd=0.01)
    assert (d.decision, d.limit_minor, d.reasons) == ("approve", 35_000, ("STARTER_LINE",))
    assert d.affordable_limit_minor == 2_170_000
    # Asking for less than the starter line: never more than asked, floored to the step.
    assert decide(replace(no_bureau, requested_limit_minor=34_999), pd=0.01).limit_minor == 30_000
    # Affordability below the starter line but above the minimum: the affordable amount, floored.
    poor = replace(no_bureau, monthly_income_minor=274_950 + 50_000)  # capacity 250 yuan, band A 6x = 1,500
    assert decide(poor, pd=0.01).limit_minor == 35_000
    # With no minimum disposable income, a capacity of 55 yuan x 6 = 330 yuan is below the starter line.
    lenient = replace(V1, affordability=replace(V1.affordability, min_disposable_minor=0))
    poorer = replace(no_bureau, monthly_income_minor=274_950 + 11_000)
    assert decide(poorer, pd=0.01, policy=lenient).limit_minor == 30_000
    assert decide(poorer, pd=0.15, policy=lenient).limit_minor == 0  # refer: no limit


def test_thin_file_starter_line_still_needs_an_approvable_score() -> None:
    d = decide(facts(consent_bureau=False), pd=0.5)
    assert (d.decision, d.limit_minor) == ("decline", 0)


def test_the_challenger_is_tighter_on_pd_and_bigger_for_band_a() -> None:
    assert decide(pd=0.09, policy=V2).decision == "refer"
    assert decide(pd=0.09, policy=V1).decision == "approve"
    a1, a2 = decide(pd=0.01, policy=V1), decide(pd=0.01, policy=V2)
    assert a2.limit_minor > a1.limit_minor == 2_170_000
    assert a2.limit_minor == 2_900_000  # 8 x 362,525 = 2,900,200


def test_trace_has_every_step_and_no_personal_data() -> None:
    d = decide(pd=0.01)
    steps = [t.step for t in d.trace]
    assert steps == ["CHECKS", "SCORE", "BAND", "AFFORDABILITY", "THIN_FILE", "LIMIT", "PRICE", "DECISION"]
    assert d.trace[-1].observed == "approve"


def test_model_reason_texts_travel_with_the_decision() -> None:
    d = decide(pd=0.3)
    assert d.reason_texts[0] == ("SC_UTILISATION", "评分原因 SC_UTILISATION", "Score reason SC_UTILISATION")


def test_the_decision_is_deterministic() -> None:
    assert decide(pd=0.05) == decide(pd=0.05)
