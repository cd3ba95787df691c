"""What every ``creditloop`` command shares: errors and exit codes, dates, directories, output, progress, JSON,
amounts in yuan and bilingual table headers. Command modules import this, never ``main`` (no import cycle).

Exit codes: 0 ok, 1 domain error (the request was understood and refused), 2 usage error.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from creditloop.core.errors import CreditloopError, ValidationError
from creditloop.core.money import format_major

out = Console()
err = Console(stderr=True, soft_wrap=True)

EXIT_DOMAIN = 1
EXIT_USAGE = 2
T = TypeVar("T")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]
LangOpt = Annotated[str, typer.Option("--lang", envvar="CREDITLOOP_LANG", help="Table headers: en | zh (default en).")]


def fail(message: str, code: int) -> NoReturn:
    err.print(f"error: {message}", markup=False, highlight=False)
    raise typer.Exit(code)


def guarded(fn: Callable[[], T], options: dict[str, str] | None = None) -> T:
    """Run library code; turn our errors into one clear line and the right exit code, never a traceback.

    ``options`` maps a library field name to the command-line option it came from."""
    try:
        return fn()
    except ValidationError as exc:
        field = exc.field or "input"
        fail(f"{(options or {}).get(field, field)}: {exc.message}", EXIT_USAGE)
    except CreditloopError as exc:
        fail(f"{exc.code}: {yuan_message(exc.message)}", EXIT_DOMAIN)


# ----------------------------------------------------------------------------- amounts


def format_yuan(amount_minor: int) -> str:
    """Integer fen as the yuan text users type (``35000`` -> ``350.00``): the one rendering of an amount."""
    return format_major(amount_minor)


# The ledger's refusals state amounts in fen after these words ("amount 50000 exceeds open-to-buy 7500");
# users typed yuan, so they read yuan back. Only a whole number right after one of the words is an amount.
_AMOUNT_WORDS = (
    "amount_minor",
    "amount",
    "open-to-buy",
    "capture",
    "authorised",
    "refund of",
    "refund",
    "refundable",
    "credit balance",
    "cleared credit",
    "owes",
    "holds credit",
    "waiver",
    "accrued penalty",
    "what is owed",
    "credit held",
)
_AMOUNT_IN_TEXT = re.compile(r"\b(" + "|".join(re.escape(w) for w in _AMOUNT_WORDS) + r") (\(?)(-?[0-9]+)\b(?![.\-/])")
_SHARE_OF_CREDIT = re.compile(r"(?<=: )([0-9]+)(?= of the credit\b)")


def yuan_message(message: str) -> str:
    """A domain message with its fen amounts written in yuan (``amount_minor 50000`` -> ``amount 500.00``)."""

    def yuan(m: re.Match[str]) -> str:
        word = "amount" if m.group(1) == "amount_minor" else m.group(1)
        return f"{word} {m.group(2)}{format_yuan(int(m.group(3)))}"

    message = _AMOUNT_IN_TEXT.sub(yuan, message)
    return _SHARE_OF_CREDIT.sub(lambda m: format_yuan(int(m.group(1))), message)


def parse_amount(text: str, option: str) -> int:
    """A positive amount in yuan (``350.00``) as fen, refused as a usage error naming the option."""
    from creditloop.core.money import parse_major
    from creditloop.ledger.bounds import MAX_AMOUNT_MINOR

    name = option.removeprefix("--")
    minor: int = guarded(lambda: parse_major(text, field=name), {name: option})
    if minor <= 0:
        fail(f"{option}: must be positive, got {text}", EXIT_USAGE)
    if minor > MAX_AMOUNT_MINOR:
        fail(f"{option}: at most {format_yuan(MAX_AMOUNT_MINOR)} yuan, got {text}", EXIT_USAGE)
    return minor


# ----------------------------------------------------------------------------- dates and directories

# Dates the ledger and the simulator can compute with: schedules and statements run years past a business date,
# and the calendar ends in 9999 (year 1 or 9999 overflowed as a bare OverflowError before, issue 11 item 8).
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def parse_day(text: str, option: str) -> date:
    """A calendar date written ``YYYY-MM-DD`` exactly (``date.fromisoformat`` also takes ``20240210`` and week
    dates such as ``2024-W06-6``; the docs promise neither), between 1900-01-01 and 2999-12-31."""
    if not _ISO_DAY.fullmatch(text):
        fail(f"{option}: expected a date YYYY-MM-DD, got {text!r}", EXIT_USAGE)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: expected a date YYYY-MM-DD, got {text!r} (no such day)", EXIT_USAGE)
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        fail(f"{option}: {day} is outside the supported dates {EARLIEST_DAY} to {LATEST_DAY}", EXIT_USAGE)
    return day


def one_of(primary: tuple[str, T | None], alias: tuple[str, T | None]) -> tuple[str, T | None]:
    """The value of an option or of its alias (``--on``/``--date``, ``--data-dir``/``--out``) with the name the
    user typed, so a message names what they wrote; both at once is a usage error."""
    if primary[1] is not None and alias[1] is not None:
        fail(f"{alias[0]} is another name for {primary[0]}; give one of them", EXIT_USAGE)
    return alias if alias[1] is not None else primary


def check_writable_dir(path: Path, option: str) -> None:
    """Refuse a data directory we could not write, before anything is written."""
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        fail(f"{option}: {path} is not a writable directory ({probe} is a file)", EXIT_USAGE)
    if not os.access(probe, os.W_OK | os.X_OK):
        fail(f"{option}: {path} is not writable", EXIT_USAGE)


def check_dir(check: Callable[[], None]) -> None:
    """Run a directory check from ``ledgers``; a refusal is a usage error naming the option."""
    from creditloop.entrypoints.cli.ledgers import DirectoryRefused

    try:
        check()
    except DirectoryRefused as exc:
        fail(str(exc), EXIT_USAGE)


def checked_output(path: Path, option: str = "--out", *, force: bool = False, inputs: Sequence[Path] = ()) -> None:
    """The shared output guard (``outputs.check_output``) as a usage error naming the option."""
    from creditloop.entrypoints.cli.outputs import OutputRefused, check_output

    try:
        check_output(path, option, force=force, inputs=inputs)
    except OutputRefused as exc:
        fail(str(exc), EXIT_USAGE)


def operation_id(given: str | None, kind: str) -> tuple[str, bool]:
    """The client's operation id, or a new one when omitted (printed, so a retry can reuse it)."""
    if given is not None:
        return given, False
    return f"{kind}-{uuid.uuid4().hex[:16]}", True


