"""``creditloop line show | statement``: read views of one line, rendered (``--json`` prints the view itself)."""

from __future__ import annotations

from typing import Any

import typer

from creditloop.app import views
from creditloop.entrypoints.cli._common import (
    EXIT_DOMAIN,
    JsonOpt,
    LangOpt,
    check_lang,
    echo_json,
    fail,
    format_yuan,
    header,
    out,
    table,
)
from creditloop.entrypoints.cli._ledger import DEFAULT_DIR, DataDirOpt, LineOpt, read

_ZH_SETTLEMENT_STATUS = {"open": "待还款", "settled": "已结清", "lapsed": "已失效"}
_BALANCES = ("limit", "open_to_buy", "principal", "fee", "penalty", "credit_balance", "charged_off")


def show(line_id: LineOpt, data_dir: DataDirOpt = DEFAULT_DIR, as_json: JsonOpt = False, lang: LangOpt = "en") -> None:
    """The account with its schedule, statements and history."""
    check_lang(lang)
    view: dict[str, Any] = read(data_dir, views.line_summary, line_id).to_dict()
    if as_json:
        echo_json(view)
        return
    summary = table(f"{view['line_id']} ({view['status']})", ("", ""), lang, show_header=False)
    for key in _BALANCES:
        summary.add_row(header(key, lang), format_yuan(view[f"{key}_minor"]))
    summary.add_row(header("dpd / bucket", lang), f"{view['dpd']} / {view['bucket']}")
    summary.add_row(header("closed through", lang), str(view["last_closed_on"]))
    offer = view.get("settlement")
    if offer is not None:
        summary.add_row(header("settlement", lang), _settlement_text(offer, lang))
    out.print(summary)
    schedule = table(header("schedule", lang), ("plan", "#", "due on", "principal", "fee", "paid", "billed"), lang)
    for r in view["schedule"]:
        schedule.add_row(
            r["plan_id"].rsplit("/", 1)[-1],
            str(r["seq"]),
            r["due_on"],
            format_yuan(r["principal_minor"]),
            format_yuan(r["fee_minor"]),
            format_yuan(r["paid_minor"]),
            header("yes", lang) if r["billed"] else "",
        )
    out.print(schedule)
    history = table(header("history", lang), ("#", "date", "kind", "id"), lang)
    for e in view["events"]:
        history.add_row(str(e["seq"]), e["on"], e["kind"], e["id"])
    out.print(history)


def _settlement_text(o: dict[str, Any], lang: str) -> str:
    """The settlement offer in one line: pay so much by when, paid so far, and how it ended."""
    amount, paid = format_yuan(o["amount_minor"]), format_yuan(o["paid_minor"])
    if lang == "zh":
        status = _ZH_SETTLEMENT_STATUS[o["status"]]
        text = f"{o['request_id']}：{o['due_on']} 前还 {amount}，已还 {paid}（{status}）"
        return text + (f"，减免 {format_yuan(o['forgiven_minor'])}" if o["status"] == "settled" else "")
    text = f"{o['request_id']}: pay {amount} by {o['due_on']}, paid {paid} ({o['status']})"
    return text + (f", forgiven {format_yuan(o['forgiven_minor'])}" if o["status"] == "settled" else "")


def statement(
    line_id: LineOpt, data_dir: DataDirOpt = DEFAULT_DIR, as_json: JsonOpt = False, lang: LangOpt = "en"
) -> None:
    """The latest statement: purchases, installments, fees, penalty, payments, minimum and total due."""
    check_lang(lang)
    st = read(data_dir, views.latest_statement, line_id)
    if st is None:
        fail(f"no_statement: line {line_id} has no statement yet", EXIT_DOMAIN)
    if as_json:
        echo_json(st)
        return
    title = f"{header('statement', lang)} {st['statement_on']} — {header('due', lang)} {st['due_on']}"
    rows = table(title, ("", ""), lang, show_header=False)
    for k, v in st.items():
        if k.endswith("_minor"):
            name = k.removesuffix("_minor")
            rows.add_row(header(name, lang), format_yuan(v))
    out.print(rows)


def register(line_app: typer.Typer) -> None:
    line_app.command()(show)
    line_app.command()(statement)
