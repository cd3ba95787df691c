"""Servicing commands: one per operation on a credit line, plus day-end and the journal.

They work on the ledger of a data directory (``--data-dir``, or ``CREDITLOOP_DATABASE_URL``). Amounts are
decimal yuan (``350.00``), dates ``YYYY-MM-DD``; ``--on`` defaults to today's date.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from creditloop.app import commands as c
from creditloop.core.money import format_major, parse_major

line_app = typer.Typer(
    help="Operate on one credit line: open, authorise, buy, refund, repay, restructure, show.", no_args_is_help=True
)
journal_app = typer.Typer(help="Export and verify the double-entry journal.", no_args_is_help=True)
out = Console()

DataDirOpt = Annotated[Path, typer.Option("--data-dir", envvar="CREDITLOOP_DATA_DIR", help="Data directory.")]
LineOpt = Annotated[str, typer.Option("--line-id", help="The credit line.")]
OnOpt = Annotated[str | None, typer.Option("--on", help="Business date YYYY-MM-DD (default: today).")]
AmountOpt = Annotated[str, typer.Option("--amount", help="Amount in yuan, e.g. 350.00.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
DEFAULT_DIR = Path("creditloop-data")
MAX_CHUNK = 1_000_000  # lines per committed chunk; larger only holds one transaction longer
MAX_HOLD_DAYS = 366  # an authorisation hold is days or weeks; a year is already generous (year 9999 was taken)


def _main() -> Any:
    from creditloop.entrypoints.cli import main

    return main


def _day(text: str | None, option: str = "--on") -> date:
    """A business date that has begun: a command dated in the future would close days that have not happened."""
    if text is None:
        return _today()
    main = _main()
    day: date = main.parse_day(text, option)
    if day > _today():
        main.fail(f"{option}: {day} is in the future (today is {_today()})", main.EXIT_USAGE)
    return day


def _when(on: str | None, data_dir: Path, line_id: str, command_id: str | None) -> date:
    """The business date of a command: ``--on``, or on a retry without ``--on`` the date the command was first
    recorded with, so a retry after midnight is the same request, not a conflict; otherwise today.

    ``command_id`` None means the line's opening (``line open``: the line id is the command id)."""
    if on is not None:
        return _day(on)
    recorded = _recorded_day(data_dir, line_id, command_id)
    return recorded if recorded is not None else _today()


def _recorded_day(data_dir: Path, line_id: str, command_id: str | None) -> date | None:
    from creditloop.config import Settings
    from creditloop.core.errors import CreditloopError

    if Settings(data_dir=data_dir).database_url is None and not (data_dir / "ledger.sqlite").is_file():
        return None  # no ledger yet: nothing was recorded (and nothing is created here)
    try:
        bus = _bus(data_dir, write=False)
        with bus.uow:
            line = bus.uow.lines.get(line_id)
            if command_id is None:
                opened: date = line.opened_on
                return opened
            for event in line.events:
                if event.get("id") == command_id and "on" in event:
                    return date.fromisoformat(event["on"])
    except CreditloopError:  # no such line: the command itself reports it
        return None
    return None


def _today() -> date:
    from creditloop.adapters.clock import SystemClock
    from creditloop.config import Settings

    return SystemClock(Settings().business_timezone).today()


def _amount(text: str, option: str = "--amount") -> int:
    main = _main()
    name = option.removeprefix("--")
    minor: int = main.guarded(lambda: parse_major(text, field=name), {name: option})
    if minor <= 0:
        main.fail(f"{option}: must be positive, got {text}", main.EXIT_USAGE)
    return minor


