"""``creditloop collections`` (issue 15): the work queue, contact attempts under the conduct rules, plans,
promises to pay, disputes and complaints, contact preferences and the retention purge — each a command of the
app (``app.collections_commands``), audited, on the ledger of ``--data-dir``.

Instants are ISO 8601 with a UTC offset (``2026-12-02T21:30+08:00``); the rules judge them in the case's zone.
Every refusal is one line on stderr and exit 2: bad input names the option; a contact the conduct rules refuse
names the rule (``error: conduct.quiet_hours: ...``) — it is kept in the contact log as refused (the rules ask for
every attempt to be recorded) and nothing else is written.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from creditloop.core.errors import CreditloopError, ValidationError
from creditloop.entrypoints.cli._common import (
    EXIT_USAGE,
    JsonOpt,
    emit,
    fail,
    format_yuan,
    operation_id,
    out,
    parse_amount,
    parse_day,
    table,
)
from creditloop.entrypoints.cli._ledger import DataDirOpt, OnOpt, business_day, ledger_bus

T = TypeVar("T")
collections_app = typer.Typer(
    help="Collections: queue, contacts under the conduct rules, promises to pay.", no_args_is_help=True
)
ptp_app = typer.Typer(help="Promises to pay: record one, settle them at day-end.", no_args_is_help=True)
dispute_app = typer.Typer(
    help="Disputes and complaints: no collection contact while one is open.", no_args_is_help=True
)

LineOpt = Annotated[str, typer.Option("--line-id", help="The credit line (its collections case).")]
AtOpt = Annotated[
    str | None, typer.Option("--at", help="Instant with a UTC offset, e.g. 2026-12-02T21:30+08:00 (default: now).")
]
OPTIONS = {
    "line_id": "--line-id",
    "contact_id": "--contact-id",
    "channel": "--channel",
    "outcome": "--outcome",
    "at": "--at",
    "now": "--at",
    "purpose": "--purpose",
    "zone": "--zone",
    "jurisdiction": "--jurisdiction",
    "contacts": "--contact",
    "amount_minor": "--amount",
    "due_on": "--due",
    "made_on": "--on",
    "script": "--script",
    "kind": "--kind",
    "window": "--window",
    "withdraws": "--withdraws",
    "dispute_id": "--dispute-id",
}


def _instant(text: str | None) -> datetime:
    if text is None:
        from creditloop.adapters.clock import SystemClock

        return SystemClock().now()
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--at: expected an ISO 8601 instant such as 2026-12-02T21:30+08:00, got {text!r}", EXIT_USAGE)
    if at.tzinfo is None:
        fail(f"--at: {text!r} has no UTC offset (write e.g. {text}+08:00)", EXIT_USAGE)
    return at


def _run(data_dir: Path, fn: Any, *, write: bool = True) -> Any:
    """Send through the bus of the ledger; every refusal is one line and exit 2."""
    bus = ledger_bus(data_dir, write=write)
    try:
        return fn(bus)
    except ValidationError as exc:
        field = exc.field or "input"
        fail(f"{OPTIONS.get(field, field)}: {exc.message}", EXIT_USAGE)
    except CreditloopError as exc:
        fail(f"{exc.code}: {exc.message}", EXIT_USAGE)


@collections_app.command("queue")
def queue(
    on: OnOpt = None,
    data_dir: DataDirOpt = Path("creditloop-data"),
    as_json: JsonOpt = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most this many cases.")] = None,
) -> None:
    """The work queue in working order: tier (promise due, broken, segment), then amount at risk."""
    from creditloop.app.collections_views import collections_queue

    day = business_day(on)
    q = _run(data_dir, lambda bus: collections_queue(bus.uow, day, limit), write=False)
    if as_json:
        emit(True, q, "")
        return
    t = table(
        f"collections queue on {q['on']} ({q['policy']})",
        ("line", "segment", "tier", "why", "dpd", "balance", "self-cure", "at risk", "case"),
        "en",
    )
    for i in q["items"]:
        t.add_row(
            i["line_id"],
            i["segment"],
            str(i["tier"]),
            i["reasons"][0],
            str(i["dpd"]),
            format_yuan(i["balance_minor"]),
            f"{i['self_cure']:.0%}",
            format_yuan(i["at_risk_minor"]),
            "yes" if i["case"] else "-",
        )
    out.print(t)
    if q["held"]:
        out.print(f"held (dispute or complaint open): {', '.join(q['held'])}")


@collections_app.command("case")
def case(
    line_id: LineOpt,
    zone: Annotated[str, typer.Option("--zone", help="The customer's IANA zone.")],
    contact: Annotated[list[str], typer.Option("--contact", help="A debtor contact id (repeatable).")],
    third_party: Annotated[list[str] | None, typer.Option("--third-party", help="A contact the debtor gave.")] = None,
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="cn | us")] = "cn",
    on: OnOpt = None,
    data_dir: DataDirOpt = Path("creditloop-data"),
    as_json: JsonOpt = False,
) -> None:
    """Open or update a line's collections case (opaque contact ids only: no numbers, no names)."""
    from creditloop.app.collections_commands import OpenCollectionCase

    cmd = OpenCollectionCase(line_id, zone, business_day(on), tuple(contact), tuple(third_party or ()), jurisdiction)
    c = _run(data_dir, lambda bus: bus.handle(cmd))
    emit(
        as_json,
        {"line_id": c.line_id, "zone": c.zone, "jurisdiction": c.jurisdiction},
        f"case {c.line_id}: {c.zone}, {c.jurisdiction} rules, {len(c.debtor_contacts)} debtor contact(s)",
    )