# ----------------------------------------------------------------------------- output


def progress_bar() -> Progress:
    """Progress on stderr: stdout stays clean for ``--json`` and pipes."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


@contextmanager
def progress_step(description: str) -> Iterator[None]:
    """A long step of unknown length: a spinner on stderr while it runs (nothing on stdout)."""
    with err.status(description):
        yield


def echo_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True, default=str))


def emit(as_json: bool, payload: dict[str, Any], text: str) -> None:
    """The result as JSON on stdout, or the message for people (plain text: never wrapped or read as markup)."""
    if as_json:
        echo_json(payload)
    else:
        typer.echo(text)


# Table headers in Chinese for ``--lang zh`` (English is the key itself).
ZH_HEADERS = {
    "limit": "额度",
    "open_to_buy": "可用额度",
    "principal": "本金",
    "fee": "手续费",
    "interest": "利息",
    "penalty": "罚息",
    "credit_balance": "溢缴款",
    "charged_off": "核销",
    "dpd / bucket": "逾期天数 / 账龄",
    "closed through": "已日终至",
    "settlement": "和解还款",
    "schedule": "还款计划",
    "history": "历史",
    "plan": "分期",
    "#": "#",
    "due on": "到期日",
    "paid": "已还",
    "billed": "已出账",
    "date": "日期",
    "kind": "类型",
    "id": "编号",
    "statement": "账单",
    "due": "到期",
    "new_purchases": "本期消费",
    "installments_principal": "分期本金",
    "installments_fee": "分期手续费",
    "installments_interest": "分期利息",
    "past_due": "逾期金额",
    "payments": "还款",
    "total_due": "应还总额",
    "minimum_due": "最低还款额",
    "paid_by_due": "到期前已还",
    "strategy": "策略",
    "lines": "授信数",
    "charged off": "核销",
    "peak 30+": "30+ 峰值",
    "final 30+": "30+ 期末",
    "helped": "获帮助",
    "helped now current/repaid": "获帮助后正常/结清",
    "lender actions": "贷方操作",
    "scenario": "情景",
    "customers / lines opened": "客户 / 开户数",
    "purchased (yuan)": "消费 (元)",
    "repaid (yuan)": "还款 (元)",
    "journal balanced": "分录平衡",
    "30+ DPD rate by month": "各月 30+ 逾期率",
    "preview": "预览",
    "applied": "已执行",
    "yes": "是",
}


def check_lang(lang: str) -> str:
    if lang not in ("en", "zh"):
        fail(f"--lang: must be en or zh, got {lang!r}", EXIT_USAGE)
    return lang


def header(name: str, lang: str) -> str:
    """A table header or label in the chosen language (English when there is no translation)."""
    return ZH_HEADERS.get(name, name) if lang == "zh" else name


def table(title: str, columns: Sequence[str], lang: str, *, show_header: bool = True) -> Table:
    """A Rich table with its headers in ``lang``."""
    t = Table(title=title, show_header=show_header)
    for col in columns:
        t.add_column(header(col, lang))
    return t
