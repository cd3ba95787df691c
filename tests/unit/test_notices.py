"""Adverse-action / refer notices: the top four reasons in zh and en, texts from every catalog, rights on decline."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from creditloop.core.errors import ValidationError
from creditloop.strategy.checks import CheckResult, Outcome
from creditloop.strategy.notices import CHECK_REASON_TEXTS, notice
from creditloop.strategy.underwriting import (
    ApplicantFacts,
    ModelOutput,
    UnderwritingDecision,
    decide_application,
    packaged_underwriting_policy,
)
from creditloop.strategy.underwriting_reasons import UW_REASON_TEXTS, UwReason

V1 = packaged_underwriting_policy()
FACTS = ApplicantFacts("APP-7", date(2026, 3, 1), 30, 2, 1, "it", "app", 1_000_000, None, 0, 1, 5_000_000, True, True)
MODEL = ModelOutput(
    "app-scorecard",
    "1",
    0.35,
    480.0,
    ("SC_DELINQUENCY", "SC_UTILISATION"),
    (("近期有逾期记录", "Recent delinquency"), ("额度使用率过高", "High utilisation of existing credit")),
)
CHECKS = (
    CheckResult("VELOCITY_DEVICE_30D", Outcome.REFER, "5", "<=3"),
    CheckResult("IDENTITY_REUSE_PHONE", Outcome.DECLINE, "4", "<=1"),
)


def declined() -> UnderwritingDecision:
    facts = replace(FACTS, monthly_income_minor=300_000)  # 3,000 - 2,749.50: too little left
    return decide_application(facts, CHECKS, MODEL, V1, arm="champion")


def test_decline_lists_top_four_reasons_in_order_and_the_rights_zh() -> None:
    d = declined()
    assert d.reasons[:5] == (
        "IDENTITY_REUSE_PHONE",
        "VELOCITY_DEVICE_30D",
        "SC_DELINQUENCY",
        "SC_UTILISATION",
        "DISPOSABLE_INCOME_LOW",
    )
    text = notice(d, "zh", check_texts={"IDENTITY_REUSE_PHONE": ("手机号被多个身份使用", "Phone used by others")})
    lines = text.splitlines()
    assert lines[0].startswith("授信申请结果通知") and "APP-7" in lines[0]
    assert lines[1] == "主要原因："
    assert lines[2] == "1. 手机号被多个身份使用（IDENTITY_REUSE_PHONE）"
    assert lines[3] == "2. 申请信息核查未通过（VELOCITY_DEVICE_30D）"  # no text wired yet: the kind and the code
    assert lines[4] == "3. 近期有逾期记录（SC_DELINQUENCY）"
    assert lines[5] == "4. 额度使用率过高（SC_UTILISATION）"
    assert "DISPOSABLE_INCOME_LOW" not in text  # only the top four
    assert "个人信息保护法》第二十四条" in lines[6] and "拒绝仅通过自动化决策" in lines[6]


def test_decline_notice_in_english_states_the_rights() -> None:
    text = notice(declined(), "en")
    assert text.splitlines()[0] == "Notice of action taken: we are unable to approve your application (APP-7)."
    assert "1. Application information could not be verified (IDENTITY_REUSE_PHONE)" in text
    assert "3. Recent delinquency (SC_DELINQUENCY)" in text
    assert "Article 24 of the Personal Information Protection Law" in text
    assert "right to know the principal reasons" in text


def test_the_check_catalog_is_used_when_wired(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(CHECK_REASON_TEXTS, "VELOCITY_DEVICE_30D", ("设备近期申请过多", "Too many recent applications"))
    assert "2. Too many recent applications (VELOCITY_DEVICE_30D)" in notice(declined(), "en")


def test_refer_notice_has_reasons_and_no_rights_statement() -> None:
    d = decide_application(FACTS, CHECKS[:1], replace(MODEL, pd=0.01), V1, arm="champion")
    assert d.decision == "refer"
    text = notice(d, "en")
    assert "further review" in text and "Reasons for the review:" in text
    assert "Article 24" not in text


def test_approval_below_the_request_says_why() -> None:
    d = decide_application(replace(FACTS, consent_bureau=False), (), replace(MODEL, pd=0.01), V1, arm="champion")
    zh = notice(d, "zh")
    assert "授信额度为 350.00 元" in zh and "入门额度" in zh
    assert "credit line of 350.00 yuan" in notice(d, "en")


def test_a_model_reason_without_text_is_still_listed() -> None:
    bare = replace(declined(), reason_texts=())
    assert "3. Other reason (SC_DELINQUENCY)" in notice(bare, "en")
    assert "3. 其他原因（SC_DELINQUENCY）" in notice(bare, "zh")


def test_every_policy_reason_has_both_texts() -> None:
    for code in UwReason:
        zh, en = UW_REASON_TEXTS[code]
        assert zh and en and zh != en


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        notice(declined(), "fr")
    assert err.value.field == "lang"
