"""``creditloop hardship request|options|accept|track``: the hardship workflow (issue 15), each step one command
through the app's bus (audited), on the ledger of ``--data-dir`` (or ``CREDITLOOP_DATABASE_URL``).

The free text (``--text``) is used only with ``--consent``; without it the text is dropped unread. Nothing prints
or logs the text back. Amounts are yuan (``5000.00``); ``--on`` defaults to today.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer

from creditloop.app import hardship_commands as h
from creditloop.entrypoints.cli._common import (
    EXIT_USAGE,
    JsonOpt,
    echo_json,
    emit,
    fail,
    format_yuan,
    guarded,
    operation_id,
    out,
    table,
)
from creditloop.entrypoints.cli._ledger import DEFAULT_DIR, DataDirOpt, LineOpt, OnOpt, business_day, send

hardship_app = typer.Typer(
    help="Hardship: record a request, generate ranked options, accept one (within the role's authority), track plans.",
    no_args_is_help=True,
)

RequestOpt = Annotated[str, typer.Option("--request-id", help="The hardship request.")]
PreviewLang = Annotated[str, typer.Option("--lang", help="Language of the option previews: zh | en (default zh).")]
OPTIONS = {
    "request_id": "--request-id",
    "line_id": "--line-id",
    "channel": "--channel",
    "category": "--category",
    "monthly_income_minor": "--income",
    "monthly_expenses_minor": "--expenses",
    "text": "--text",
    "lang": "--lang",
    "option_id": "--option",
    "role": "--role",
    "plan": "--plan",
    "on": "--on",
}


def _yuan(text: str, option: str) -> int:
    """A non-negative amount in yuan (income or expenses may be zero)."""
    from creditloop.core.money import parse_major

    minor: int = guarded(lambda: parse_major(text, field=option), {option: option})
    if minor < 0:
        fail(f"{option}: must not be negative, got {text}", EXIT_USAGE)
    return minor


@hardship_app.command("request")
def request_cmd(
    line_id: LineOpt,
    category: Annotated[str, typer.Option("--category", help="job_loss_or_pay_cut | illness_or_injury | ...")],
    income: Annotated[str, typer.Option("--income", help="Updated monthly income, yuan.")],
    expenses: Annotated[str, typer.Option("--expenses", help="Monthly expenses and other debt, yuan.")],
    channel: Annotated[str, typer.Option("--channel", help="customer | agent.")] = "customer",
    consent: Annotated[bool, typer.Option("--consent", help="The customer consents to the text's use.")] = False,
    text: Annotated[
        str | None, typer.Option("--text", help="The customer's message (used only with --consent).")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="The message's language: zh | en.")] = "zh",
    request_id: Annotated[str | None, typer.Option("--request-id", help="A retry with the same id is safe.")] = None,
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Record a hardship request; a dispute or fraud claim is routed to its own workflow."""
    op = operation_id(request_id, "hardship")
    cmd = h.SubmitHardshipRequest(
        op[0], line_id, business_day(on), channel, category, _yuan(income, "--income"),
        _yuan(expenses, "--expenses"), consent, text, lang,
    )  # fmt: skip
    stored = send(data_dir, cmd, options=OPTIONS)
    payload = {
        "request_id": stored.request_id,
        "line_id": stored.line_id,
        "outcome": stored.outcome,
        "category": stored.category,
        "category_source": stored.category_source,
        "vulnerabilities": list(stored.vulnerabilities),
        "text_kept": stored.text is not None,
    }
    emit(
        as_json,
        payload,
        f"Request {stored.request_id} on {stored.line_id}: {stored.outcome} ({stored.category}); "
        f"text {'kept with consent' if stored.text is not None else 'not kept'}",
    )


def _option_json(v: Any, rank: int | None) -> dict[str, Any]:
    from creditloop.app.hardship_options import option_dict
    from creditloop.collections.option_text import option_text

    out_ = option_dict(v, rank)
    if v.available:
        out_["text"] = {"zh": option_text(v, "zh"), "en": option_text(v, "en")}
    return out_