@collections_app.command("contact")
def contact(
    line_id: LineOpt,
    contact_id: Annotated[str, typer.Option("--contact-id", help="Whom (an opaque contact id).")],
    channel: Annotated[str, typer.Option("--channel", help="sms | app | call | letter")],
    outcome: Annotated[
        str, typer.Option("--outcome", help="connected | unanswered | delivered | refused | wrong_party")
    ],
    at: AtOpt = None,
    purpose: Annotated[str, typer.Option("--purpose", help="collect | locate")] = "collect",
    agent: Annotated[str, typer.Option("--agent", help="The lender or an agency id.")] = "lender",
    script: Annotated[str | None, typer.Option("--script", help="Script id (default: the party's).")] = None,
    attempt_id: Annotated[str | None, typer.Option("--attempt-id", help="Client id (a retry reuses it).")] = None,
    data_dir: DataDirOpt = Path("creditloop-data"),
    as_json: JsonOpt = False,
) -> None:
    """Record a contact attempt; the conduct rules decide first (a refusal exits 2 naming the rule)."""
    from creditloop.app.collections_commands import RecordContactAttempt

    op = operation_id(attempt_id, "contact")
    cmd = RecordContactAttempt(op[0], line_id, contact_id, channel, _instant(at), outcome, purpose, agent, script)
    result = _run(data_dir, lambda bus: bus.handle(cmd))
    r = result.record
    if not r.allowed:
        _run(data_dir, lambda bus: result.raise_if_refused(), write=False)
    emit(
        as_json,
        {
            "attempt_id": r.record_id,
            "allowed": True,
            "outcome": r.outcome,
            "local_on": r.local_on.isoformat(),
            "policy": r.policy,
        },
        f"contact {r.record_id} recorded: {r.channel} to {r.party} {r.contact_id}, {r.outcome} ({r.policy})",
    )


@collections_app.command("plan")
def plan(
    line_id: LineOpt, at: AtOpt = None, data_dir: DataDirOpt = Path("creditloop-data"), as_json: JsonOpt = False
) -> None:
    """The next channel and time the conduct rules allow (the contact strategy), audited."""
    from creditloop.app.collections_commands import PlanContact

    when = _instant(at)
    found, passed = _run(data_dir, lambda bus: bus.handle(PlanContact(operation_id(None, "plan")[0], line_id, when)))
    payload: dict[str, Any] = {"line_id": line_id, "plan": None, "passed_over": list(passed)}
    if found is not None:
        payload["plan"] = {
            "channel": found.channel,
            "contact_id": found.contact_id,
            "at": found.at.isoformat(),
            "script": found.script_id,
        }
    text = (
        "nothing can be planned: " + ", ".join(passed)
        if found is None
        else (f"next: {found.channel} to {found.contact_id} at {found.at.isoformat()} (script {found.script_id})")
    )
    emit(as_json, payload, text)


