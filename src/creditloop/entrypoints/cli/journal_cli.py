"""``creditloop journal export | verify`` and ``creditloop day-end``: the books of a ledger."""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from creditloop.app.movements import DayMovements

from creditloop.app import views
from creditloop.app.ports import ReconciliationRecord, UnitOfWork
from creditloop.entrypoints.cli._common import (
    EXIT_DOMAIN,
    EXIT_USAGE,
    JsonOpt,
    checked_output,
    emit,
    fail,
    format_yuan,
    guarded,
    one_of,
    progress_bar,
)
from creditloop.entrypoints.cli._ledger import DEFAULT_DIR, DataDirOpt, business_day, ledger_bus, read, today

journal_app = typer.Typer(help="Export and verify the double-entry journal.", no_args_is_help=True)
MAX_CHUNK = 1_000_000  # lines per committed chunk; larger only holds one transaction longer


def day_end(
    on: Annotated[str | None, typer.Option("--on", help="Close through this date (default: yesterday).")] = None,
    date_alias: Annotated[str | None, typer.Option("--date", help="Another name for --on.")] = None,
    chunk: Annotated[int, typer.Option("--chunk", help="Lines per committed chunk.")] = 2_000,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Run day-end for every business date not yet closed, exactly once each, with a reconciliation."""
    from creditloop.app.movements import DayMovements
    from creditloop.jobs.day_end import run_day_end_job
    from creditloop.jobs.day_end_steps import ClosingCounts

    option, text = one_of(("--on", on), ("--date", date_alias))
    target = business_day(text, option) if text else today() - timedelta(days=1)
    if target >= today():
        fail(f"{option}: {target} has not ended yet; day-end closes dates before today ({today()})", EXIT_USAGE)
    if not 1 <= chunk <= MAX_CHUNK:
        fail(f"--chunk: must be between 1 and {MAX_CHUNK:,}, got {chunk}", EXIT_USAGE)
    movements = DayMovements()  # told by the lines' domain events, not by scanning every line
    bus = ledger_bus(data_dir, subscribers=movements.subscribers())
    closing = ClosingCounts(bus.policies)  # hardship plans tracked, promises to pay settled (issue 15)
    dates = guarded(lambda: views.pending_day_ends(bus.uow, target))
    with progress_bar() as bar:  # one step per business date: the total is known before the first one
        task = bar.add_task("day-end", total=len(dates))

        def advance(day: date, lines: int) -> None:
            bar.update(task, description=f"day-end {day}: {lines} line(s)", completed=dates.index(day))

        result = guarded(
            lambda: run_day_end_job(
                bus.uow,
                target,
                chunk_size=chunk,
                progress=advance,
                publish=bus.publish_pending,
                closing_steps=closing.steps(),
            )
        )
        bar.update(task, completed=len(dates))
    rec = result.reconciliation
    payload = {
        "business_dates": [d.isoformat() for d in result.business_dates],
        "lines_closed_last_date": result.lines_closed,
        "movements": movements.to_dict(),
        "hardship_plans": dict(closing.plans),
        "promises_to_pay": dict(closing.promises),
    }
    text = f"Closed {len(result.business_dates)} business date(s) through {target}"
    _emit_day_end(as_json, payload, text, rec, details=_movements_text(movements))


def _movements_text(movements: DayMovements) -> str:
    """One line per business date that moved something (zh + en labels)."""
    lines = []
    for day, m in movements.to_dict().items():
        parts = [f"dues missed 逾期 {m['dues_missed']}"] if m["dues_missed"] else []
        parts += [f"{move} ×{k}" for move, k in m["bucket_moves"].items()]
        if m["charged_off"]:
            parts.append(f"charged off 核销 {m['charged_off']} ({format_yuan(m['charged_off_minor'])})")
        lines.append(f"\n  {day}: " + "; ".join(parts))
    return "".join(lines)


def _emit_day_end(
    as_json: bool, payload: dict[str, object], text: str, rec: ReconciliationRecord | None, details: str = ""
) -> None:
    ok = rec is None or rec.ok
    payload = {**payload, "reconciliation": asdict(rec) if rec is not None else None}
    emit(as_json, payload, f"{text}; reconciliation {'ok' if ok else 'FAILED'}{details}")
    if not ok:
        raise typer.Exit(EXIT_DOMAIN)


@journal_app.command("export")
def export_journal(
    out_path: Annotated[Path | None, typer.Option("--out", help="File to write (default: stdout).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv | jsonl")] = "csv",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --out file.")] = False,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: Annotated[
        bool, typer.Option("--json", help="With --out: print where it was written as JSON (the rows are --format).")
    ] = False,
) -> None:
    """Every posting of every entry, in the order they were recorded."""
    from creditloop.entrypoints.cli.outputs import atomic_output

    if fmt not in {"csv", "jsonl"}:
        fail(f"--format: must be csv or jsonl, got {fmt!r}", EXIT_USAGE)
    if as_json and out_path is None:
        fmt = "jsonl"  # on stdout, --json means JSON lines: one JSON object per posting
    if out_path is not None:  # never the ledger, its side files or an existing file (issue 11, item 1)
        checked_output(out_path, "--out", force=force, inputs=[data_dir / "ledger.sqlite"])
    uow = ledger_bus(data_dir, write=False).uow
    if out_path is None:
        guarded(lambda: _write_journal(uow, sys.stdout, fmt))
        return
    with atomic_output(out_path, newline="") as stream:  # written aside, renamed into place when complete
        rows = guarded(lambda: _write_journal(uow, stream, fmt))
    emit(as_json, {"out": str(out_path), "format": fmt, "rows": rows}, f"Journal written to {out_path}")


def _write_journal(uow: UnitOfWork, stream: IO[str], fmt: str) -> int:
    writer = csv.DictWriter(stream, fieldnames=views.JOURNAL_FIELDS) if fmt == "csv" else None
    if writer:
        writer.writeheader()
    count = 0
    for row in views.journal_rows(uow):
        if writer:
            writer.writerow(dict(row))
        else:
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


@journal_app.command("verify")
def verify_journal(data_dir: DataDirOpt = DEFAULT_DIR, as_json: JsonOpt = False) -> None:
    """Trial balance zero, control accounts equal to the sub-ledgers, and every line's balances rebuilt
    from the journal equal to its stored balances."""
    report = read(data_dir, views.verify_journal)
    emit(
        as_json,
        report.to_dict(),
        f"journal {'ok' if report.ok else 'NOT OK'}: trial balance {format_yuan(report.trial_balance_minor)}, "
        f"control accounts {'match' if report.control_equals_sub_ledger else 'differ'}, "
        f"{len(report.lines_mismatched)} line(s) mismatched",
    )
    if not report.ok:
        raise typer.Exit(EXIT_DOMAIN)


def register(app: typer.Typer) -> None:
    app.add_typer(journal_app, name="journal")
    app.command("day-end")(day_end)
