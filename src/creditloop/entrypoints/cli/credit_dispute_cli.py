"""``creditloop credit-record dispute file|resolve``, ``disputes [--overdue]``, ``report`` and ``statement add``:
credit-report disputes with the investigation clock, the customer's own report (zh/en) and the explanatory
statements shown on it (issue 16). The claim text is passed to the store only with ``--consent`` and never printed
back or logged."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from creditloop.entrypoints.cli._common import EXIT_USAGE, JsonOpt, check_lang, emit, fail, guarded
from creditloop.entrypoints.cli._ledger import DEFAULT_DIR, DataDirOpt, business_day, ledger_bus, today
from creditloop.entrypoints.cli.credit_record_cli import _MONTH, TextLang, credit_record_app

dispute_app = typer.Typer(help="Credit-report disputes (异议): file one, resolve it.", no_args_is_help=True)
statement_app = typer.Typer(help="Explanatory statements (个人声明) on a customer's report.", no_args_is_help=True)
OnOpt = Annotated[str | None, typer.Option("--on", help="Business date YYYY-MM-DD (default today).")]
_OPTIONS = {"dispute_id": "--id", "line_id": "--line", "months": "--month", "field": "--field", "channel": "--channel",
            "jurisdiction": "--jurisdiction", "outcome": "--outcome", "corrected_value": "--value", "on": "--on",
            "claim": "--claim", "lang": "--lang", "customer_id": "--customer-id", "text": "--text",
            "about_line": "--line", "statement_id": "--id"}  # fmt: skip


def _dispute_json(d: Any) -> dict[str, Any]:
    return {"dispute_id": d.dispute_id, "line_id": d.line_id, "customer_id": d.customer_id, "months": list(d.months),
            "field": d.field, "channel": d.channel, "jurisdiction": d.jurisdiction, "filed_on": d.filed_on.isoformat(),
            "due_on": d.due_on.isoformat(), "holds_collections": d.holds_collections, "status": d.status,
            "outcome": d.outcome, "closed_on": None if d.closed_on is None else d.closed_on.isoformat(),
            "corrected_value": d.corrected_value}  # fmt: skip


@dispute_app.command("file")
def file_cmd(
    dispute_id: Annotated[str, typer.Option("--id", help="The dispute id (a retry with the same id is a no-op).")],
    line_id: Annotated[str, typer.Option("--line", help="The reported line.")],
    month: Annotated[list[str], typer.Option("--month", help="A disputed reported month YYYY-MM (repeatable).")],
    field: Annotated[str, typer.Option("--field", help="status | balance | overdue")],
    channel: Annotated[str, typer.Option("--channel", help="customer | agent")] = "customer",
    claim: Annotated[
        str | None, typer.Option("--claim", help="The customer's claim (kept only with --consent).")
    ] = None,
    consent: Annotated[bool, typer.Option("--consent", help="The customer consents to the claim being kept.")] = False,
    jurisdiction: Annotated[str, typer.Option("--jurisdiction", help="cn (20 days) | us (30 days)")] = "cn",
    lang: TextLang = "zh",
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """File a dispute: the item is marked disputed at once; the reply is due within the jurisdiction's days."""
    from creditloop.app.dispute_commands import FileCreditDispute

    check_lang(lang)
    cmd = FileCreditDispute(dispute_id, line_id, tuple(month), field, channel, business_day(on), consent, claim,
                            jurisdiction, lang)  # fmt: skip
    d = guarded(lambda: ledger_bus(data_dir).handle(cmd), _OPTIONS)
    hold = "; collection contact is held while it is open" if d.holds_collections else ""
    emit(as_json, _dispute_json(d), f"dispute {d.dispute_id} on {d.line_id} ({d.field}, {', '.join(d.months)}) "
         f"filed {d.filed_on}; reply due by {d.due_on}{hold}")  # fmt: skip


