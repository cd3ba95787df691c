"""``creditloop checkout ...``: education at checkout (issue 16, item 5) — the affordability check and the cost in
plain words before an installment purchase (``check``, writes nothing), the purchase behind the check (``buy``),
and the reminders before a line's next due date (``remind``). Parse, call, render: ``app/checkout.py`` decides."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from creditloop.app.checkout import CheckoutPurchase, CheckoutResult, CustomerMeans, QueueDueReminders
from creditloop.entrypoints.cli._common import EXIT_USAGE, JsonOpt, LangOpt, check_lang, emit, fail, operation_id
from creditloop.entrypoints.cli._ledger import (
    DEFAULT_DIR,
    OPTION_OF_FIELD,
    AmountOpt,
    DataDirOpt,
    LineOpt,
    OnOpt,
    amount,
    business_day,
    send,
    when,
)

checkout_app = typer.Typer(
    help="Education at checkout: affordability check, the cost in plain words, reminders.", no_args_is_help=True
)
_OPTIONS = {**OPTION_OF_FIELD, "checkout_id": "--checkout-id", "monthly_income_minor": "--income",
            "living_costs_minor": "--living-costs", "other_debts_minor": "--other-debts", "at": "--at"}  # fmt: skip

PeriodsOpt = Annotated[int, typer.Option("--periods", help="Installments: a plan of the line's product.")]
IncomeOpt = Annotated[str, typer.Option("--income", help="Monthly income in yuan.")]
LivingOpt = Annotated[str, typer.Option("--living-costs", help="Monthly living costs in yuan.")]
DebtsOpt = Annotated[str, typer.Option("--other-debts", help="Monthly debt payments at other lenders, yuan.")]
AtOpt = Annotated[str | None, typer.Option("--at", help="The instant (ISO 8601 with offset; default now).")]


def _means(income: str, living: str, debts: str) -> CustomerMeans:
    values = [amount(v, o) if v.strip() not in ("0", "0.0", "0.00") else 0
              for v, o in ((income, "--income"), (living, "--living-costs"), (debts, "--other-debts"))]  # fmt: skip
    return CustomerMeans(*values)


def _at(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--at: {text!r} is not an ISO 8601 instant", EXIT_USAGE)
    if at.tzinfo is None:
        fail("--at: give the offset (e.g. 2024-01-06T10:00:00+08:00)", EXIT_USAGE)
    return at.astimezone(UTC)


def _render(result: CheckoutResult, lang: str) -> str:
    lines = [result.message[lang], result.cost.text[lang]]
    if result.confirm_after is not None and result.status == "cooling_off":
        lines.append(("可于以下时间后确认: " if lang == "zh" else "confirm after: ") + result.confirm_after.isoformat())
    if result.plan is not None:
        lines.append(f"{result.status}: {result.plan.plan_id}; reminders {', '.join(result.reminders) or '-'}")
    else:
        lines.append(result.status)
    return "\n".join(lines)


@checkout_app.command()
def check(
    line_id: LineOpt, amount_text: AmountOpt, periods: PeriodsOpt, income: IncomeOpt, living: LivingOpt,
    debts: DebtsOpt = "0", on: OnOpt = None, lang: LangOpt = "en", data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """The affordability outcome and the cost in plain words of a purchase; nothing is written."""
    check_lang(lang)
    cmd = CheckoutPurchase("preview", line_id, amount(amount_text), periods, business_day(on), datetime.now(UTC),
                           _means(income, living, debts), preview=True)  # fmt: skip
    result: CheckoutResult = send(data_dir, cmd, options=_OPTIONS)
    emit(as_json, result.to_dict(), _render(result, lang))


@checkout_app.command()
def buy(
    line_id: LineOpt, amount_text: AmountOpt, periods: PeriodsOpt, income: IncomeOpt, living: LivingOpt,
    debts: DebtsOpt = "0",
    checkout_id: Annotated[str | None, typer.Option("--checkout-id", help="The checkout (and purchase) id.")] = None,
    confirm: Annotated[bool, typer.Option("--confirm", help="The customer has read the cost and confirms.")] = False,
    at: AtOpt = None, on: OnOpt = None, lang: LangOpt = "en", data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:  # fmt: skip
    """Buy behind the check: pass buys; nudge needs --confirm; cool-off needs --confirm after the wait; decline
    never buys. Every decision is audited; a retry with the same --checkout-id keeps the first decision."""
    check_lang(lang)
    op = operation_id(checkout_id, "checkout")
    day = when(on, data_dir, line_id, op[0], generated=op[1])
    cmd = CheckoutPurchase(op[0], line_id, amount(amount_text), periods, day, _at(at), _means(income, living, debts),
                           confirmed=confirm)  # fmt: skip
    result: CheckoutResult = send(data_dir, cmd, options=_OPTIONS)
    text = _render(result, lang) + (f"\ncheckout id {op[0]} (generated)" if op[1] else "")
    emit(as_json, result.to_dict(), text)


@checkout_app.command()
def remind(line_id: LineOpt, on: OnOpt = None, data_dir: DataDirOpt = DEFAULT_DIR, as_json: JsonOpt = False) -> None:
    """Queue the reminders (zh/en outbound messages) before the line's next due date; once each."""
    sent = send(data_dir, QueueDueReminders(line_id, business_day(on)), options=_OPTIONS)
    emit(as_json, {"line_id": line_id, "reminders": list(sent)}, "reminders: " + (", ".join(sent) or "none queued"))


def register(app: typer.Typer) -> None:
    app.add_typer(checkout_app, name="checkout")
