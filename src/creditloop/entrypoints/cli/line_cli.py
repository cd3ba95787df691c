"""``creditloop line ...``: one command per operation on a credit line.

Every operation takes a client operation id (``--payment-id``, ``--hold-id``...): a retry with the same id is
safe. When it is omitted a new id is generated and printed (in ``--json`` as ``operation_id``).
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import timedelta
from typing import Annotated, Any

import typer

from creditloop.app import commands as c
from creditloop.entrypoints.cli._common import (
    EXIT_USAGE,
    JsonOpt,
    LangOpt,
    check_lang,
    echo_json,
    emit,
    fail,
    format_yuan,
    header,
    operation_id,
    out,
    parse_day,
    table,
)
from creditloop.entrypoints.cli._ledger import (
    DEFAULT_DIR,
    OPTION_OF_FIELD,
    AmountOpt,
    DataDirOpt,
    LineOpt,
    OnOpt,
    amount,
    dry_run_before_creating,
    send,
    when,
)
from creditloop.servicing.commands import RESTRUCTURES

line_app = typer.Typer(
    help="Operate on one credit line: open, authorise, buy, refund, repay, restructure, show.", no_args_is_help=True
)

MAX_HOLD_DAYS = 366  # an authorisation hold is days or weeks; a year is already generous (year 9999 was taken)
_GENERATED = " (default: a new id, printed)"


def _id_opt(option: str, what: str) -> Any:
    return typer.Option(option, help=f"{what}; a retry with the same id is safe{_GENERATED}.")


def done(as_json: bool, op: tuple[str, bool], option: str, payload: dict[str, Any], text: str) -> None:
    """Print an operation's result; a generated operation id is always shown, so the client can retry with it."""
    op_id, generated = op
    if generated:
        text += f"\noperation id {op_id} (generated; retry with {option} {op_id})"
    emit(as_json, {"operation_id": op_id, **payload}, text)


