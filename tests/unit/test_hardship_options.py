"""The hardship options generator, valuation, ranking, approval matrix and plan tracking (pure policy, issue 15)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditloop.collections.option_text import option_text
from creditloop.collections.options import (
    DPD_ABOVE_LIMIT,
    NO_PENALTY,
    NOT_CHARGED_OFF,
    REAGED_RECENTLY,
    Candidate,
    OptionsCase,
    OptionValue,
    PlanFacts,
    candidates,
    monthly_payment_minor,
    rank,
    redefault_bps,
    required_role,
    settlement_amount_minor,
    value,
)
from creditloop.collections.options_policy import RankKey, default_options_policy, load_options_policy
from creditloop.collections.plans import (
    ACTIVE,
    BROKEN,
    COMPLETED,
    broken_marks,
    diminished_obligation_bps,
    granted_marks,
    track,
)
from creditloop.core.errors import ValidationError

POLICY = default_options_policy()
ON = date(2024, 4, 21)


def case(**kw: object) -> OptionsCase:
    base = OptionsCase("L", ON, 45, 300_000, 1_000, False, 150_000, date(2024, 5, 10))
    return replace(base, **kw)


def test_candidates_follow_the_templates_and_say_why_the_others_do_not_apply() -> None:
    todo, skipped = candidates(case(), POLICY)
    assert [c.option_id for c in todo] == ["TE6", "TE12", "TE12F", "TE24", "RA", "FR0", "PW"]
    assert dict(todo[1].params) == {"periods": 12, "monthly_fee_bps": 0, "waive_penalty": True}
    assert {v.option_id: v.reason for v in skipped} == {
        "HOL3": DPD_ABOVE_LIMIT,
        "HOL3A": DPD_ABOVE_LIMIT,
        "SET30": NOT_CHARGED_OFF,
    }
    early, _ = candidates(case(dpd=10, penalty_minor=0), POLICY)
    holiday = {c.option_id: dict(c.params) for c in early}
    assert holiday["HOL3"] == {"from_due_on": date(2024, 5, 10), "months": 3}
    assert holiday["HOL3A"] == {"from_due_on": date(2024, 5, 10), "months": 3, "accrue": True}
    assert "PW" not in holiday  # no penalty to waive
    assert (NO_PENALTY, "PW") in {(v.reason, v.option_id) for v in candidates(case(penalty_minor=0), POLICY)[1]}


@pytest.mark.parametrize(
    ("reaged_on", "blocked"),
    [
        ((date(2023, 10, 1),), True),  # within 12 months
        ((date(2023, 4, 20),), False),  # a year and a day ago
        ((date(2020, 6, 1), date(2022, 1, 1)), True),  # twice in five years already
        ((date(2019, 4, 1), date(2022, 1, 1)), False),  # the first is more than five years back
    ],
)
def test_re_aging_options_follow_the_ffiec_limits(reaged_on: tuple[date, ...], blocked: bool) -> None:
    todo, skipped = candidates(case(reaged_on=reaged_on), POLICY)
    reaging = {"TE6", "TE12", "TE12F", "TE24", "RA"}
    assert ({v.option_id for v in skipped if v.reason == REAGED_RECENTLY} == reaging) is blocked
    assert {"FR0", "PW"} <= {c.option_id for c in todo}  # no re-aging: still offered


def test_a_charged_off_balance_gets_only_the_settlement_with_its_discount() -> None:
    todo, skipped = candidates(case(charged_off=True, dpd=200, balance_minor=123_457), POLICY)
    assert [(c.option_id, dict(c.params)) for c in todo] == [
        ("SET30", {"amount_minor": 86_420, "due_on": date(2024, 5, 21)})  # 30 % of 1234.57 = 370.371 -> 370.37
    ]
    assert {v.reason for v in skipped} == {"line_charged_off"}


def test_settlement_rounds_the_forgiven_part_half_up() -> None:
    assert settlement_amount_minor(5, 3000) == 3  # 1.5 fen forgiven -> 2
    assert settlement_amount_minor(100_000, 3000) == 70_000


@given(st.integers(1, 10**12), st.integers(1, 9_999))
def test_settlement_and_forgiven_part_sum_to_the_balance(balance: int, discount: int) -> None:
    amount = settlement_amount_minor(balance, discount)
    assert 0 <= amount <= balance
    forgiven = balance - amount
    assert abs(forgiven * 10_000 - balance * discount) <= 5_000  # within half a fen of the exact share


def test_value_gives_exact_figures() -> None:
    # 100.00 now and 1045.00 in 365 days at a 4.5 % cost of funds: PV = 100 + 1000 exactly.
    facts = PlanFacts(((ON, 10_000), (date(2025, 4, 21), 104_500)), concession_minor=5_000)
    v = value(Candidate("X", "term_extension", ()), facts, case(dpd=20, disposable_income_minor=400_000), POLICY)
    assert (v.monthly_payment_minor, v.months, v.customer_total_minor) == (104_500, 2, 114_500)
    assert v.pti_bps == 2613  # 104500 / 400000 = 26.125 %, rounded up
    assert v.affordable  # budget 30 % of 4000.00 = 1200.00
    assert v.redefault_bps == 1200  # PTI <= 30 %, DPD <= 30
    assert v.pv_minor == 110_000
    assert v.expected_loss_minor == 10_560  # 110000 x 12 % x 80 %
    assert v.npv_minor == 110_000 - 10_560
    assert (v.concession_minor, v.concession_share_bps, v.required_role) == (5_000, 166, "agent")


def test_a_refused_preview_is_an_unavailable_option() -> None:
    v = value(Candidate("X", "settlement", ()), PlanFacts(refused="pricing_cap_exceeded"), case(), POLICY)
    assert (v.available, v.reason) == (False, "pricing_cap_exceeded")


def test_monthly_payment_groups_by_calendar_month_and_past_due_counts_now() -> None:
    pays = [(date(2024, 3, 10), 500), (ON, 100), (date(2024, 4, 30), 50), (date(2024, 5, 10), 400)]
    assert monthly_payment_minor(pays, ON) == (650, 2)


def test_redefault_bands_are_first_match_with_a_catch_all() -> None:
    assert redefault_bps(POLICY, 2000, 30) == 800
    assert redefault_bps(POLICY, 2001, 30) == 1200
    assert redefault_bps(POLICY, 2000, 31) == 1500
    assert redefault_bps(POLICY, 2500, 120) == 3500
    assert redefault_bps(POLICY, 100_000, 400) == 8000  # no disposable income


def _ov(option_id: str, affordable: bool, npv: int, total: int) -> OptionValue:
    return OptionValue(option_id, "term_extension", (), True, None, affordable=affordable, npv_minor=npv,
                       customer_total_minor=total)  # fmt: skip


def test_ranking_is_affordable_first_then_npv_then_customer_cost_and_is_data() -> None:
    values = [_ov("A", True, 100, 500), _ov("B", False, 1_000, 300), _ov("C", True, 100, 400), _ov("D", True, 90, 1)]
    unavailable = OptionValue("E", "settlement", (), False, "x")
    assert [v.option_id for v in rank([*values, unavailable], POLICY)] == ["C", "A", "D", "B"]
    cheapest_first = replace(POLICY, ranking=(RankKey("customer_total_minor", False),))
    assert [v.option_id for v in rank(values, cheapest_first)] == ["D", "B", "C", "A"]


@pytest.mark.parametrize(
    ("concession", "balance", "role"),
    [
        (50_000, 1_000_000, "agent"),  # 500.00 and 5 %: within the agent's 500.00 / 10 %
        (50_001, 1_000_000, "team_lead"),
        (50_000, 400_000, "team_lead"),  # 12.5 % of the balance
        (900_000, 1_000_000, "risk"),
        (950_000, 1_000_000, None),  # past every role
    ],
)
def test_the_approval_matrix_needs_both_amount_and_share(concession: int, balance: int, role: str | None) -> None:
    assert required_role(POLICY, concession, balance) == role


RULE = POLICY.broken  # 2 missed plan payments or 60 days late; 5 days' grace
SCHEDULE = ((date(2024, 1, 10), 100), (date(2024, 2, 10), 100), (date(2024, 3, 10), 100))


def test_plan_tracking_counts_missed_payments_after_grace() -> None:
    paid = [(date(2024, 1, 9), 100)]
    within_grace = track(SCHEDULE, paid, date(2024, 2, 15), RULE)
    assert (within_grace.met, within_grace.missed, within_grace.status) == (1, 0, ACTIVE)
    one = track(SCHEDULE, paid, date(2024, 2, 16), RULE)
    assert (one.missed, one.days_late, one.due_minor, one.paid_minor, one.status) == (1, 6, 200, 100, ACTIVE)
    two = track(SCHEDULE, paid, date(2024, 3, 16), RULE)
    assert (two.missed, two.status) == (2, BROKEN)
    done = track(SCHEDULE, [*paid, (date(2024, 2, 1), 150), (date(2024, 3, 1), 50)], date(2024, 3, 16), RULE)
    assert done.status == COMPLETED
    later = track(SCHEDULE, [(date(2024, 3, 17), 300)], date(2024, 3, 16), RULE)  # not yet paid on as_of
    assert later.paid_minor == 0


def test_plan_is_broken_once_a_payment_is_60_days_late() -> None:
    one = ((date(2024, 1, 10), 100),)
    assert track(one, [], date(2024, 3, 9), RULE).status == ACTIVE  # 59 days
    assert track(one, [], date(2024, 3, 10), RULE).status == BROKEN  # 60 days


def test_reporting_marks_per_kind_dpd_and_reason() -> None:
    assert granted_marks("term_extension", 45, ON, False, POLICY) == {
        "metro2_special_comment": "CO",
        "china": "adjusted_schedule",
        "eu_forborne": "performing_forborne",
        "eu_probation_ends_on": "2026-04-21",
        "eu_dfo_bps": 0,
    }
    distressed = granted_marks("term_extension", 45, ON, False, POLICY, dfo_bps=101)  # over the 1 % threshold
    assert (distressed["eu_forborne"], distressed["eu_dfo_bps"]) == ("non_performing_forborne", 101)
    assert granted_marks("term_extension", 45, ON, False, POLICY, dfo_bps=100)["eu_forborne"] == "performing_forborne"
    assert diminished_obligation_bps(100_000, 98_500) == 150
    assert diminished_obligation_bps(100_000, 101_000) == 0  # a plan worth more is no diminished obligation
    assert diminished_obligation_bps(0, 5) == 0
    npe = granted_marks("payment_holiday", 95, ON, False, POLICY)
    assert (npe["metro2_special_comment"], npe["eu_forborne"], npe["eu_probation_ends_on"]) == (
        "CP",
        "non_performing_forborne",
        "2027-04-21",  # 12 months' cure, then 24 months' probation
    )
    assert granted_marks("term_extension", 10, ON, True, POLICY)["metro2_special_comment"] == "AW"
    assert granted_marks("penalty_waiver", 10, ON, False, POLICY)["metro2_special_comment"] is None
    assert granted_marks("settlement", 200, ON, False, POLICY)["metro2_special_comment"] == "AU"
    broken = broken_marks(npe, date(2024, 8, 1), POLICY)
    assert (broken["metro2_special_comment"], broken["china"], broken["broken_on"]) == (
        None,
        "actual_status",
        "2024-08-01",
    )


def test_previews_in_chinese_and_english() -> None:
    v = replace(_ov("TE12", True, 0, 305_400), monthly_payment_minor=30_400, pti_bps=2027, months=12,
                concession_minor=17_821)  # fmt: skip
    assert option_text(v, "zh") == (
        "方案 TE12：延长还款期限。每月最高还款 304.00 元，约占可支配收入的 20%；共还款 3054.00 元，分 12 个月；"
        "减免 178.21 元。"
    )
    assert option_text(v, "en") == (
        "Option TE12: Longer repayment term. Highest monthly payment 304.00 yuan, about 20% of disposable income; "
        "3054.00 yuan in total over 12 months; 178.21 yuan forgiven."
    )
    with pytest.raises(ValidationError):
        option_text(v, "fr")  # type: ignore[arg-type]


def _policy_doc() -> dict[str, object]:
    path = Path(__file__).parents[2] / "src/creditloop/collections/policies/hardship_options_v1.json"
    return json.loads(path.read_text("utf-8"))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["redefault"].pop(), "redefault"),
        (lambda d: d["approval"].reverse(), "approval"),
        (lambda d: d["options"][0].update(kind="magic"), "options[0].kind"),
        (lambda d: d["ranking"][0].update(key="luck"), "ranking[0].key"),
        (lambda d: d["options"][1].update(option_id="TE6"), "options"),
        (lambda d: d["marks"].pop(), "marks"),
        (lambda d: d["broken"].update(line_action="close"), "broken.line_action"),
    ],
)
def test_a_malformed_policy_is_refused_naming_the_field(tmp_path: Path, change: object, field: str) -> None:
    doc = _policy_doc()
    change(doc)  # type: ignore[operator]
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(ValidationError) as e:
        load_options_policy(path)
    assert e.value.field == field


_days = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))


@given(
    st.lists(st.tuples(_days, st.integers(1, 10**9)), min_size=1, max_size=24),
    st.integers(0, 10**9),
    st.integers(0, 3000),
)
def test_value_splits_pv_into_npv_and_expected_loss_exactly(
    payments: list[tuple[date, int]], disposable: int, concession: int
) -> None:
    facts = PlanFacts(tuple(sorted(payments)), concession_minor=concession)
    v = value(Candidate("X", "term_extension", ()), facts, case(disposable_income_minor=disposable), POLICY)
    assert v.npv_minor + v.expected_loss_minor == v.pv_minor
    assert 0 <= v.expected_loss_minor <= v.pv_minor <= v.customer_total_minor == sum(a for _, a in payments)
    assert v.monthly_payment_minor <= v.customer_total_minor
    assert v.affordable == (v.monthly_payment_minor <= disposable * POLICY.affordability_bps // 10_000)


@given(
    st.lists(st.tuples(_days, st.integers(1, 10**7)), min_size=1, max_size=12),
    st.lists(st.tuples(_days, st.integers(1, 10**7)), max_size=12),
    _days,
)
def test_tracking_counts_are_consistent(
    schedule: list[tuple[date, int]], paid: list[tuple[date, int]], as_of: date
) -> None:
    p = track(schedule, paid, as_of, RULE)
    assert p.paid_minor == sum(a for d, a in paid if d <= as_of)
    assert 0 <= p.missed <= len(schedule) - p.met
    assert (p.status == COMPLETED) == (p.paid_minor >= p.scheduled_minor)
    if p.status == ACTIVE:
        assert p.missed < RULE.missed_payments and p.days_late < RULE.days_late
