"""Check outcomes and the stable check codes, with their customer-facing texts (zh / en).

Codes are part of the audit record and of the adverse-action notice: they never change meaning (retire a code
rather than reuse it). The English follows the ECOA / Reg B Form C-1 checklist ("Unable to verify identity",
"Unable to verify income", "Credit application incomplete or inconsistent") as ``strategy/reasons.py`` does;
the wording says what could not be verified, never how a fraud rule works. Velocity results carry the window
in their code (``VELOCITY_DEVICE_30D``); ``check_reason_text`` finds the text of the base code.

``Outcome`` lives here (and is re-exported by ``strategy.checks``) so the check policy can hold outcomes
without importing the module that runs the checks.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Literal

Lang = Literal["zh", "en"]


class Outcome(StrEnum):
    PASS = "pass"
    REFER = "refer"
    DECLINE = "decline"


OUTCOME_RANK = {Outcome.PASS: 0, Outcome.REFER: 1, Outcome.DECLINE: 2}


class CheckCode:
    """Base codes of every check (plain strings), in the order ``run_checks`` evaluates them (``CHECK_CODES``)."""

    ID_FORMAT: Final = "ID_FORMAT"
    ID_REGION: Final = "ID_REGION"
    ID_BIRTH_DATE: Final = "ID_BIRTH_DATE"
    ID_CHECK_DIGIT: Final = "ID_CHECK_DIGIT"
    BIRTH_DATE_MISMATCH: Final = "BIRTH_DATE_MISMATCH"
    AGE_BELOW_MIN: Final = "AGE_BELOW_MIN"
    AGE_ABOVE_MAX: Final = "AGE_ABOVE_MAX"
    PHONE_FORMAT: Final = "PHONE_FORMAT"
    CONSENT_BUREAU_MISSING: Final = "CONSENT_BUREAU_MISSING"
    INCOME_IMPLAUSIBLE: Final = "INCOME_IMPLAUSIBLE"
    INCOME_UNVERIFIED: Final = "INCOME_UNVERIFIED"
    DEBT_INCOME_INCONSISTENT: Final = "DEBT_INCOME_INCONSISTENT"
    AGE_SECTOR_INCONSISTENT: Final = "AGE_SECTOR_INCONSISTENT"
    DUPLICATE_SUBMISSION: Final = "DUPLICATE_SUBMISSION"
    VELOCITY_IDENTITY: Final = "VELOCITY_IDENTITY"  # result codes carry the window: VELOCITY_IDENTITY_1D
    VELOCITY_PHONE: Final = "VELOCITY_PHONE"
    VELOCITY_DEVICE: Final = "VELOCITY_DEVICE"
    IDENTITY_REUSE_PHONE: Final = "IDENTITY_REUSE_PHONE"
    IDENTITY_REUSE_DEVICE: Final = "IDENTITY_REUSE_DEVICE"
    IDENTITY_REUSE_EMPLOYER_ADDRESS: Final = "IDENTITY_REUSE_EMPLOYER_ADDRESS"
    MULTI_PHONE_IDENTITY: Final = "MULTI_PHONE_IDENTITY"
    MULTI_DEVICE_IDENTITY: Final = "MULTI_DEVICE_IDENTITY"
    EMPLOYER_INCOME_OUTLIER: Final = "EMPLOYER_INCOME_OUTLIER"
    EMPLOYER_APPLICATION_CLUSTER: Final = "EMPLOYER_APPLICATION_CLUSTER"  # agency packaging (中介包装)


CHECK_CODES: tuple[str, ...] = tuple(v for k, v in vars(CheckCode).items() if k.isupper())
VELOCITY_CODES = (CheckCode.VELOCITY_IDENTITY, CheckCode.VELOCITY_PHONE, CheckCode.VELOCITY_DEVICE)
# Eligibility, not evidence of fabrication: the product's age bounds (a true statement about the applicant). A
# withheld credit-report authorisation stays a signal: it is referred (a licensed lender queries the bureau only
# with it), and withholding it is how an inflated income avoids being contradicted. A fraud metric ("flagged as
# fabricated or inconsistent") counts every other check; ``check_flags`` lists both kinds.
ELIGIBILITY_CODES = frozenset({CheckCode.AGE_BELOW_MIN, CheckCode.AGE_ABOVE_MAX})


def is_fabrication_signal(code: str) -> bool:
    """Whether a check result code points at fabricated or inconsistent data (everything but eligibility)."""
    return base_code(code) not in ELIGIBILITY_CODES


_ID_ZH = "无法核实身份："
_ID_EN = "Unable to verify identity: "
CHECK_REASON_TEXTS: dict[str, tuple[str, str]] = {
    CheckCode.ID_FORMAT: (_ID_ZH + "身份证号码格式不正确", _ID_EN + "identity card number is not in a valid format"),
    CheckCode.ID_REGION: (
        _ID_ZH + "身份证号码的地区代码无效",
        _ID_EN + "identity card number has an invalid region code",
    ),
    CheckCode.ID_BIRTH_DATE: (
        _ID_ZH + "身份证号码中的出生日期无效",
        _ID_EN + "identity card number has an invalid date of birth",
    ),
    CheckCode.ID_CHECK_DIGIT: (_ID_ZH + "身份证号码校验位不正确", _ID_EN + "identity card number is not valid"),
    CheckCode.BIRTH_DATE_MISMATCH: (
        _ID_ZH + "填写的出生日期与身份证号码不一致",
        _ID_EN + "date of birth does not match the identity card",
    ),
    CheckCode.AGE_BELOW_MIN: (
        "申请人年龄低于本产品的最低申请年龄",
        "Applicant does not meet the minimum age for this product",
    ),
    CheckCode.AGE_ABOVE_MAX: (
        "申请人年龄超出本产品的申请年龄上限",
        "Applicant is above the maximum age for this product",
    ),
    CheckCode.PHONE_FORMAT: (
        "申请信息不完整：手机号码无效",
        "Credit application incomplete: mobile phone number is not valid",
    ),
    CheckCode.CONSENT_BUREAU_MISSING: (
        "申请信息不完整：未授权查询个人信用报告",
        "Credit application incomplete: no consent to obtain a credit report",
    ),
    CheckCode.INCOME_IMPLAUSIBLE: ("无法核实所填收入", "Unable to verify income"),
    CheckCode.INCOME_UNVERIFIED: (
        "无法核实所填收入：所填收入高于核验的收入",
        "Unable to verify income: stated income exceeds verified income",
    ),
    CheckCode.DEBT_INCOME_INCONSISTENT: (
        "申请信息前后不一致：负债、借款机构数量与收入不符",
        "Credit application incomplete or inconsistent: obligations, lenders and income do not agree",
    ),
    CheckCode.AGE_SECTOR_INCONSISTENT: ("无法核实工作及收入信息", "Unable to verify employment"),
    CheckCode.DUPLICATE_SUBMISSION: (
        "重复提交的申请：相同的申请已经提交",
        "Duplicate application: the same application was already submitted",
    ),
    CheckCode.VELOCITY_IDENTITY: ("近期申请次数过多", "Excessive number of recent applications for credit"),
    CheckCode.VELOCITY_PHONE: (
        "同一手机号码近期申请次数过多",
        "Excessive number of recent applications for credit from this phone number",
    ),
    CheckCode.VELOCITY_DEVICE: (
        "同一设备近期申请次数过多",
        "Excessive number of recent applications for credit from this device",
    ),
    CheckCode.IDENTITY_REUSE_PHONE: (
        _ID_ZH + "该手机号码与其他申请人相关联",
        _ID_EN + "phone number is associated with other applicants",
    ),
    CheckCode.IDENTITY_REUSE_DEVICE: (
        _ID_ZH + "该设备与其他申请人相关联",
        _ID_EN + "device is associated with other applicants",
    ),
    CheckCode.IDENTITY_REUSE_EMPLOYER_ADDRESS: (
        "无法核实工作单位：该单位及地址与大量其他申请人相关联",
        "Unable to verify employment: employer and address are associated with many other applicants",
    ),
    CheckCode.MULTI_PHONE_IDENTITY: (
        _ID_ZH + "该身份证件与多个手机号码相关联",
        _ID_EN + "identity is associated with several phone numbers",
    ),
    CheckCode.MULTI_DEVICE_IDENTITY: (
        _ID_ZH + "该身份证件与多个设备相关联",
        _ID_EN + "identity is associated with several devices",
    ),
    CheckCode.EMPLOYER_INCOME_OUTLIER: (
        "无法核实所填收入：明显高于同一工作单位的其他申请人",
        "Unable to verify income: well above other applicants from the same employer",
    ),
    CheckCode.EMPLOYER_APPLICATION_CLUSTER: (
        "无法核实工作单位及收入信息，需人工核实",
        "Unable to verify employment and income",
    ),
}


def base_code(code: str) -> str:
    """The base check code of a result code: VELOCITY_DEVICE_30D -> VELOCITY_DEVICE; others unchanged."""
    if code.startswith("VELOCITY_") and code.endswith("D"):
        head, _, window = code.rpartition("_")
        if window[:-1].isdigit():
            return head
    return code


def check_reason_text(code: str, lang: Lang = "zh") -> str:
    """The customer-facing text of a check result code in ``lang``; KeyError for an unknown code."""
    zh, en = CHECK_REASON_TEXTS[base_code(code)]
    return zh if lang == "zh" else en