@line_app.command("open")
def open_line(
    line_id: LineOpt,
    customer_id: Annotated[str, typer.Option("--customer-id")],
    limit: Annotated[str, typer.Option("--limit", help="Credit limit in yuan.")],
    on: OnOpt = None,
    statement_day: Annotated[int | None, typer.Option("--statement-day", help="1..28 (product default 1).")] = None,
    due_days: Annotated[int | None, typer.Option("--due-days", help="Days from statement to due date.")] = None,
    product: Annotated[
        str | None, typer.Option("--product", help="Catalog product ID[@VERSION] (see `creditloop products`).")
    ] = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Open a credit line with a limit, on the default product or a catalog product (--product)."""
    limit_minor = amount(limit, "--limit")
    # Checked here as well as in the domain: a refused line must not leave a new, empty ledger behind.
    if statement_day is not None and not 1 <= statement_day <= 28:
        fail(f"--statement-day: must be between 1 and 28, got {statement_day}", EXIT_USAGE)
    if due_days is not None and not 0 <= due_days <= 27:
        fail(f"--due-days: must be between 0 and 27, got {due_days}", EXIT_USAGE)
    day = when(on, data_dir, line_id, None)
    cmd = c.OpenLine(line_id, customer_id, limit_minor, day, statement_day, due_days, product)
    dry_run_before_creating(data_dir, cmd)
    line = send(data_dir, cmd, create=True)
    emit(
        as_json,
        {
            "line_id": line.line_id,
            "limit_minor": line.limit_minor,
            "opened_on": line.opened_on,
            "product": line.product.key,
        },
        f"Opened {line.line_id} with limit {format_yuan(line.limit_minor)} on product {line.product.key}",
    )


@line_app.command()
def authorise(
    line_id: LineOpt,
    amount_text: AmountOpt,
    expires: Annotated[str, typer.Option("--expires", help="Last day the hold stands, YYYY-MM-DD.")],
    hold_id: Annotated[str | None, _id_opt("--hold-id", "The hold")] = None,
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Reserve open-to-buy for a checkout (a hold)."""
    expires_on = parse_day(expires, "--expires")
    minor = amount(amount_text)
    op = operation_id(hold_id, "hold")
    day = when(on, data_dir, line_id, op[0], generated=op[1])
    if expires_on < day:
        fail(f"--expires: {expires_on} is before the hold's date {day}", EXIT_USAGE)
    if expires_on > day + timedelta(days=MAX_HOLD_DAYS):
        fail(f"--expires: a hold stands at most {MAX_HOLD_DAYS} days, until {day + timedelta(days=MAX_HOLD_DAYS)}", 2)
    hold = send(data_dir, c.Authorise(op[0], line_id, minor, day, expires_on))
    text = f"Hold {hold.hold_id}: {format_yuan(hold.remaining_minor)} until {hold.expires_on}"
    done(as_json, op, "--hold-id", asdict(hold), text)


@line_app.command()
def capture(
    line_id: LineOpt,
    hold_id: Annotated[str, typer.Option("--hold-id", help="The hold to capture.")],
    amount_text: AmountOpt,
    capture_id: Annotated[str | None, _id_opt("--capture-id", "The capture")] = None,
    periods: Annotated[int, typer.Option("--periods", help="1 = pay next month; or a plan of the line's product.")] = 1,
    partial: Annotated[bool, typer.Option("--partial", help="Keep the rest of the hold for later captures.")] = False,
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Capture (part of) a hold as a purchase."""
    minor = amount(amount_text)
    op = operation_id(capture_id, "capture")
    day = when(on, data_dir, line_id, op[0], generated=op[1])
    plan = send(data_dir, c.Capture(op[0], line_id, hold_id, minor, periods, day, final=not partial))
    text = f"Captured {format_yuan(plan.principal_minor)} as {plan.plan_id}"
    done(as_json, op, "--capture-id", {"plan_id": plan.plan_id, "principal_minor": plan.principal_minor}, text)


@line_app.command()
def void(
    line_id: LineOpt,
    hold_id: Annotated[str, typer.Option("--hold-id", help="The hold to release.")],
    void_id: Annotated[str | None, _id_opt("--void-id", "The void")] = None,
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Release a hold."""
    op = operation_id(void_id, "void")
    send(data_dir, c.Void(op[0], line_id, hold_id, when(on, data_dir, line_id, op[0], generated=op[1])))
    done(as_json, op, "--void-id", {"hold_id": hold_id, "voided": True}, f"Voided {hold_id}")


@line_app.command()
def purchase(
    line_id: LineOpt,
    amount_text: AmountOpt,
    purchase_id: Annotated[str | None, _id_opt("--purchase-id", "The purchase")] = None,
    periods: Annotated[int, typer.Option("--periods", help="1 = pay next month; or a plan of the line's product.")] = 1,
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Buy on the line (a back-dated purchase re-derives history)."""
    minor = amount(amount_text)
    op = operation_id(purchase_id, "purchase")
    plan = send(
        data_dir, c.Purchase(op[0], line_id, minor, periods, when(on, data_dir, line_id, op[0], generated=op[1]))
    )
    rows = [
        {"seq": i.seq, "due_on": i.due_on, "principal_minor": i.principal_minor, "fee_minor": i.fee_minor}
        for i in plan.installments
    ]
    text = f"{plan.plan_id}: " + ", ".join(
        f"{r['due_on']} {format_yuan(r['principal_minor'] + r['fee_minor'])}" for r in rows
    )
    done(as_json, op, "--purchase-id", {"plan_id": plan.plan_id, "installments": rows}, text)


@line_app.command()
def refund(
    line_id: LineOpt,
    purchase_id: Annotated[str, typer.Option("--purchase-id", help="The purchase refunded.")],
    amount_text: AmountOpt,
    refund_id: Annotated[str | None, _id_opt("--refund-id", "The refund")] = None,
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """A merchant refund or return."""
    minor = amount(amount_text)
    op = operation_id(refund_id, "refund")
    day = when(on, data_dir, line_id, op[0], generated=op[1])
    to_credit = send(data_dir, c.Refund(op[0], line_id, purchase_id, minor, day))
    text = f"Refunded; {format_yuan(to_credit)} to the credit balance"
    done(as_json, op, "--refund-id", {"purchase_id": purchase_id, "to_credit_balance_minor": to_credit}, text)


@line_app.command()
def repay(
    line_id: LineOpt,
    amount_text: AmountOpt,
    payment_id: Annotated[str | None, _id_opt("--payment-id", "The payment")] = None,
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Repay through the waterfall (an earlier value date re-derives penalty and delinquency)."""
    minor = amount(amount_text)
    op = operation_id(payment_id, "payment")
    value_on = when(on, data_dir, line_id, op[0], generated=op[1])
    result = send(data_dir, c.Repay(op[0], line_id, minor, value_on))
    text = "Allocated: " + ", ".join(f"{a} {format_yuan(m)}" for a, m in result.allocation)
    if result.to_credit_balance_minor:
        text += f"; credit {format_yuan(result.to_credit_balance_minor)}"
    doc = asdict(result)
    if result.paid_on > value_on:
        # A late payment that history after its value date could not absorb (docs/servicing.md).
        doc["value_on"] = value_on
        text += (
            f"\nBooked on the open date {result.paid_on}, not on its value date {value_on}: history after it could "
            f"not be re-derived. 该笔还款按当前营业日 {result.paid_on} 入账（起息日 {value_on} 之后的记录无法重算）。"
        )
    done(as_json, op, "--payment-id", doc, text)


@line_app.command()
def reverse(
    line_id: LineOpt,
    payment_id: Annotated[str, typer.Option("--payment-id", help="The bounced payment.")],
    reversal_id: Annotated[str | None, _id_opt("--reversal-id", "The reversal")] = None,
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Reverse a bounced payment: re-derive everything after it, or, when history no longer allows that, keep it
    and book a returned payment (what never arrived is owed again at once)."""
    op = operation_id(reversal_id, "reversal")
    day = when(on, data_dir, line_id, op[0], generated=op[1])
    result = send(data_dir, c.ReversePayment(op[0], line_id, payment_id, day))
    done(as_json, op, "--reversal-id", result.to_dict(), reversal_message(result))


def reversal_message(result: Any) -> str:
    """What happened to a bounced payment, in English and Chinese."""
    paid = format_yuan(result.amount_minor)
    if result.kind == "returned":
        owed = format_yuan(result.owed_again_minor)
        return (
            f"Payment {result.payment_id} ({paid} yuan) could not be taken out of history: it stays, and a returned "
            f"payment was booked on {result.booked_on}; {owed} yuan is owed again at once.\n"
            f"还款 {result.payment_id}（{paid} 元）无法从历史中撤销：保留原记录，已于 {result.booked_on} 记入退票，"
            f"{owed} 元重新计为应还款项，立即到期。"
        )
    return (
        f"Reversed payment {result.payment_id} ({paid} yuan); history re-derived from {result.value_on}.\n"
        f"已撤销还款 {result.payment_id}（{paid} 元），自 {result.value_on} 起重新计算。"
    )


@line_app.command("refund-credit")
def refund_credit(
    line_id: LineOpt,
    amount_text: AmountOpt,
    refund_id: Annotated[str | None, _id_opt("--refund-id", "The payout")] = None,
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Pay a credit balance back to the customer."""
    minor = amount(amount_text)
    op = operation_id(refund_id, "payout")
    send(data_dir, c.RefundCreditBalance(op[0], line_id, minor, when(on, data_dir, line_id, op[0], generated=op[1])))
    text = f"Credit balance refunded: {format_yuan(minor)}"
    done(as_json, op, "--refund-id", {"refunded_minor": minor}, text)


@line_app.command()
def change(
    line_id: LineOpt,
    action: Annotated[str, typer.Option("--action", help="limit | freeze | unfreeze | close")],
    change_id: Annotated[str | None, _id_opt("--change-id", "The change")] = None,
    limit: Annotated[str | None, typer.Option("--limit", help="New limit in yuan (action limit).")] = None,
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Change the limit, freeze, unfreeze or close the line."""
    if action not in {"limit", "freeze", "unfreeze", "close"}:
        fail(f"--action: must be limit, freeze, unfreeze or close, got {action!r}", EXIT_USAGE)
    limit_minor = amount(limit, "--limit") if limit is not None else None
    op = operation_id(change_id, "change")
    day = when(on, data_dir, line_id, op[0], generated=op[1])
    send(data_dir, c.ChangeLine(op[0], line_id, action, day, limit_minor))
    text = f"{action}: done" + (f" (limit {format_yuan(limit_minor)})" if limit_minor is not None else "")
    done(as_json, op, "--change-id", {"action": action, "limit_minor": limit_minor}, text)


@line_app.command()
def undo(
    line_id: LineOpt,
    request_id: Annotated[str, typer.Option("--request-id", help="The restructure to undo.")],
    undo_id: Annotated[str | None, _id_opt("--undo-id", "The undo")] = None,
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Undo a restructure while nothing has happened after it."""
    op = operation_id(undo_id, "undo")
    send(data_dir, c.UndoRestructure(op[0], line_id, request_id, when(on, data_dir, line_id, op[0], generated=op[1])))
    done(as_json, op, "--undo-id", {"request_id": request_id, "undone": True}, f"Undone {request_id}")


# A restructure's fields come from --param name=value (all but the kind and the date).
RESTRUCTURE_PARAMS: tuple[str, ...] = ("periods", "first_due_on", "from_due_on", "monthly_fee_bps", "freeze")
RESTRUCTURE_PARAMS += ("waive_penalty", "unit", "start_on", "amount_minor", "penalty_minor", "input")
RESTRUCTURE_PARAMS += ("due_on", "accrue", "months", "every", "multiple_minor", "include_billed")
RESTRUCTURE_KINDS = " | ".join(kind.kind for kind in RESTRUCTURES)


@line_app.command("restructure")
def restructure_cmd(
    line_id: LineOpt,
    kind: Annotated[
        str,
        typer.Option("--kind", help=f"{RESTRUCTURE_KINDS} (docs/servicing.md: each kind's parameters)"),
    ],
    request_id: Annotated[str | None, _id_opt("--request-id", "The restructure")] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="name=value, repeatable (e.g. periods=12).")
    ] = None,
    preview: Annotated[bool, typer.Option("--preview", help="Show what it would do; change nothing.")] = False,
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
    lang: LangOpt = "en",
) -> None:
    """Apply or preview a restructuring primitive."""
    check_lang(lang)
    params: dict[str, object] = {}
    for item in param or []:
        name, sep, value = item.partition("=")
        if not sep:
            fail(f"--param: expected name=value, got {item!r}", EXIT_USAGE)
        params[name] = _param_value(value)
    options = {**OPTION_OF_FIELD, **{name: "--param" for name in (*params, *RESTRUCTURE_PARAMS)}, "kind": "--kind"}
    op = operation_id(request_id, "restructure")
    day = when(on, data_dir, line_id, op[0], generated=op[1])
    command = c.Restructure(op[0], line_id, kind, day, tuple(params.items()), preview)
    result = send(data_dir, command, options=options)
    payload = {
        "operation_id": op[0],
        "kind": result.kind,
        "preview": preview,
        "before": result.before,
        "after": result.after,
        "forgone_fee_minor": result.forgone_fee_minor,
        "concession_minor": result.concession_minor,
        "dpd_after": result.dpd_after,
        "added_charges_minor": result.added_charges_minor,
        "discount_minor": result.discount_minor,
        "total_before_minor": result.total_before_minor,
        "total_after_minor": result.total_after_minor,
        "disclosure": result.disclosure,
        "disclosures": list(result.disclosures),
    }
    if as_json:
        echo_json(payload)
        return
    state = header("preview" if preview else "applied", lang)
    rows = table(f"{kind} ({state})", ("due on", "principal", "fee"), lang)
    for row in result.after:
        rows.add_row(str(row["due_on"]), format_yuan(row["principal_minor"]), format_yuan(row["fee_minor"]))
    out.print(rows)
    if result.disclosure is not None:
        out.print(result.disclosure["text"]["zh"])
        out.print(result.disclosure["text"]["en"])
    out.print(_summary(result, lang))
    if op[1]:
        out.print(f"operation id {op[0]} (generated; retry with --request-id {op[0]})", highlight=False)


def _summary(r: Any, lang: str) -> str:
    """What the restructure does to the customer's money, in the customer's language."""
    y = format_yuan
    if lang == "zh":
        text = f"不再收取的手续费 {y(r.forgone_fee_minor)}，减免 {y(r.concession_minor)}"
        if r.discount_minor:
            text += f"，按期付清可折让 {y(r.discount_minor)}"
        return text + f"；应还总额 {y(r.total_before_minor)} → {y(r.total_after_minor)}，调整后逾期 {r.dpd_after} 天"
    text = f"forgone fees {y(r.forgone_fee_minor)}, concessions {y(r.concession_minor)}"
    if r.discount_minor:
        text += f", discount if paid in time {y(r.discount_minor)}"
    return text + f"; total to repay {y(r.total_before_minor)} -> {y(r.total_after_minor)}, DPD after {r.dpd_after}"


def _param_value(text: str) -> object:
    if text.lower() in {"true", "false"}:
        return text.lower() == "true"
    # ASCII digits only: int() also takes "１２", "١٢" and "1_000".
    if re.fullmatch(r"[+-]?[0-9]{1,18}", text, re.ASCII):
        return int(text)
    return text


def register(app: typer.Typer) -> None:
    from creditloop.entrypoints.cli import line_show_cli

    line_show_cli.register(line_app)
    app.add_typer(line_app, name="line")
