"""Behaviour and population rules on their own: fast, seeded, checked against the documented parameters."""

from __future__ import annotations

from collections import Counter
from dataclasses import fields, replace

import numpy as np
import pytest

from creditloop.simulate import behaviour as b
from creditloop.simulate.population import (
    FRAUD_SHARES,
    SECTOR_MEDIAN_INCOME_YUAN,
    TIER_INCOME_FACTOR,
    Customer,
    generate_population,
)

SEED = 11


@pytest.fixture(scope="module")
def people() -> list[Customer]:
    return generate_population(20_000, 12, np.random.default_rng(SEED))


def customer(**kw: object) -> Customer:
    base = Customer(
        customer_id="C1",
        age=30,
        city_tier=2,
        sector="services",
        base_income_minor=1_000_000,
        stated_income_minor=1_000_000,
        other_debt_minor=0,
        lenders_count=0,
        living_cost_share=0.5,  # spare money 5,000 yuan a month
        spend_propensity=0.1,
        willingness=1.0,
        lateness=0.0,
        fraud=False,
        apply_month=1,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def test_fabricated_applications_come_in_four_kinds_at_their_documented_shares(people: list[Customer]) -> None:
    kinds = Counter(c.fraud_kind for c in people)
    for kind, share in FRAUD_SHARES.items():
        assert abs(kinds[kind] / len(people) - share) < 0.003, f"seed {SEED}: {kind} {kinds[kind]}"
    assert all(c.fraud == (c.fraud_kind != "") for c in people)
    genuine = [c for c in people if not c.fraud]
    # What a genuine applicant states is the truth.
    assert all(
        (c.stated_age, c.stated_sector, c.stated_city_tier, c.stated_income_minor, c.stated_debt_minor)
        == (c.age, c.sector, c.city_tier, c.base_income_minor, c.other_debt_minor)
        for c in genuine
    )


def test_inconsistent_applications_contradict_themselves_in_the_recorded_way(people: list[Customer]) -> None:
    odd = [c for c in people if c.fraud_kind == "inconsistent_fields"]
    assert {c.inconsistency for c in odd} == {"age_vs_sector", "income_vs_sector_tier", "debts_vs_lenders"}
    for c in odd:
        median = SECTOR_MEDIAN_INCOME_YUAN[c.stated_sector] * TIER_INCOME_FACTOR[c.stated_city_tier] * 100
        if c.inconsistency == "age_vs_sector":
            assert c.stated_age <= 20 and c.stated_sector in ("technology", "public_sector")
            assert c.stated_income_minor >= 2.9 * median
        elif c.inconsistency == "income_vs_sector_tier":
            assert c.stated_income_minor >= 5.9 * median
        else:
            assert (c.stated_debt_minor > 0) != (c.stated_lenders > 0)
            assert (c.stated_debt_minor > 0 and c.stated_lenders == 0) or c.stated_lenders >= 4


def test_identity_reuse_rings_share_a_genuine_customers_synthetic_key(people: list[Customer]) -> None:
    by_key: dict[str, list[Customer]] = {}
    for c in people:
        by_key.setdefault(c.identity_key, []).append(c)
    reused = [c for c in people if c.fraud_kind == "identity_reuse"]
    assert reused
    for c in reused:
        ring = by_key[c.identity_key]
        assert len(ring) >= 2 and any(not o.fraud for o in ring)  # a stolen genuine identity
    # Some genuine customers share a device (a household), never an identity: a shared device is a signal,
    # not proof. (Issue #13: households share device_key; before, they shared identity_key.)
    shared_genuine = [k for k, v in by_key.items() if len(v) > 1 and all(not o.fraud for o in v)]
    assert shared_genuine == []
    by_device: dict[str, list[Customer]] = {}
    for c in people:
        by_device.setdefault(c.device_key, []).append(c)
    households = [k for k, v in by_device.items() if len(v) > 1 and all(not o.fraud for o in v)]
    assert 20 <= len(households) <= 120
    assert all(c.identity_key.startswith("K") and len(c.identity_key) == 8 for c in people)


def test_no_protected_attribute_is_generated() -> None:
    names = {f.name for f in fields(Customer)}
    assert not names & {"sex", "gender", "marital_status", "ethnicity", "religion", "nationality"}


def test_a_customer_just_short_pays_all_spare_money_on_time() -> None:
    rng = np.random.default_rng(SEED)
    c = customer()
    intent = b.repayment_intent(c, 600_000, 1_000_000, rng)  # bill 6,000, spare 5,000
    assert intent is not None and intent.mode == "part"
    assert intent.amount_minor == 500_000 and intent.days_after_due <= 0
    assert b.repayment_intent(c, 1_200_000, 1_000_000, rng).mode == "token"  # type: ignore[union-attr]


def test_a_habitual_part_payer_pays_the_budget_when_the_bill_is_above_it() -> None:
    rng = np.random.default_rng(SEED)
    c = customer(pay_budget_share=0.7)  # 3,500 of the 5,000 spare yuan go to this line
    intent = b.repayment_intent(c, 400_000, 1_000_000, rng)
    assert intent is not None and (intent.amount_minor, intent.mode) == (350_000, "part")
    full = b.repayment_intent(c, 300_000, 1_000_000, rng)
    assert full is not None and (full.amount_minor, full.mode) == (300_000, "full")


def test_after_curing_a_customer_misses_payments_more_often_for_a_while() -> None:
    def misses(c: Customer, month: int) -> float:
        rng = np.random.default_rng(SEED)
        # a fresh copy each time: a miss starts a spell of falling behind, which is state on the customer
        draws = [b.repayment_intent(replace(c), 100_000, 1_000_000, rng, month=month) for _ in range(4_000)]
        return sum(1 for d in draws if d is None or d.mode != "full") / len(draws)

    c = customer(willingness=0.85)  # misses 3.25 % of bills it could pay
    calm = misses(c, 5)
    c.relapse_until = 6
    relapsing, later = misses(c, 5), misses(c, 7)
    assert 0.02 < calm < 0.045, calm
    assert 5 * calm < relapsing < 9 * calm  # RELAPSE_RISK = 7
    assert later == calm


def test_a_missed_bill_starts_a_spell_of_paying_less_each_statement_until_the_customer_cures() -> None:
    rng = np.random.default_rng(SEED)
    c = customer(willingness=0.0)  # misses half the bills it could pay
    shares, drift = [], []
    for _ in range(200):
        intent = b.repayment_intent(c, 100_000, 1_000_000, rng)
        shares.append(0 if intent is None else intent.amount_minor)
        drift.append(c.drift)
    # Every spell runs down the documented shares (arrears first, by the due date) until a full payment.
    for k, step in enumerate(drift):
        expected = 100_000 if step == 0 else int(100_000 * b.DRIFT_SHARES[min(step, 5) - 1])
        assert shares[k] == expected, (k, step, shares[k])
    assert max(drift) >= 3 and drift.count(0) > 40  # spells happen, and end
    # One full answer to a reminder ends the spell.
    c.drift, c.willingness = 3, 1.0
    assert b.reminder_response(c, 50_000, 500_000, 0.0, 0.0) is not None and c.drift == 0


def test_a_drifting_customer_cures_half_the_time_until_they_have_stopped_paying() -> None:
    def cures(step: int) -> float:
        rng = np.random.default_rng(SEED)
        draws = [b.repayment_intent(customer(drift=step), 100_000, 1_000_000, rng) for _ in range(4_000)]
        return sum(1 for d in draws if d is not None and d.mode == "full") / len(draws)

    assert cures(2) == pytest.approx(b.DRIFT_CURE, abs=0.03)
    assert cures(len(b.DRIFT_SHARES)) == pytest.approx(b.DRIFT_CURE_STOPPED, abs=0.015)


def test_reminder_response_rises_with_willingness_and_spare_money() -> None:
    c = customer(willingness=0.9)
    p = b.REMINDER_RESPONSE * 0.9  # 0.54 when the spare money covers the amount due
    full = b.reminder_response(c, 100_000, 500_000, p - 0.01, 0.0)
    assert full is not None and (full.amount_minor, full.mode, full.days_after_due) == (100_000, "full", 1)
    assert b.reminder_response(c, 100_000, 500_000, p + 0.01, 0.0) is None
    # Spare money covers half: half the chance, and the customer pays what they have.
    assert b.reminder_response(c, 100_000, 50_000, p / 2 + 0.01, 0.0) is None
    part = b.reminder_response(c, 100_000, 50_000, p / 2 - 0.01, 0.99)
    assert part is not None and (part.amount_minor, part.mode, part.days_after_due) == (50_000, "part", 5)
    assert b.reminder_response(replace(c, fraud=True), 100_000, 500_000, 0.0, 0.0) is None


def test_spending_follows_limit_changes_and_a_cut_can_push_a_strategic_customer_to_walk_away() -> None:
    assert b.limit_factor(1_500_000, 1_000_000) == pytest.approx(1.5**0.3)
    assert b.limit_factor(500_000, 1_000_000) == pytest.approx(0.5**0.3)
    assert b.limit_factor(10_000_000, 1_000_000) == 1.5  # bounded
    c = customer(strategic=True)
    b.respond_to_limit_change(c, 500_000, 1_000_000, cut=True, u=0.9)
    assert c.limit_factor == pytest.approx(0.5**0.3) and not c.defaulted
    b.respond_to_limit_change(c, 400_000, 1_000_000, cut=True, u=0.1)
    assert c.defaulted
    assert b.repayment_intent(c, 100_000, 1_000_000, np.random.default_rng(SEED)) is None


def test_a_strategic_customer_walks_away_on_schedule_and_a_bust_out_spends_freely_first() -> None:
    from creditloop.simulate import strategic

    c = customer(strategic=True, apply_month=2, walkaway_after=5, bust_out=True)
    assert b.affordable_bill_minor(c, 1_000_000) < 10**9  # holds back like everyone else until busting out
    strategic.month_start(c, 3)
    assert not c.spending_freely and not b.stops_paying(c)
    strategic.month_start(c, 2 + 5 - strategic.BUST_OUT_MONTHS)
    assert c.spending_freely and c.spend_propensity == strategic.BUST_OUT_SPEND and not b.stops_paying(c)
    assert b.affordable_bill_minor(c, 1_000_000) == 2**62
    strategic.month_start(c, 7)
    assert b.stops_paying(c) and c.defaulted
    strategic.month_start(c, 8)
    assert b.stops_paying(c)  # for good
    quiet = customer(strategic=True, apply_month=2, walkaway_after=5, bust_out=False)
    for m in range(1, 7):
        strategic.month_start(quiet, m)
    assert not quiet.spending_freely and not b.stops_paying(quiet) and quiet.spend_propensity == 0.1
    strategic.month_start(quiet, 7)
    assert b.stops_paying(quiet)
    assert not b.stops_paying(customer())


def test_walk_away_months_are_geometric_and_hashed_from_the_seed() -> None:
    from creditloop.simulate import strategic

    people = [customer(customer_id=f"C{i:07d}", strategic=i % 2 == 0) for i in range(40_000)]
    strategic.assign_walkaways(people, 7)
    chosen = [c for c in people if c.strategic]
    assert all(c.walkaway_after == 0 and not c.bust_out for c in people if not c.strategic)
    after = np.array([c.walkaway_after for c in chosen])
    assert after.min() == 1
    # geometric from 1 with hazard h: mean 1 / h, and the hazard is flat (P(> k + 6 | > k) the same at k = 0 and 12)
    assert after.mean() == pytest.approx(1 / strategic.STRATEGIC_WALKAWAY_HAZARD, rel=0.03)
    survive = [(after > k + 6).sum() / (after > k).sum() for k in (0, 12)]
    assert survive[0] == pytest.approx(survive[1], abs=0.03)
    assert np.mean([c.bust_out for c in chosen]) == pytest.approx(strategic.STRATEGIC_BUST_OUT_SHARE, abs=0.01)
    again = [customer(customer_id=c.customer_id, strategic=True) for c in chosen[:100]]
    strategic.assign_walkaways(again, 7)
    assert [c.walkaway_after for c in again] == [c.walkaway_after for c in chosen[:100]]
    strategic.assign_walkaways(again, 8)
    assert [c.walkaway_after for c in again] != [c.walkaway_after for c in chosen[:100]]


def test_income_volatility_keeps_the_mean_and_the_draws_are_seeded() -> None:
    from creditloop.simulate.scenario import load_scenario

    people = [customer(income_volatility=0.25, customer_id=f"C{i}") for i in range(4_000)]
    a = b.incomes_for_month(people, 1, load_scenario("baseline"), np.random.default_rng(SEED))
    for p in people:
        p.job_loss_until = 0
    again = b.incomes_for_month(people, 1, load_scenario("baseline"), np.random.default_rng(SEED))
    assert a == again
    steady = [x for x, p in zip(a, people, strict=True) if p.job_loss_until == 0]
    assert abs(np.mean(steady) / 1_000_000 - 1) < 0.02
    assert 0.2 < np.std(np.log(steady)) < 0.3
