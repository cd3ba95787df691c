"""Agent and message scripts in Simplified Chinese and English (issue 15).

Debtor scripts name the amount past due; **third-party scripts never mention the debt**: they only ask the
person to pass on a request to call back (DOMAIN.md §2.3: contacts may be asked for whereabouts or to pass a
message, never told of the arrears). ``mentions_debt`` is what the conduct engine is told
(``ContactRequest.discloses_debt``); a test renders every third-party script and looks for any word or figure
of the debt. Texts carry no customer personal data beyond a first name the agent supplies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from creditloop.core.errors import ValidationError
from creditloop.core.money import format_major

Lang = Literal["zh", "en"]


@dataclass(frozen=True, slots=True)
class Script:
    script_id: str
    party: str  # debtor | third_party
    channels: tuple[str, ...]
    mentions_debt: bool
    zh: str
    en: str


SCRIPTS: dict[str, Script] = {
    s.script_id: s
    for s in (
        Script(
            "debtor_reminder",
            "debtor",
            ("sms", "app"),
            True,
            "【还款提醒】您的账户有 {amount} 元已逾期 {dpd} 天。请尽快还款；如有困难，可在App中申请还款方案。",
            "Payment reminder: {amount} yuan on your account is {dpd} days past due. Please pay soon; if you are "
            "in difficulty, you can ask for a repayment plan in the app.",
        ),
        Script(
            "debtor_call",
            "debtor",
            ("call",),
            True,
            "您好，请问是{first_name}本人吗？我是{caller}。您的账户有 {amount} 元已逾期 {dpd} 天，"
            "请问您方便什么时候还款？如果您遇到困难，我们可以为您介绍还款方案。",
            "Hello, am I speaking with {first_name}? This is {caller}. {amount} yuan on your account is {dpd} days "
            "past due. When would you be able to pay? If you are in difficulty, we can explain the repayment plans.",
        ),
        Script(
            "debtor_letter",
            "debtor",
            ("letter",),
            True,
            "{first_name}您好：您的账户有 {amount} 元已逾期 {dpd} 天。请尽快还款，或联系我们商议还款方案。",
            "Dear {first_name}, {amount} yuan on your account is {dpd} days past due. Please pay, or contact us to "
            "agree a repayment plan.",
        ),
        Script(
            "third_party_locate",
            "third_party",
            ("call", "sms"),
            False,
            "您好，我是{caller}，想联系{first_name}。麻烦您方便时请其回电 {callback}。谢谢，打扰了。",
            "Hello, this is {caller}. I am trying to reach {first_name}. When convenient, could you ask them to "
            "call back on {callback}? Thank you, and sorry to trouble you.",
        ),
    )
}
DEFAULT_FOR = {("debtor", "sms"): "debtor_reminder", ("debtor", "app"): "debtor_reminder",
               ("debtor", "call"): "debtor_call", ("debtor", "letter"): "debtor_letter",
               ("third_party", "call"): "third_party_locate", ("third_party", "sms"): "third_party_locate"}  # fmt: skip


def script_for(party: str, channel: str) -> Script:
    sid = DEFAULT_FOR.get((party, channel))
    if sid is None:
        raise ValidationError(f"no script for a {party} by {channel}", field="channel")
    return SCRIPTS[sid]


def render(
    script: Script,
    lang: Lang,
    *,
    first_name: str,
    caller: str,
    amount_minor: int = 0,
    dpd: int = 0,
    callback: str = "",
) -> str:
    """The script's text; a third-party script is given no amount at all, so none can leak into it."""
    if lang not in ("zh", "en"):
        raise ValidationError(f"lang must be zh or en, got {lang!r}", field="lang")
    template = script.zh if lang == "zh" else script.en
    if not script.mentions_debt:
        return template.format(first_name=first_name, caller=caller, callback=callback)
    return template.format(first_name=first_name, caller=caller, amount=format_major(amount_minor), dpd=dpd)