@ptp_app.command("record")
def ptp_record(
    line_id: LineOpt,
    amount: Annotated[str, typer.Option("--amount", help="Yuan, e.g. 300.00.")],
    due: Annotated[str, typer.Option("--due", help="Date YYYY-MM-DD.")],
    on: OnOpt = None,
    promise_id: Annotated[str | None, typer.Option("--promise-id")] = None,
    data_dir: DataDirOpt = Path("creditloop-data"),
    as_json: JsonOpt = False,
) -> None:
    """Record a promise to pay (a newer one supersedes an open one)."""
    from creditloop.app.collections_commands import RecordPromiseToPay

    cmd = RecordPromiseToPay(
        operation_id(promise_id, "ptp")[0],
        line_id,
        parse_amount(amount, "--amount"),
        business_day(on),
        parse_day(due, "--due"),
    )
    p = _run(data_dir, lambda bus: bus.handle(cmd))
    emit(
        as_json,
        {
            "promise_id": p.promise_id,
            "amount_minor": p.amount_minor,
            "due_on": p.due_on.isoformat(),
            "status": p.status,
        },
        f"promise {p.promise_id}: {format_yuan(p.amount_minor)} by {p.due_on}",
    )


@ptp_app.command("settle")
def ptp_settle(on: OnOpt = None, data_dir: DataDirOpt = Path("creditloop-data"), as_json: JsonOpt = False) -> None:
    """Day-end: open promises become kept (paid in full) or broken (due date passed)."""
    from creditloop.app.collections_commands import SettlePromises

    day = business_day(on)
    counts = _run(data_dir, lambda bus: bus.handle(SettlePromises(day)))
    emit(
        as_json,
        {"on": day.isoformat(), **counts},
        f"promises on {day}: " + ", ".join(f"{k} {v}" for k, v in counts.items()),
    )


@dispute_app.command("open")
def dispute_open(
    line_id: LineOpt,
    dispute_id: Annotated[str, typer.Option("--dispute-id")],
    kind: Annotated[str, typer.Option("--kind", help="dispute | complaint")] = "dispute",
    at: AtOpt = None,
    data_dir: DataDirOpt = Path("creditloop-data"),
    as_json: JsonOpt = False,
) -> None:
    """Open a dispute or complaint: collection contact stops until it is closed."""
    from creditloop.app.collections_commands import OpenDispute

    f = _run(data_dir, lambda bus: bus.handle(OpenDispute(dispute_id, line_id, kind, _instant(at))))
    emit(
        as_json,
        {"dispute_id": f.flag_id, "line_id": f.line_id, "kind": f.kind, "open": f.is_open},
        f"{f.kind} {f.flag_id} open on {f.line_id}: no collection contact until it is closed",
    )


@dispute_app.command("close")
def dispute_close(
    dispute_id: Annotated[str, typer.Option("--dispute-id")],
    at: AtOpt = None,
    data_dir: DataDirOpt = Path("creditloop-data"),
    as_json: JsonOpt = False,
) -> None:
    """Close a dispute or complaint: collection contact may resume."""
    from creditloop.app.collections_commands import CloseDispute

    f = _run(data_dir, lambda bus: bus.handle(CloseDispute(dispute_id, _instant(at))))
    emit(
        as_json,
        {"dispute_id": f.flag_id, "line_id": f.line_id, "kind": f.kind, "open": f.is_open},
        f"{f.kind} {f.flag_id} closed",
    )


@collections_app.command("purge")
def purge(at: AtOpt = None, data_dir: DataDirOpt = Path("creditloop-data"), as_json: JsonOpt = False) -> None:
    """Delete contact records past retention (at least two years; never a younger one)."""
    from creditloop.app.collections_commands import PurgeContactRecords

    done = _run(data_dir, lambda bus: bus.handle(PurgeContactRecords(_instant(at))))
    emit(as_json, done, ", ".join(f"{k}: {v} purged" for k, v in done.items()))


def register(app: typer.Typer) -> None:
    collections_app.add_typer(ptp_app, name="ptp")
    collections_app.add_typer(dispute_app, name="dispute")
    app.add_typer(collections_app, name="collections")
