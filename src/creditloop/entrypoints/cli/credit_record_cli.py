"""``creditloop credit-record repair-check``: is an overdue record repaired (hidden) or kept, and until when;
``creditloop credit-record furnish``: the month's reporting file from the ledger (``app.furnishing``).

``--input`` holds one case object of ``../shared/vectors/credit_repair.json`` (``overdue_generated``,
``single_overdue_amount``, ``repaid_on``, optional ``id``), a list of them, or a whole vector file
(``{"cases": [...]}``; ``expected`` is ignored). Every case is checked before anything is printed: a missing
field, a bad date or a negative amount exits 2 naming the case and the field. The rules are the packaged
documents (``reporting/rules``) plus any ``--rule`` file.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from creditloop.core.errors import ValidationError
from creditloop.entrypoints.cli._common import (
    EXIT_USAGE,
    JsonOpt,
    check_lang,
    checked_output,
    echo_json,
    emit,
    fail,
    guarded,
)
from creditloop.entrypoints.cli._ledger import DEFAULT_DIR, DataDirOpt, ledger_bus

TextLang = Annotated[str, typer.Option("--lang", envvar="CREDITLOOP_LANG", help="Text output: en | zh (default en).")]
credit_record_app = typer.Typer(
    help="Credit records: repair and retention rules, monthly furnishing, disputes, the customer report.",
    no_args_is_help=True,
)


def _cases(payload: Any) -> tuple[list[Any], bool]:
    """The case objects and whether the input was a single case."""
    if isinstance(payload, Mapping) and "cases" in payload:
        extra = set(payload) - {"cases", "description"}
        if extra:
            raise ValidationError(f"unknown field {sorted(extra)[0]!r} beside cases", field=sorted(extra)[0])
        cases = payload["cases"]
        if not isinstance(cases, list):
            raise ValidationError("cases must be a list of case objects", field="cases")
        return cases, False
    if isinstance(payload, list):
        return payload, False
    return [payload], True


def _read_input(path: Path) -> tuple[list[Any], bool]:
    from creditloop.reporting.repair import read_case

    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"--input: cannot read {path} ({exc})", EXIT_USAGE)
    except json.JSONDecodeError as exc:
        fail(f"--input: {path} is not valid JSON ({exc})", EXIT_USAGE)
    try:
        raw, single = _cases(payload)
    except ValidationError as exc:
        fail(f"--input {path}: {exc.field}: {exc.message}", EXIT_USAGE)
    if not raw:
        fail(f"--input {path}: no cases", EXIT_USAGE)
    cases = []
    for i, doc in enumerate(raw):
        try:
            cases.append(read_case(doc))
        except ValidationError as exc:
            where = exc.field if single else f"cases[{i}].{exc.field}"
            message = exc.message.removeprefix(exc.field or "").lstrip(": ")
            fail(f"--input {path}: {where}: {message}", EXIT_USAGE)
    return cases, single


@credit_record_app.command("repair-check")
def repair_check(
    input_path: Annotated[Path, typer.Option("--input", help="A case JSON file (one case, a list, or {cases}).")],
    rule: Annotated[
        list[Path] | None, typer.Option("--rule", help="An extra rule document (repeatable): a future rule.")
    ] = None,
    lang: TextLang = "en",
    as_json: JsonOpt = False,
) -> None:
    """Per case: eligible, hidden_from or hidden_by; under the 5-year rule, delete_after (null while owed)."""
    from creditloop.reporting.record_rules import rule_book
    from creditloop.reporting.repair import assess
    from creditloop.reporting.repair_text import outcome_text

    check_lang(lang)
    cases, single = _read_input(input_path)
    try:
        book = rule_book(rule or ())
    except ValidationError as exc:
        fail(f"--rule: {exc.message}", EXIT_USAGE)
    outcomes = [assess(c, book) for c in cases]
    if as_json:
        results = [o.as_json() for o in outcomes]
        echo_json(results[0] if single else results)
        return
    typer.echo("\n".join(outcome_text(o, lang) for o in outcomes))


GRID_DIR = "furnished"  # the months' grids kept by --from-panel, so that next month reads one month of rows
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])", re.ASCII)


@credit_record_app.command("furnish")
def furnish(
    on: Annotated[str, typer.Option("--on", help="The reporting month YYYY-MM.")],
    out_path: Annotated[Path, typer.Option("--out", help="The reporting file (.csv: CSV, else fixed width).")],
    file_format: Annotated[
        str | None, typer.Option("--format", help="fixed | csv (default: by the --out suffix).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --out file.")] = False,
    from_panel: Annotated[
        bool,
        typer.Option(
            "--from-panel",
            help="Read the stored day-end panel in columns (clean lines; the rest per account); last month's "
            "grid, kept in DATA_DIR/furnished, is rolled so that one month of rows is read.",
        ),
    ] = False,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Each line's record for the month: status code, balance and overdue as reported, 24-month grid, marks. A line
    first reported negative this month gets its Art. 15 notice recorded before the file is written. ``--from-panel``:
    the same records from the stored day-end panel (``adapters/warehouse/furnish_stored.py``)."""
    from creditloop.app.dispute_commands import FurnishMonth
    from creditloop.core.dates import month_end
    from creditloop.reporting.furnishing import csv_file, fixed_width_file

    if not _MONTH.fullmatch(on):
        fail(f"--on: expected a month YYYY-MM, got {on!r}", EXIT_USAGE)
    kind = file_format or ("csv" if out_path.suffix.lower() == ".csv" else "fixed")
    if kind not in ("fixed", "csv"):
        fail(f"--format: must be fixed or csv, got {kind!r}", EXIT_USAGE)
    checked_output(out_path, force=force)
    day = month_end(date(int(on[:4]), int(on[5:]), 1))
    if from_panel:
        done: Any = guarded(lambda: _from_panel(data_dir, day), {"on": "--on"})
    else:
        done = guarded(lambda: ledger_bus(data_dir).handle(FurnishMonth(day)), {"on": "--on"})
    records = done.records
    text = csv_file(records) if kind == "csv" else fixed_width_file(records)
    out_path.write_text(text, encoding="utf-8")
    counts = dict(sorted(Counter(r.status for r in records).items()))
    payload = {"month": on, "records": len(records), "out": str(out_path), "format": kind, "statuses": counts,
               "notices": len(done.notices)} | ({"rolled": done.rolled} if from_panel else {})  # fmt: skip
    emit(as_json, payload, f"{len(records)} records for {on} written to {out_path} ({kind}); statuses {counts}; "
         f"{len(done.notices)} first-negative notices recorded")  # fmt: skip


def _from_panel(data_dir: Path, day: date) -> Any:
    from creditloop.adapters.warehouse.furnish_stored import furnish_from_panel

    uow = ledger_bus(data_dir).uow
    with uow:
        done = furnish_from_panel(uow, day, grid_dir=data_dir / GRID_DIR)
        uow.commit()
    return done


def register(app: typer.Typer) -> None:
    app.add_typer(credit_record_app, name="credit-record")


__all__ = ["credit_record_app", "register"]