@hardship_app.command("options")
def options_cmd(
    request_id: RequestOpt,
    on: OnOpt = None,
    lang: PreviewLang = "zh",
    show_all: Annotated[bool, typer.Option("--all", help="Every option, not only the best few.")] = False,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Preview, value and rank every option of the policy on the request's line; present the best few."""
    if lang not in ("zh", "en"):
        fail(f"--lang: must be zh or en, got {lang!r}", EXIT_USAGE)
    result = send(data_dir, h.GenerateHardshipOptions(request_id, business_day(on)), options=OPTIONS)
    shown = result.ranked if show_all else result.presented
    if as_json:
        echo_json(
            {
                "request_id": result.request_id,
                "on": result.on,
                "policy_version": result.policy_version,
                "presented": [_option_json(v, k + 1) for k, v in enumerate(shown)],
                "unavailable": [_option_json(v, None) for v in result.unavailable],
                "status_quo": asdict(result.status_quo),
            }
        )
        return
    from creditloop.collections.option_text import option_text

    rows = table(f"hardship options for {request_id}", ("#", "option", "monthly", "PTI", "total", "NPV", "role"), "en")
    for k, v in enumerate(shown, 1):
        rows.add_row(
            str(k), v.option_id, format_yuan(v.monthly_payment_minor), f"{v.pti_bps / 100:.1f}%",
            format_yuan(v.customer_total_minor), format_yuan(v.npv_minor), v.required_role or "-",
        )  # fmt: skip
    out.print(rows)
    for v in shown:
        typer.echo(option_text(v, lang))  # type: ignore[arg-type]
    if result.unavailable:
        typer.echo("unavailable: " + ", ".join(f"{v.option_id} ({v.reason})" for v in result.unavailable))


@hardship_app.command("accept")
def accept_cmd(
    request_id: RequestOpt,
    option_id: Annotated[str, typer.Option("--option", help="The offered option's id (see `hardship options`).")],
    role: Annotated[str, typer.Option("--role", help="The approving role: agent | team_lead | manager | risk.")],
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Accept an offered option: checked against the role's authority, applied, and tracked as a plan."""
    result = send(data_dir, h.AcceptHardshipOption(request_id, option_id, role, business_day(on)), options=OPTIONS)
    plan = result.plan
    payload = {
        "plan_id": plan.plan_id,
        "request_id": plan.request_id,
        "line_id": plan.line_id,
        "option_id": plan.option_id,
        "kind": plan.kind,
        "approved_by": plan.approved_by,
        "concession_minor": plan.concession_minor,
        "schedule": [[d, a] for d, a in plan.schedule],
        "marks": plan.marks,
        "status": plan.status,
        "disclosure": result.disclosure,
    }
    emit(
        as_json,
        payload,
        f"Plan {plan.plan_id}: {plan.option_id} ({plan.kind}) accepted by {plan.approved_by}; concession "
        f"{format_yuan(plan.concession_minor)}, {len(plan.schedule)} plan payments, "
        f"reported as {plan.marks.get('metro2_special_comment') or '-'} / {plan.marks['china']}",
    )


@hardship_app.command("track")
def track_cmd(
    plan: Annotated[str | None, typer.Option("--plan", help="One plan (default: every active plan).")] = None,
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Compare payments with each active plan's schedule; apply the broken-plan rule."""
    plans = send(data_dir, h.TrackHardshipPlans(business_day(on), plan), options=OPTIONS)
    payload = {
        "plans": [
            {
                "plan_id": p.plan_id,
                "line_id": p.line_id,
                "status": p.status,
                "paid_minor": p.paid_minor,
                "missed": p.missed,
                "days_late": p.days_late,
                "marks": p.marks,
            }
            for p in plans
        ]
    }
    lines = [f"{p.plan_id} {p.line_id}: {p.status}, paid {format_yuan(p.paid_minor)}, missed {p.missed}" for p in plans]
    emit(as_json, payload, "\n".join(lines) or "no active plan")


def register(app: typer.Typer) -> None:
    app.add_typer(hardship_app, name="hardship")


__all__ = ["hardship_app", "register"]