def _bus(data_dir: Path, *, write: bool = True, create: bool = False) -> Any:
    """The bus over the ledger of ``--data-dir`` (or ``CREDITLOOP_DATABASE_URL``).

    Only ``line open`` (``create``) may start a new ledger: any other command on a directory without one is a
    mistyped path, refused before anything is written. Commands that write refuse a simulation's ledger: its
    books are synthetic and the next simulation replaces them (issue 11, item 4)."""
    from creditloop.bootstrap import build
    from creditloop.config import Settings
    from creditloop.entrypoints.cli.ledgers import SIDE_MARKER

    main = _main()
    settings = Settings(data_dir=data_dir)
    local = settings.database_url is None
    if local:
        if data_dir.exists() and not data_dir.is_dir():
            main.fail(f"--data-dir: {data_dir} is a file, not a directory", main.EXIT_USAGE)
        if not (data_dir / "ledger.sqlite").exists():
            if not create:
                main.fail(f"--data-dir: no ledger in {data_dir} (open a line first, or check the path)", 2)
            main.check_writable_dir(data_dir, "--data-dir")
            main.check_dir(lambda: _refuse_simulation_dir(data_dir))
    bus = main.guarded(lambda: build(settings)).bus
    if write:
        purpose = _stamp_operating(bus.uow.engine, legacy_simulation=local and (data_dir / SIDE_MARKER).exists())
        if purpose != "operating":
            where = f"--data-dir: {data_dir}" if local else "CREDITLOOP_DATABASE_URL"
            main.fail(
                f"{where} holds a simulation's ledger (synthetic books the next simulation replaces); servicing "
                "commands do not write to it (use another --data-dir for real lines; reads such as `line show` and "
                "`journal verify` still work)",
                main.EXIT_USAGE,
            )
    return bus


def _refuse_simulation_dir(data_dir: Path) -> None:
    from creditloop.entrypoints.cli.ledgers import SIDE_MARKER, DirectoryRefused

    if (data_dir / SIDE_MARKER).exists():
        raise DirectoryRefused(f"--data-dir: {data_dir} is a simulation's directory; open real lines elsewhere")


def _stamp_operating(engine: Any, *, legacy_simulation: bool) -> str:
    """The ledger's purpose, recording ``operating`` on a ledger that has none yet (and no old simulation file)."""
    from creditloop.adapters.sqlalchemy.purpose import OPERATING, SIMULATION, read_purpose, stamp_purpose

    with engine.begin() as connection:
        recorded = read_purpose(connection)
        if recorded is not None:
            return recorded
        if legacy_simulation:
            return SIMULATION
        return stamp_purpose(connection, OPERATING)


# A library error names a field; tell the user which option it came from.
OPTION_OF_FIELD = {
    "line_id": "--line-id",
    "customer_id": "--customer-id",
    "limit_minor": "--limit",
    "amount_minor": "--amount",
    "periods": "--periods",
    "on": "--on",
    "opened_on": "--on",
    "expires_on": "--expires",
    "statement_day": "--statement-day",
    "due_days": "--due-days",
}
# A restructure's fields come from --param name=value (all but the kind and the date).
RESTRUCTURE_PARAMS: tuple[str, ...] = ("periods", "first_due_on", "from_due_on", "monthly_fee_bps", "freeze")
RESTRUCTURE_PARAMS += ("waive_penalty", "unit", "start_on", "amount_minor", "penalty_minor", "input")


def _send(data_dir: Path, command: object, *, create: bool = False, options: dict[str, str] | None = None) -> Any:
    bus = _bus(data_dir, create=create)
    return _main().guarded(lambda: bus.handle(command), OPTION_OF_FIELD if options is None else options)


def _emit(as_json: bool, payload: dict[str, Any], text: str) -> None:
    if as_json:
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True, default=str))
    else:
        out.print(text)


def _dry_run_before_creating(data_dir: Path, command: object) -> None:
    """On a directory without a ledger, try the command on an in-memory ledger first: a refused request leaves no
    new, empty ledger behind."""
    from creditloop.bootstrap import build_memory
    from creditloop.config import Settings

    if Settings(data_dir=data_dir).database_url is None and not (data_dir / "ledger.sqlite").exists():
        bus = build_memory().bus
        _main().guarded(lambda: bus.handle(command), OPTION_OF_FIELD)


# ----------------------------------------------------------------------------- line operations


