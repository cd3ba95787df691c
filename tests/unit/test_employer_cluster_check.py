"""EMPLOYER_APPLICATION_CLUSTER (agency income packaging, 中介包装): it refers the members of a ring (one employer,
phones from one SIM batch or incomes bunched at a figure people do not round to) and not the applicants of a
large employer with their own phones and incomes; the first of a ring has nothing to compare with. Thresholds come
from the policy; a policy file or a stored snapshot from before the check existed behaves as it did."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from creditloop.app.memory import MemoryApplicationHistory
from creditloop.app.underwriting import application_keys
from creditloop.strategy.application import ApplicationForm
from creditloop.strategy.check_codes import CHECK_REASON_TEXTS, ELIGIBILITY_CODES, is_fabrication_signal
from creditloop.strategy.check_policy import CheckPolicy
from creditloop.strategy.checks import CheckResult, Outcome, default_check_policy, run_checks
from creditloop.strategy.facts import derive_facts
from creditloop.strategy.idcard import make_resident_id
from creditloop.strategy.velocity import (
    CLUSTER_COUNTS,
    CLUSTER_IDENTITIES,
    CLUSTER_INCOME_NEAR,
    CLUSTER_PHONE_BLOCK,
    DEFAULT_KEY,
    VelocitySnapshot,
    phone_block,
    phone_block_hash,
)

POLICY = default_check_policy()
CODE = "EMPLOYER_APPLICATION_CLUSTER"
T0 = datetime.fromisoformat("2026-03-04T11:49:37+08:00")


def form(
    i: int, phone: str, income: str, employer: str = "苏州市启航商务咨询有限公司", hours: float = 0, **kw: Any
) -> ApplicationForm:
    born = datetime(1995, 1, 1) + timedelta(days=97 * i)
    row: dict[str, Any] = {
        "application_id": f"A{i:03d}",
        "applied_at": (T0 + timedelta(hours=hours)).isoformat(),
        "channel": "agent",
        "name": "测试",
        "id_number": make_resident_id("320506", born.date(), i),
        "birth_date": born.date().isoformat(),
        "phone": phone,
        "device_id": f"device-{i}",
        "city": "苏州",
        "city_tier": 2,
        "employer": employer,
        "employer_address": "苏州市工业大道178号24楼",
        "sector": "technology",
        "monthly_income": income,
        "monthly_debt_payments": "0",
        "other_lenders": 0,
        "requested_limit": "20000",
        "consent_bureau": "true",
        "consent_sharing": "false",
    }
    row.update(kw)
    return ApplicationForm(**row)


def cluster(results: tuple[CheckResult, ...]) -> CheckResult:
    return next(r for r in results if r.code == CODE)


def decide_stream(forms: list[ApplicationForm], policy: CheckPolicy = POLICY) -> list[CheckResult]:
    """Each form through the memory history (snapshot, then record) and the checks, in order."""
    history = MemoryApplicationHistory()
    out = []
    for f in forms:
        keys = application_keys(f, DEFAULT_KEY)
        snap = history.snapshot(keys, policy.velocity_windows_days, policy.reuse_window_days)
        history.record(keys)
        out.append(cluster(run_checks(f, derive_facts(f), snap, policy)))
    return out


def counts(identities: int, block: int = 0, near: int = 0) -> VelocitySnapshot:
    empty = VelocitySnapshot.empty(POLICY.velocity_windows_days)
    extra = {CLUSTER_IDENTITIES: identities, CLUSTER_PHONE_BLOCK: block, CLUSTER_INCOME_NEAR: near}
    return dataclasses.replace(empty, extra=extra)


def check(snapshot: VelocitySnapshot, income: str = "9650", policy: CheckPolicy = POLICY) -> CheckResult:
    f = form(1, "15369563900", income)
    return cluster(run_checks(f, derive_facts(f), snapshot, policy))


# ------------------------------------------------------------------------------------------- through the history


def test_a_sim_batch_ring_is_referred_from_its_second_member() -> None:
    ring = [form(i, f"1536956{i:04d}", f"{9600 + 50 * (i % 8)}", hours=5 * i) for i in range(8)]
    got = decide_stream(ring)
    assert [r.outcome for r in got] == [Outcome.PASS] + [Outcome.REFER] * 7
    assert got[0].observed == "identities=0"  # the first of a ring: nothing came before it
    assert got[3].observed.startswith("identities=3; phone block=3;")


def test_a_ring_on_own_phones_is_referred_when_incomes_bunch_under_a_round_figure() -> None:
    phones = ["13912345678", "18623456789", "15034567890", "13745678901", "18856789012"]
    ring = [
        form(i, p, inc, hours=7 * i)
        for i, (p, inc) in enumerate(zip(phones, ["9950", "9800", "9850", "9700", "9900"], strict=True))
    ]
    got = decide_stream(ring)
    # 2nd: one peer near (needs two); 3rd on: two or more of the earlier identities within 3 %, 9,850 is not round
    assert [r.outcome for r in got] == [Outcome.PASS, Outcome.PASS, Outcome.REFER, Outcome.REFER, Outcome.REFER]


def test_a_large_employer_with_own_phones_and_incomes_is_not_referred() -> None:
    incomes = ["4800", "5200", "6000", "5500", "7300", "4500", "5000", "6800", "9000", "5800", "4650.37", "6100"]
    staff = [
        form(i, f"1{3 + i % 6}{(i * 7_919_113) % 10**9:09d}", inc, employer="富士康科技集团", hours=3 * i)
        for i, inc in enumerate(incomes * 3)
    ]
    assert len({phone_block(f.phone) for f in staff}) == len(staff)
    got = decide_stream(staff)
    assert all(r.outcome is Outcome.PASS for r in got), [r.observed for r in got if r.outcome is not Outcome.PASS]
    assert got[-1].observed.startswith("identities=35;")  # a burst alone: 35 others this week


def test_a_ring_spread_beyond_the_window_is_not_a_cluster() -> None:
    ring = [form(i, f"1536956{i:04d}", "9650", hours=24 * 8 * i) for i in range(3)]  # 8 days apart
    assert [r.observed for r in decide_stream(ring)] == ["identities=0"] * 3


# ----------------------------------------------------------------------------------------------- on the counts


@pytest.mark.parametrize(
    ("identities", "block", "near", "income", "outcome"),
    [
        (0, 0, 0, "9650", Outcome.PASS),
        (1, 1, 0, "9650", Outcome.REFER),  # one other on this SIM block
        (40, 1, 0, "5000", Outcome.REFER),
        (40, 0, 1, "9650", Outcome.PASS),  # a burst with varied phones and incomes
        (3, 0, 2, "9650", Outcome.REFER),  # bunched: two of three near, not round
        (3, 0, 2, "10000", Outcome.PASS),  # a round figure is how people state income
        (3, 0, 2, "9500", Outcome.PASS),
        (10, 0, 4, "9650", Outcome.PASS),  # 4 of 10 near: under half the burst
        (1, 0, 1, "9650", Outcome.PASS),  # one near is not a bunch
    ],
)
def test_outcome_on_counts(identities: int, block: int, near: int, income: str, outcome: Outcome) -> None:
    r = check(counts(identities, block, near), income)
    assert r.outcome is outcome, r
    assert r.observed == "identities=0" if identities == 0 else r.observed.startswith(f"identities={identities};")


def test_thresholds_come_from_the_policy() -> None:
    stricter = dataclasses.replace(POLICY, cluster_min_same_phone_block=3, cluster_min_identities=3)
    assert check(counts(2, 2, 0)).outcome is Outcome.REFER
    assert check(counts(2, 2, 0), policy=stricter).outcome is Outcome.PASS
    assert check(counts(3, 3, 0), policy=stricter).outcome is Outcome.REFER
    off = dataclasses.replace(POLICY, outcomes={**POLICY.outcomes, CODE: Outcome.PASS})
    assert check(counts(5, 5, 5), policy=off).outcome is Outcome.PASS
    assert POLICY.cluster_round_income_minor == 50_000 and POLICY.cluster_income_near_bps == 5_000


def test_a_policy_file_without_the_cluster_keys_loads_and_records_a_pass() -> None:
    text = resources.files("creditloop.strategy").joinpath("policies/checks_v1.json").read_text("utf-8")
    doc = json.loads(text)
    old = {k: v for k, v in doc.items() if not k.startswith("cluster_")}
    old["outcomes"] = {k: v for k, v in doc["outcomes"].items() if k != CODE}
    policy = CheckPolicy.from_dict(old)
    assert policy.outcomes[CODE] is Outcome.PASS
    assert (policy.cluster_min_identities, policy.cluster_min_same_phone_block, policy.cluster_min_income_near) == (
        1,
        1,
        2,
    )
    assert policy.cluster_income_near_bps == 5_000 and policy.cluster_round_income_minor == 50_000
    assert check(counts(5, 5, 5), policy=policy).outcome is Outcome.PASS


def test_a_snapshot_stored_before_the_cluster_counts_yields_no_cluster_result() -> None:
    old = dataclasses.replace(VelocitySnapshot.empty(POLICY.velocity_windows_days), extra={})
    f = form(1, "15369563900", "9650")
    codes = [r.code for r in run_checks(f, derive_facts(f), old, POLICY)]
    assert CODE not in codes and codes[-1] == "EMPLOYER_INCOME_OUTLIER"
    assert set(VelocitySnapshot.empty((1,)).extra) == set(CLUSTER_COUNTS)


def test_texts_and_the_fraud_measure() -> None:
    zh, en = CHECK_REASON_TEXTS[CODE]
    assert "核实" in zh and en == "Unable to verify employment and income"
    assert is_fabrication_signal(CODE)
    # a withheld authorisation is how an inflated income escapes verification: a signal, unlike the age bounds
    assert "CONSENT_BUREAU_MISSING" not in ELIGIBILITY_CODES and is_fabrication_signal("CONSENT_BUREAU_MISSING")
    assert not is_fabrication_signal("AGE_ABOVE_MAX")


def test_the_phone_block_is_seven_digits_and_only_its_keyed_hash_is_kept() -> None:
    assert phone_block("+86 153-6956-3900") == phone_block("0086 15369563900") == "1536956"
    assert phone_block("1536956390") == phone_block("25369563900") == "" == phone_block_hash("123")
    hashed = phone_block_hash("15369563900")
    assert len(hashed) == 64 and "1536956" not in hashed and hashed == phone_block_hash("153 6956 0774")
    assert phone_block_hash("15369563900", b"another-key") != hashed
    assert Decimal(POLICY.cluster_income_near_bps) / 10_000 == Decimal("0.5")