@dispute_app.command("resolve")
def resolve_cmd(
    dispute_id: Annotated[str, typer.Option("--id", help="The dispute id.")],
    outcome: Annotated[str, typer.Option("--outcome", help="corrected | confirmed | undeterminable")],
    value: Annotated[
        str | None, typer.Option("--value", help="corrected: the right value (a PBoC code, or fen).")
    ] = None,
    lang: TextLang = "zh",
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Close a dispute with its outcome and print the written reply (zh or en)."""
    from creditloop.app.dispute_commands import ResolveCreditDispute

    check_lang(lang)
    cmd = ResolveCreditDispute(dispute_id, outcome, business_day(on), value)
    done = guarded(lambda: ledger_bus(data_dir).handle(cmd), _OPTIONS)
    emit(as_json, {**_dispute_json(done["dispute"]), "reply": done["reply"]}, done["reply"][lang])


@credit_record_app.command("disputes")
def disputes_cmd(
    overdue: Annotated[bool, typer.Option("--overdue", help="Only open disputes past their reply deadline.")] = False,
    line_id: Annotated[str | None, typer.Option("--line", help="Only this line.")] = None,
    customer_id: Annotated[str | None, typer.Option("--customer-id", help="Only this customer.")] = None,
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Disputes, with the days left (negative: overdue) on the investigation clock as of --on."""
    from creditloop.app.dispute_store import dispute_store

    day = business_day(on)
    uow = ledger_bus(data_dir, write=False).uow

    def load() -> list[Any]:
        with uow:
            return dispute_store(uow).disputes(line_id=line_id, customer_id=customer_id)

    rows = []
    for d in guarded(load):
        if overdue and not d.overdue_on(day):
            continue
        rows.append({**_dispute_json(d), "days_left": d.days_left(day)})
    text = "\n".join(_row_text(r) for r in rows)
    emit(as_json, {"on": day.isoformat(), "disputes": rows}, text or "no disputes")


def _row_text(r: dict[str, Any]) -> str:
    left = r["days_left"]
    clock = f"{left} days left" if left is None or left >= 0 else f"{-left} days overdue"
    state = f"due {r['due_on']} ({clock})" if r["status"] == "open" else r["outcome"]
    return f"{r['dispute_id']}  {r['line_id']}  {r['field']:<8} {','.join(r['months'])}  filed {r['filed_on']}  {state}"


@credit_record_app.command("report")
def report_cmd(
    customer_id: Annotated[str, typer.Option("--customer-id", help="The customer.")],
    on: Annotated[str | None, typer.Option("--on", help="The month YYYY-MM (default: the last ended month).")] = None,
    lang: TextLang = "zh",
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """The customer's credit report: each line's grid, status and marks, disputes, statements."""
    from creditloop.app.credit_report import customer_report, report_text
    from creditloop.core.dates import add_months, month_end

    check_lang(lang)
    if on is not None and not _MONTH.fullmatch(on):
        fail(f"--on: expected a month YYYY-MM, got {on!r}", EXIT_USAGE)
    first = date(int(on[:4]), int(on[5:]), 1) if on else add_months(today().replace(day=1), -1)
    uow = ledger_bus(data_dir, write=False).uow
    report = guarded(lambda: customer_report(uow, customer_id, month_end(first)), _OPTIONS)
    emit(as_json, report, report_text(report, lang))


@statement_app.command("add")
def statement_add(
    statement_id: Annotated[str, typer.Option("--id", help="The statement id.")],
    customer_id: Annotated[str, typer.Option("--customer-id", help="The customer.")],
    text: Annotated[str, typer.Option("--text", help="The statement shown on the report (at most 500 characters).")],
    line_id: Annotated[str | None, typer.Option("--line", help="About this line (default: the whole report).")] = None,
    lang: TextLang = "zh",
    on: OnOpt = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Add an explanatory statement (个人声明) to the customer's credit report."""
    from creditloop.app.dispute_commands import AddCreditStatement

    check_lang(lang)
    cmd = AddCreditStatement(statement_id, customer_id, text, business_day(on), line_id, lang)
    s = guarded(lambda: ledger_bus(data_dir).handle(cmd), _OPTIONS)
    payload = {"statement_id": s.statement_id, "customer_id": s.customer_id, "line_id": s.line_id,
               "added_on": s.added_on.isoformat()}  # fmt: skip
    emit(as_json, payload, f"statement {s.statement_id} added to the report of {s.customer_id}")


def register() -> None:
    """Put ``dispute`` and ``statement`` on the ``credit-record`` group (``disputes`` and ``report`` are added when
    this module is imported). Called by ``main``: ``credit_record_cli`` does not import this module, so the two
    do not import each other."""
    credit_record_app.add_typer(dispute_app, name="dispute")
    credit_record_app.add_typer(statement_app, name="statement")