@line_app.command("open")
def open_line(
    line_id: LineOpt,
    customer_id: Annotated[str, typer.Option("--customer-id")],
    limit: Annotated[str, typer.Option("--limit", help="Credit limit in yuan.")],
    on: OnOpt = None,
    statement_day: Annotated[int | None, typer.Option("--statement-day", help="1..28 (product default 1).")] = None,
    due_days: Annotated[int | None, typer.Option("--due-days", help="Days from statement to due date.")] = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Open a credit line with a limit."""
    main = _main()
    limit_minor = _amount(limit, "--limit")
    # Checked here as well as in the domain: a refused line must not leave a new, empty ledger behind.
    if statement_day is not None and not 1 <= statement_day <= 28:
        main.fail(f"--statement-day: must be between 1 and 28, got {statement_day}", main.EXIT_USAGE)
    if due_days is not None and not 0 <= due_days <= 27:
        main.fail(f"--due-days: must be between 0 and 27, got {due_days}", main.EXIT_USAGE)
    cmd = c.OpenLine(line_id, customer_id, limit_minor, _when(on, data_dir, line_id, None), statement_day, due_days)
    _dry_run_before_creating(data_dir, cmd)
    line = _send(data_dir, cmd, create=True)
    _emit(
        as_json,
        {"line_id": line.line_id, "limit_minor": line.limit_minor, "opened_on": line.opened_on},
        f"Opened {line.line_id} with limit {format_major(line.limit_minor)}",
    )


@line_app.command()
def authorise(
    line_id: LineOpt,
    hold_id: Annotated[str, typer.Option("--hold-id")],
    amount: AmountOpt,
    expires: Annotated[str, typer.Option("--expires", help="Last day the hold stands, YYYY-MM-DD.")],
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Reserve open-to-buy for a checkout (a hold)."""
    main = _main()
    expires_on = main.parse_day(expires, "--expires")
    minor = _amount(amount)
    day = _when(on, data_dir, line_id, hold_id)
    if expires_on < day:
        main.fail(f"--expires: {expires_on} is before the hold's date {day}", main.EXIT_USAGE)
    if expires_on > day + timedelta(days=MAX_HOLD_DAYS):
        main.fail(
            f"--expires: a hold stands at most {MAX_HOLD_DAYS} days, until {day + timedelta(days=MAX_HOLD_DAYS)}", 2
        )
    hold = _send(data_dir, c.Authorise(hold_id, line_id, minor, day, expires_on))
    _emit(as_json, asdict(hold), f"Hold {hold.hold_id}: {format_major(hold.remaining_minor)} until {hold.expires_on}")


@line_app.command()
def capture(
    line_id: LineOpt,
    capture_id: Annotated[str, typer.Option("--capture-id")],
    hold_id: Annotated[str, typer.Option("--hold-id")],
    amount: AmountOpt,
    periods: Annotated[int, typer.Option("--periods", help="1 = pay next month; or 3/6/12.")] = 1,
    partial: Annotated[bool, typer.Option("--partial", help="Keep the rest of the hold for later captures.")] = False,
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Capture (part of) a hold as a purchase."""
    cmd = c.Capture(
        capture_id,
        line_id,
        hold_id,
        _amount(amount),
        periods,
        _when(on, data_dir, line_id, capture_id),
        final=not partial,
    )
    plan = _send(data_dir, cmd)
    _emit(
        as_json,
        {"plan_id": plan.plan_id, "principal_minor": plan.principal_minor},
        f"Captured {format_major(plan.principal_minor)} as {plan.plan_id}",
    )


@line_app.command()
def void(
    line_id: LineOpt,
    void_id: Annotated[str, typer.Option("--void-id")],
    hold_id: Annotated[str, typer.Option("--hold-id")],
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
) -> None:
    """Release a hold."""
    _send(data_dir, c.Void(void_id, line_id, hold_id, _when(on, data_dir, line_id, void_id)))
    out.print(f"Voided {hold_id}")


@line_app.command()
def purchase(
    line_id: LineOpt,
    purchase_id: Annotated[str, typer.Option("--purchase-id")],
    amount: AmountOpt,
    periods: Annotated[int, typer.Option("--periods", help="1 = pay next month; or 3/6/12.")] = 1,
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Buy on the line (a back-dated purchase re-derives history)."""
    plan = _send(
        data_dir, c.Purchase(purchase_id, line_id, _amount(amount), periods, _when(on, data_dir, line_id, purchase_id))
    )
    rows = [
        {"seq": i.seq, "due_on": i.due_on, "principal_minor": i.principal_minor, "fee_minor": i.fee_minor}
        for i in plan.installments
    ]
    _emit(
        as_json,
        {"plan_id": plan.plan_id, "installments": rows},
        f"{plan.plan_id}: "
        + ", ".join(f"{r['due_on']} {format_major(r['principal_minor'] + r['fee_minor'])}" for r in rows),
    )


@line_app.command()
def refund(
    line_id: LineOpt,
    refund_id: Annotated[str, typer.Option("--refund-id")],
    purchase_id: Annotated[str, typer.Option("--purchase-id")],
    amount: AmountOpt,
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
) -> None:
    """A merchant refund or return."""
    to_credit = _send(
        data_dir, c.Refund(refund_id, line_id, purchase_id, _amount(amount), _when(on, data_dir, line_id, refund_id))
    )
    out.print(f"Refunded; {format_major(to_credit)} to the credit balance")


@line_app.command()
def repay(
    line_id: LineOpt,
    payment_id: Annotated[str, typer.Option("--payment-id", help="Client-generated id: a retry is safe.")],
    amount: AmountOpt,
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Repay through the waterfall (an earlier value date re-derives penalty and delinquency)."""
    result = _send(data_dir, c.Repay(payment_id, line_id, _amount(amount), _when(on, data_dir, line_id, payment_id)))
    _emit(
        as_json,
        asdict(result),
        "Allocated: "
        + ", ".join(f"{a} {format_major(m)}" for a, m in result.allocation)
        + (f"; credit {format_major(result.to_credit_balance_minor)}" if result.to_credit_balance_minor else ""),
    )


@line_app.command()
def reverse(
    line_id: LineOpt,
    reversal_id: Annotated[str, typer.Option("--reversal-id")],
    payment_id: Annotated[str, typer.Option("--payment-id", help="The bounced payment.")],
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
) -> None:
    """Reverse a bounced payment and re-derive everything after it."""
    _send(data_dir, c.ReversePayment(reversal_id, line_id, payment_id, _when(on, data_dir, line_id, reversal_id)))
    out.print(f"Reversed {payment_id}")


@line_app.command("refund-credit")
def refund_credit(
    line_id: LineOpt,
    refund_id: Annotated[str, typer.Option("--refund-id")],
    amount: AmountOpt,
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
) -> None:
    """Pay a credit balance back to the customer."""
    _send(data_dir, c.RefundCreditBalance(refund_id, line_id, _amount(amount), _when(on, data_dir, line_id, refund_id)))
    out.print("Credit balance refunded")


@line_app.command()
def change(
    line_id: LineOpt,
    change_id: Annotated[str, typer.Option("--change-id")],
    action: Annotated[str, typer.Option("--action", help="limit | freeze | unfreeze | close")],
    limit: Annotated[str | None, typer.Option("--limit", help="New limit in yuan (action limit).")] = None,
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
) -> None:
    """Change the limit, freeze, unfreeze or close the line."""
    if action not in {"limit", "freeze", "unfreeze", "close"}:
        _main().fail(f"--action: must be limit, freeze, unfreeze or close, got {action!r}", 2)
    limit_minor = _amount(limit, "--limit") if limit is not None else None
    _send(data_dir, c.ChangeLine(change_id, line_id, action, _when(on, data_dir, line_id, change_id), limit_minor))
    out.print(f"{action}: done")


@line_app.command("restructure")
def restructure_cmd(
    line_id: LineOpt,
    request_id: Annotated[str, typer.Option("--request-id")],
    kind: Annotated[
        str,
        typer.Option(
            "--kind", help="term_extension | reage | reamortise | fee_reduction | penalty_waiver | payment_holiday"
        ),
    ],
    param: Annotated[
        list[str] | None, typer.Option("--param", help="name=value, repeatable (e.g. periods=12).")
    ] = None,
    preview: Annotated[bool, typer.Option("--preview", help="Show what it would do; change nothing.")] = False,
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Apply or preview a restructuring primitive."""
    params: dict[str, object] = {}
    for item in param or []:
        name, sep, value = item.partition("=")
        if not sep:
            _main().fail(f"--param: expected name=value, got {item!r}", 2)
        params[name] = _param_value(value)
    options = {**OPTION_OF_FIELD, **{name: "--param" for name in (*params, *RESTRUCTURE_PARAMS)}, "kind": "--kind"}
    day = _when(on, data_dir, line_id, request_id)
    command = c.Restructure(request_id, line_id, kind, day, tuple(params.items()), preview)
    result = _send(data_dir, command, options=options)
    payload = {
        "kind": result.kind,
        "preview": preview,
        "before": result.before,
        "after": result.after,
        "forgone_fee_minor": result.forgone_fee_minor,
        "concession_minor": result.concession_minor,
        "dpd_after": result.dpd_after,
        "disclosure": result.disclosure,
    }
    table = Table(title=f"{kind} {'(preview)' if preview else '(applied)'}")
    for col in ("due on", "principal", "fee"):
        table.add_column(col)
    for row in result.after:
        table.add_row(str(row["due_on"]), format_major(row["principal_minor"]), format_major(row["fee_minor"]))
    if as_json:
        _emit(True, payload, "")
    else:
        out.print(table)
        if result.disclosure is not None:
            out.print(result.disclosure["text"]["zh"])
            out.print(result.disclosure["text"]["en"])
        out.print(
            f"forgone fees {format_major(result.forgone_fee_minor)}, "
            f"concessions {format_major(result.concession_minor)}, DPD after {result.dpd_after}"
        )


def _param_value(text: str) -> object:
    if text.lower() in {"true", "false"}:
        return text.lower() == "true"
    # ASCII digits only: int() also takes "１２", "١٢" and "1_000".
    if re.fullmatch(r"[+-]?[0-9]{1,18}", text, re.ASCII):
        return int(text)
    return text


@line_app.command()
def undo(
    line_id: LineOpt,
    undo_id: Annotated[str, typer.Option("--undo-id")],
    request_id: Annotated[str, typer.Option("--request-id", help="The restructure to undo.")],
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
) -> None:
    """Undo a restructure while nothing has happened after it."""
    _send(data_dir, c.UndoRestructure(undo_id, line_id, request_id, _when(on, data_dir, line_id, undo_id)))
    out.print(f"Undone {request_id}")


@line_app.command()
def show(line_id: LineOpt, data_dir: DataDirOpt = DEFAULT_DIR, as_json: JsonOpt = False) -> None:
    """The account with its schedule, statements and history."""
    bus = _bus(data_dir, write=False)
    with bus.uow:
        line = _main().guarded(lambda: bus.uow.lines.get(line_id))
        view = line_view(line)
    if as_json:
        _emit(True, view, "")
        return
    summary = Table(title=f"{line.line_id} ({view['status']})", show_header=False)
    for key in ("limit", "open_to_buy", "principal", "fee", "penalty", "credit_balance", "charged_off"):
        summary.add_row(key, format_major(view[f"{key}_minor"]))
    summary.add_row("dpd / bucket", f"{view['dpd']} / {view['bucket']}")
    summary.add_row("closed through", str(view["last_closed_on"]))
    out.print(summary)
    schedule = Table(title="schedule")
    for col in ("plan", "#", "due on", "principal", "fee", "paid", "billed"):
        schedule.add_column(col)
    for r in view["schedule"]:
        schedule.add_row(
            r["plan_id"].rsplit("/", 1)[-1],
            str(r["seq"]),
            r["due_on"],
            format_major(r["principal_minor"]),
            format_major(r["fee_minor"]),
            format_major(r["paid_minor"]),
            "yes" if r["billed"] else "",
        )
    out.print(schedule)
    history = Table(title="history")
    for col in ("#", "date", "kind", "id"):
        history.add_column(col)
    for e in view["events"]:
        history.add_row(str(e["seq"]), e["on"], e["kind"], e["id"])
    out.print(history)


def line_view(line: Any) -> dict[str, Any]:
    return {
        "line_id": line.line_id,
        "customer_id": line.customer_id,
        "status": line.status.value,
        "limit_minor": line.limit_minor,
        "open_to_buy_minor": line.open_to_buy_minor,
        "principal_minor": line.principal_minor,
        "fee_minor": line.fee_minor,
        "penalty_minor": line.penalty_minor,
        "credit_balance_minor": line.credit_balance_minor,
        "charged_off_minor": line.charged_off_minor,
        "dpd": line.dpd,
        "bucket": line.bucket,
        "last_closed_on": line.last_closed_on.isoformat(),
        "restructured_on": line.restructured_on.isoformat() if line.restructured_on else None,
        "schedule": line.schedule_rows(),
        "statements": [
            {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(s).items()} for s in line.statements
        ],
        "holds": [asdict(h) for h in line.holds.values()],
        "events": line.events,
    }


@line_app.command()
def statement(line_id: LineOpt, data_dir: DataDirOpt = DEFAULT_DIR, as_json: JsonOpt = False) -> None:
    """The latest statement: purchases, installments, fees, penalty, payments, minimum and total due."""
    bus = _bus(data_dir, write=False)
    with bus.uow:
        line = _main().guarded(lambda: bus.uow.lines.get(line_id))
        if not line.statements:
            _main().fail(f"no_statement: line {line_id} has no statement yet", 1)
        st = asdict(line.statements[-1])
    st = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in st.items()}
    if as_json:
        _emit(True, st, "")
        return
    table = Table(title=f"statement {st['statement_on']} — due {st['due_on']}", show_header=False)
    for k, v in st.items():
        if k.endswith("_minor"):
            table.add_row(k.removesuffix("_minor"), format_major(v))
    out.print(table)


# ----------------------------------------------------------------------------- day-end and journal


def day_end(
    business_date: Annotated[
        str | None, typer.Option("--date", help="Close through this date (default: yesterday).")
    ] = None,
    chunk: Annotated[int, typer.Option("--chunk", help="Lines per committed chunk.")] = 2_000,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Run day-end for every business date not yet closed, exactly once each, with a reconciliation."""
    from creditloop.entrypoints.cli.main import progress_bar
    from creditloop.jobs.day_end import run_day_end_job

    main = _main()
    target = _day(business_date, "--date") if business_date else _today() - timedelta(days=1)
    if target >= _today():
        main.fail(f"--date: {target} has not ended yet; day-end closes dates before today ({_today()})", 2)
    if not 1 <= chunk <= MAX_CHUNK:
        main.fail(f"--chunk: must be between 1 and {MAX_CHUNK:,}, got {chunk}", main.EXIT_USAGE)
    bus = _bus(data_dir)
    with progress_bar() as bar:
        task = bar.add_task("day-end", total=None)
        result = main.guarded(
            lambda: run_day_end_job(
                bus.uow,
                target,
                chunk_size=chunk,
                progress=lambda day, n: bar.update(task, description=f"day-end {day}", completed=n),
            )
        )
    rec = result.reconciliation
    payload = {
        "business_dates": [d.isoformat() for d in result.business_dates],
        "lines_closed_last_date": result.lines_closed,
        "reconciliation": asdict(rec) if rec else None,
    }
    _emit(
        as_json,
        payload,
        f"Closed {len(result.business_dates)} business date(s) through {target}; "
        f"reconciliation {'ok' if rec is None or rec.ok else 'FAILED'}",
    )
    if rec is not None and not rec.ok:
        raise typer.Exit(1)


@journal_app.command("export")
def export_journal(
    out_path: Annotated[Path | None, typer.Option("--out", help="File to write (default: stdout).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv | jsonl")] = "csv",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --out file.")] = False,
    data_dir: DataDirOpt = DEFAULT_DIR,
) -> None:
    """Every posting of every entry, in the order they were recorded."""
    from creditloop.entrypoints.cli.outputs import atomic_output

    main = _main()
    if fmt not in {"csv", "jsonl"}:
        main.fail(f"--format: must be csv or jsonl, got {fmt!r}", 2)
    if out_path is not None:  # never the ledger, its side files or an existing file (issue 11, item 1)
        main.checked_output(out_path, "--out", force=force, inputs=[data_dir / "ledger.sqlite"])
    bus = _bus(data_dir, write=False)
    if out_path is None:
        _write_journal(bus, sys.stdout, fmt)
        return
    with atomic_output(out_path, newline="") as stream:  # written aside, renamed into place when complete
        _write_journal(bus, stream, fmt)
    out.print(f"Journal written to {out_path}", highlight=False)


def _write_journal(bus: Any, stream: Any, fmt: str) -> None:
    fields = ["entry_id", "code", "effective_on", "line_id", "account", "side", "amount_minor", "links", "reverses"]
    with bus.uow:
        writer = csv.DictWriter(stream, fieldnames=fields) if fmt == "csv" else None
        if writer:
            writer.writeheader()
        for e in bus.uow.journal.entries():
            for p in e.postings:
                row = {
                    "entry_id": e.entry_id,
                    "code": e.code.value,
                    "effective_on": e.effective_on.isoformat(),
                    "line_id": e.line_id,
                    "account": p.account.value,
                    "side": p.side.value,
                    "amount_minor": p.amount_minor,
                    "links": ";".join(sorted(e.links)),
                    "reverses": e.reverses or "",
                }
                if writer:
                    writer.writerow(row)
                else:
                    stream.write(json.dumps(row, ensure_ascii=False) + "\n")


@journal_app.command("verify")
def verify_journal(data_dir: DataDirOpt = DEFAULT_DIR, as_json: JsonOpt = False) -> None:
    """Trial balance zero, control accounts equal to the sub-ledgers, and every line's balances rebuilt
    from the journal equal to its stored balances."""
    from creditloop.ledger import checks

    bus = _bus(data_dir, write=False)
    with bus.uow:
        balances = bus.uow.journal.account_balances()  # the running totals against every posting, summed again
        summed, unbalanced = checks.audit_postings(checks.posting_rows(bus.uow.journal.entries()))
        totals_ok = not checks.totals_equal_postings(balances, summed) and not unbalanced
        trial = sum(summed.values())
        mismatched = []
        for line in bus.uow.lines:
            journal = {line.line_id: bus.uow.journal.line_balances(line.line_id)}
            if checks.lines_match_journal(journal, {line.line_id: line.sub_ledger()}):
                mismatched.append(line.line_id)
        sub = bus.uow.lines.sub_ledger_totals()
    control_ok = not checks.control_equals_lines(balances, sub)
    ok = trial == 0 and control_ok and totals_ok and not mismatched
    payload = {
        "ok": ok,
        "trial_balance_minor": trial,
        "running_totals_equal_postings": totals_ok,
        "control_equals_sub_ledger": control_ok,
        "lines_mismatched": mismatched[:50],
    }
    _emit(
        as_json,
        payload,
        f"journal {'ok' if ok else 'NOT OK'}: trial balance {trial}, control accounts "
        f"{'match' if control_ok else 'differ'}, {len(mismatched)} line(s) mismatched",
    )
    if not ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(line_app, name="line")
    app.add_typer(journal_app, name="journal")
    app.command("day-end")(day_end)
