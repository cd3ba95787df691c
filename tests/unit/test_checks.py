"""Every application check passes a clean form and flags the case it is for, with the configured outcome and
without personal data in what it records (issue 13 item 2)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from creditloop.core.errors import DomainError
from creditloop.strategy.application import ApplicationForm
from creditloop.strategy.check_codes import CHECK_CODES, CHECK_REASON_TEXTS, base_code, check_reason_text
from creditloop.strategy.checks import (
    CheckResult,
    Outcome,
    default_check_policy,
    flags,
    phone_ok,
    run_checks,
    worst,
)
from creditloop.strategy.facts import age_on, derive_facts
from creditloop.strategy.idcard import make_resident_id
from creditloop.strategy.velocity import VelocitySnapshot, WindowCounts

POLICY = default_check_policy()
BORN = date(1990, 5, 6)
ID_NUMBER = make_resident_id("310104", BORN, 123)
PHONE = "13800138000"
NAME = "张三"


def base(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "application_id": "APP-1",
        "applied_at": "2026-03-01T10:15:00+08:00",
        "channel": "app",
        "name": NAME,
        "id_number": ID_NUMBER,
        "birth_date": BORN.isoformat(),
        "phone": PHONE,
        "device_id": "device-1",
        "city": "Shanghai",
        "city_tier": 1,
        "employer": "Acme",
        "sector": "technology",
        "monthly_income": "15000.00",
        "monthly_debt_payments": "1200",
        "other_lenders": 1,
        "requested_limit": "5000",
        "consent_bureau": "true",
        "consent_sharing": "true",
    }
    row.update(changes)
    return row


def empty() -> VelocitySnapshot:
    return VelocitySnapshot.empty(POLICY.velocity_windows_days)


def check(velocity: VelocitySnapshot | None = None, **changes: Any) -> dict[str, CheckResult]:
    form = ApplicationForm(**base(**changes))
    results = run_checks(form, derive_facts(form), velocity or empty(), POLICY)
    return {r.code: r for r in results}


def flagged(velocity: VelocitySnapshot | None = None, **changes: Any) -> set[str]:
    return {code for code, r in check(velocity, **changes).items() if r.outcome is not Outcome.PASS}


def test_a_clean_form_passes_every_check_in_a_fixed_order() -> None:
    form = ApplicationForm(**base())
    results = run_checks(form, derive_facts(form), empty(), POLICY)
    assert flags(results) == ()
    assert worst(results) is Outcome.PASS
    bases = [base_code(r.code) for r in results]
    assert list(dict.fromkeys(bases)) == list(CHECK_CODES)  # every code, in CheckCode order
    velocity = [r.code for r in results if r.code.startswith("VELOCITY_")]
    assert velocity == [f"VELOCITY_{k}_{d}D" for k in ("IDENTITY", "PHONE", "DEVICE") for d in (1, 30)]


@pytest.mark.parametrize(
    ("changes", "code", "outcome"),
    [
        ({"id_number": "31010419900506123"}, "ID_FORMAT", Outcome.DECLINE),
        ({"id_number": "3101041990050612A"}, "ID_FORMAT", Outcome.DECLINE),
        ({"id_number": make_resident_id("990104", BORN, 123)}, "ID_REGION", Outcome.DECLINE),
        ({"id_number": make_resident_id("310004", BORN, 123)}, "ID_REGION", Outcome.DECLINE),
        (
            {"id_number": make_resident_id("310104", date(1890, 5, 6), 1), "birth_date": "1890-05-06"},
            "ID_BIRTH_DATE",
            None,
        ),
        ({"id_number": ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")}, "ID_CHECK_DIGIT", Outcome.DECLINE),
        ({"birth_date": "1990-05-07"}, "BIRTH_DATE_MISMATCH", Outcome.DECLINE),
        ({"phone": "12800138000"}, "PHONE_FORMAT", Outcome.REFER),
        ({"phone": "1380013800"}, "PHONE_FORMAT", Outcome.REFER),
        ({"consent_bureau": "false"}, "CONSENT_BUREAU_MISSING", Outcome.REFER),
        ({"monthly_income": "90000"}, "INCOME_IMPLAUSIBLE", Outcome.REFER),
        (
            {"sector": "student", "monthly_income": "30000", "monthly_debt_payments": "0", "other_lenders": 0},
            "INCOME_IMPLAUSIBLE",
            Outcome.REFER,
        ),
        ({"verified_income": "9000"}, "INCOME_UNVERIFIED", Outcome.REFER),
        ({"other_lenders": 0}, "DEBT_INCOME_INCONSISTENT", Outcome.DECLINE),
        ({"monthly_debt_payments": "0", "other_lenders": 3}, "DEBT_INCOME_INCONSISTENT", Outcome.DECLINE),
        ({"monthly_debt_payments": "15000"}, "DEBT_INCOME_INCONSISTENT", Outcome.DECLINE),
    ],
)
def test_each_form_check_flags_its_case(changes: dict[str, Any], code: str, outcome: Outcome | None) -> None:
    results = check(**changes)
    assert results[code].outcome is (outcome or Outcome.DECLINE)
    if code != "ID_BIRTH_DATE":  # a birth date before 1900 also makes the age too high
        assert flagged(**changes) == {code}


def test_age_bounds() -> None:
    young = date(2008, 3, 2)  # 17 on 2026-03-01
    old = date(1965, 3, 1)  # 61
    assert flagged(birth_date=young.isoformat(), id_number=make_resident_id("310104", young, 5)) == {"AGE_BELOW_MIN"}
    assert flagged(birth_date=old.isoformat(), id_number=make_resident_id("310104", old, 5)) == {"AGE_ABOVE_MAX"}
    eighteen = date(2008, 3, 1)  # 18 today
    assert flagged(birth_date=eighteen.isoformat(), id_number=make_resident_id("310104", eighteen, 5)) == set()
    assert check(birth_date=young.isoformat(), id_number=make_resident_id("310104", young, 5))["AGE_BELOW_MIN"] == (
        CheckResult("AGE_BELOW_MIN", Outcome.DECLINE, "17", ">=18")
    )


def test_age_sector_inconsistent_for_a_young_applicant_with_a_senior_wage() -> None:
    young = date(2006, 1, 1)  # 20
    changes = {"birth_date": young.isoformat(), "id_number": make_resident_id("310104", young, 5)}
    # technology tier 1 median 12,000 x 1.4 = 16,800; x 2.5 = 42,000; a 20-year-old stating 45,000 is referred
    assert flagged(monthly_income="45000", **changes) == {"AGE_SECTOR_INCONSISTENT"}
    assert flagged(monthly_income="40000", **changes) == set()
    assert flagged(monthly_income="45000") == set()  # the same wage at 35 is plausible


def test_age_sector_inconsistent_for_an_old_student_or_a_young_retiree() -> None:
    def born(years: int) -> dict[str, str]:
        day = date(2026 - years, 1, 1)
        return {"birth_date": day.isoformat(), "id_number": make_resident_id("310104", day, 5)}

    quiet = {"monthly_income": "3000", "monthly_debt_payments": "0", "other_lenders": 0}
    assert flagged(sector="student", **quiet, **born(41)) == {"AGE_SECTOR_INCONSISTENT"}
    assert flagged(sector="学生", **quiet, **born(40)) == set()
    assert flagged(sector="retired", **quiet, **born(44)) == {"AGE_SECTOR_INCONSISTENT"}
    assert flagged(sector="retiree", **quiet, **born(45)) == set()


def test_a_future_birth_date_in_the_id_is_refused() -> None:
    future = date(2026, 3, 2)  # the day after the application (Shanghai calendar)
    results = check(id_number=make_resident_id("310104", future, 1))
    assert results["ID_BIRTH_DATE"].outcome is Outcome.DECLINE
    assert results["BIRTH_DATE_MISMATCH"].outcome is Outcome.DECLINE


def test_a_bad_format_leaves_the_other_id_checks_not_evaluated() -> None:
    results = check(id_number="123")
    assert results["ID_FORMAT"].outcome is Outcome.DECLINE
    for code in ("ID_REGION", "ID_BIRTH_DATE", "ID_CHECK_DIGIT", "BIRTH_DATE_MISMATCH"):
        assert results[code] == CheckResult(code, Outcome.PASS, "not evaluated", results[code].threshold)


def test_lower_case_x_and_spaces_are_accepted() -> None:
    born = date(1949, 12, 31)
    assert flagged(id_number=" 11010519491231002x ", birth_date=born.isoformat(), monthly_income="5000") == {
        "AGE_ABOVE_MAX"
    }


@pytest.mark.parametrize(
    "phone",
    ["13800138000", "+86 138 0013 8000", "+86-138-0013-8000", "008613800138000", "8613800138000", "(+86)19912345678"],
)
def test_phone_formats_accepted(phone: str) -> None:
    assert phone_ok(phone)


@pytest.mark.parametrize(
    "phone", ["12800138000", "1380013800", "138001380001", "+1 13800138000", "1380013800x", "021-12345678"]
)
def test_phone_formats_refused(phone: str) -> None:
    assert not phone_ok(phone)


def test_income_unverified_compares_stated_with_verified() -> None:
    assert check(verified_income="10000")["INCOME_UNVERIFIED"].outcome is Outcome.PASS  # 1.50 is the limit
    assert check(verified_income="9999")["INCOME_UNVERIFIED"].outcome is Outcome.REFER
    assert check(verified_income="0")["INCOME_UNVERIFIED"].observed == "stated/verified=inf"
    assert check()["INCOME_UNVERIFIED"].observed == "no verified income"


def test_unknown_sectors_use_the_other_row_and_aliases_resolve() -> None:
    assert check(sector="astronaut")["INCOME_IMPLAUSIBLE"].observed == "1.33x median other tier 1"
    assert check(sector="IT")["INCOME_IMPLAUSIBLE"].observed == "0.89x median technology tier 1"
    assert check(sector="信息技术")["INCOME_IMPLAUSIBLE"].observed == "0.89x median technology tier 1"


def snapshot(**changes: Any) -> VelocitySnapshot:
    return dataclasses.replace(empty(), **changes)


def windows(days: int, identity: int = 0, phone: int = 0, device: int = 0) -> tuple[WindowCounts, ...]:
    return tuple(
        WindowCounts(d, identity, phone, device) if d == days else WindowCounts(d, 0, 0, 0)
        for d in POLICY.velocity_windows_days
    )


@pytest.mark.parametrize(
    ("velocity", "code", "outcome"),
    [
        (snapshot(duplicate_of="APP-0"), "DUPLICATE_SUBMISSION", Outcome.DECLINE),
        (snapshot(windows=windows(1, identity=3)), "VELOCITY_IDENTITY_1D", Outcome.REFER),
        (snapshot(windows=windows(30, phone=6)), "VELOCITY_PHONE_30D", Outcome.REFER),
        (snapshot(windows=windows(1, device=4)), "VELOCITY_DEVICE_1D", Outcome.REFER),
        (snapshot(identities_per_phone=1), "IDENTITY_REUSE_PHONE", Outcome.REFER),
        (snapshot(identities_per_device=2), "IDENTITY_REUSE_DEVICE", Outcome.REFER),
        (snapshot(identities_per_employer_address=10), "IDENTITY_REUSE_EMPLOYER_ADDRESS", Outcome.REFER),
        (snapshot(phones_per_identity=2), "MULTI_PHONE_IDENTITY", Outcome.REFER),
        (snapshot(devices_per_identity=3), "MULTI_DEVICE_IDENTITY", Outcome.REFER),
        (snapshot(employer_peers=5, employer_median_income_minor=400_000), "EMPLOYER_INCOME_OUTLIER", Outcome.REFER),
    ],
)
def test_each_history_check_flags_its_case(velocity: VelocitySnapshot, code: str, outcome: Outcome) -> None:
    results = check(velocity)
    assert results[code].outcome is outcome
    assert flagged(velocity) == {code}


@pytest.mark.parametrize(
    "velocity",
    [
        snapshot(windows=windows(1, identity=2, phone=2, device=3)),  # at the maximum: allowed
        snapshot(windows=windows(30, identity=5, phone=5, device=8)),
        snapshot(identities_per_device=1, identities_per_employer_address=9, phones_per_identity=1),
        snapshot(devices_per_identity=2),
        snapshot(employer_peers=4, employer_median_income_minor=100_000),  # too few peers to compare
        snapshot(employer_peers=5, employer_median_income_minor=500_000),  # 15,000 = 3.0x: not above
    ],
)
def test_history_checks_pass_at_their_thresholds(velocity: VelocitySnapshot) -> None:
    assert flagged(velocity) == set()


def test_a_snapshot_without_the_policy_window_is_refused() -> None:
    form = ApplicationForm(**base())
    with pytest.raises(DomainError) as err:
        run_checks(form, derive_facts(form), VelocitySnapshot.empty((1, 7)), POLICY)
    assert err.value.code == "velocity_window_missing"


def test_observed_never_holds_personal_data() -> None:
    velocity = snapshot(duplicate_of="APP-0", identities_per_phone=3, employer_peers=9, employer_median_income_minor=1)
    for changes in ({}, {"birth_date": "1990-05-07"}, {"phone": "12800138000"}, {"id_number": "12345"}):
        for r in check(velocity, **changes).values():
            text = r.observed + r.threshold
            for secret in (ID_NUMBER, ID_NUMBER[6:14], PHONE, NAME, "1990-05", "19900506", "device-1", "Acme"):
                assert secret not in text, (r.code, secret)


def test_outcomes_follow_the_policy() -> None:
    policy = dataclasses.replace(POLICY, outcomes={**POLICY.outcomes, "PHONE_FORMAT": Outcome.DECLINE})
    form = ApplicationForm(**base(phone="123"))
    results = run_checks(form, derive_facts(form), empty(), policy)
    assert worst(results) is Outcome.DECLINE and flags(results) == ("PHONE_FORMAT",)


def test_facts_use_the_business_calendar_and_the_stated_birth_date() -> None:
    # 23:30 UTC on 28 Feb is 07:30 on 1 March in Shanghai: the birthday has come
    form = ApplicationForm(**base(applied_at="2026-02-28T23:30:00+00:00", birth_date="2000-03-01"))
    facts = derive_facts(form)
    assert facts.applied_on == date(2026, 3, 1) and facts.age == 26
    assert derive_facts(form, "UTC").age == 25
    assert facts.monthly_income_minor == 1_500_000 and facts.monthly_debt_payments_minor == 120_000
    assert age_on(date(2000, 2, 29), date(2027, 2, 28)) == 26 and age_on(date(2000, 2, 29), date(2027, 3, 1)) == 27


def test_every_code_has_reason_texts_in_both_languages() -> None:
    assert set(CHECK_REASON_TEXTS) == set(CHECK_CODES)
    for zh, en in CHECK_REASON_TEXTS.values():
        assert zh and en and any("\u4e00" <= ch <= "\u9fff" for ch in zh) and en.isascii()
    assert check_reason_text("VELOCITY_DEVICE_30D", "en") == CHECK_REASON_TEXTS["VELOCITY_DEVICE"][1]
    assert check_reason_text("ID_CHECK_DIGIT") == CHECK_REASON_TEXTS["ID_CHECK_DIGIT"][0]
