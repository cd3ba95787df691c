"""``creditloop risk pd-prior --data-dir D --version V --out FILE [--on D] [--source TEXT] [--json]``: a seasoned
book's monthly roll rates written as a PD prior (``portfolio.ecl.pd_prior``) for a younger book's ``risk ecl
--pd-prior FILE``.

The matrix is the count chain's (``risk ecl --segment-by none``) at ``--on`` over the packaged transition window,
with every row the book saw at least ``--min-line-months`` times (default 30, the thin-row mark of ``risk ecl``)
and its line-months; the file is written whole or not at all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from creditloop.entrypoints.cli._common import EXIT_USAGE, JsonOpt, emit, fail, guarded
from creditloop.entrypoints.cli.risk_analytics_cli import DataDirOpt, EngineOpt, MasterOpt
from creditloop.entrypoints.cli.risk_ecl_cli import reporting_day

VersionOpt = Annotated[str, typer.Option("--version", help="The prior's version, kept in every ECL that uses it.")]
OutOpt = Annotated[Path, typer.Option("--out", help="The prior file to write (JSON, creditloop.ecl.pd_prior/1).")]
SourceOpt = Annotated[str, typer.Option("--source", help="Where the rates come from, in words (kept in the file).")]
OnOpt = Annotated[str | None, typer.Option("--on", help="Month end of the matrix YYYY-MM-DD (default: the last).")]
MinOpt = Annotated[
    int, typer.Option("--min-line-months", help="Leave out the rows the book saw fewer times than this.")
]


def prior_document(
    data_dir: Path, engine: str, master: str | None, on: str | None, version: str, source: str, min_lines: int
) -> Any:
    """The prior document of ``data_dir``'s count-chain matrix (``risk ecl --segment-by none``, the packaged
    transition window) at ``on`` (default the last month end)."""
    from creditloop.adapters.analytics.ecl_inputs import read_inputs
    from creditloop.adapters.analytics.engines import EngineError, connect
    from creditloop.portfolio.analytics.panel import AnalyticsInputError
    from creditloop.portfolio.ecl import pd_prior
    from creditloop.portfolio.ecl import scenarios as scenario_file
    from creditloop.portfolio.ecl.run import pooled_counts
    from creditloop.portfolio.ecl.term_structure import CO_INDEX, matrix_from_counts

    try:
        rows, counts = read_inputs(connect(engine, master), data_dir)
    except (EngineError, AnalyticsInputError) as exc:
        fail(str(exc), EXIT_USAGE)
    day = reporting_day(rows, on, data_dir)
    window = guarded(lambda: scenario_file.load(None)).transition_window_months
    pooled, months = pooled_counts(counts, day, window)
    if not months:
        fail(f"--on: no month-to-month transitions are known at {day} (need two month ends)", EXIT_USAGE)
    book = pooled[""]
    lines = [sum(n for (i, _), n in book.items() if i == s) for s in range(CO_INDEX)]
    doc: dict[str, Any] = pd_prior.to_dict(matrix_from_counts(book), lines, version, source, min_lines)
    if not doc["rows"]:
        fail(f"--min-line-months: no row of the book was seen {min_lines} times at {day}", EXIT_USAGE)
    guarded(lambda: pd_prior.from_dict(doc), {"version": "--version"})  # what is written loads back
    return doc


def add_command(app: typer.Typer) -> None:
    @app.command("pd-prior")
    def pd_prior_command(
        data_dir: DataDirOpt,
        version: VersionOpt,
        out: OutOpt,
        engine: EngineOpt = "duckdb",
        spark_master: MasterOpt = None,
        on: OnOpt = None,
        source: SourceOpt = "",
        min_line_months: MinOpt = 30,
        as_json: JsonOpt = False,
    ) -> None:
        """Write a seasoned book's monthly roll rates as a PD prior for a young book (risk ecl --pd-prior)."""
        from creditloop.entrypoints.cli.outputs import atomic_output

        if not (data_dir / "snapshots.parquet").is_file():
            fail(f"--data-dir: {data_dir} has no snapshots.parquet (rule: a monthly panel of snapshots)", EXIT_USAGE)
        if not version.strip() or len(version) > 40:  # before reading the book (a minute on a large one)
            fail("--version: must be a non-empty string of at most 40 characters", EXIT_USAGE)
        if min_line_months < 1:
            fail(f"--min-line-months: must be at least 1, got {min_line_months}", EXIT_USAGE)
        if out.is_dir():
            fail(f"--out: {out} is a directory", EXIT_USAGE)
        if out.parent.exists() and not out.parent.is_dir():
            fail(f"--out: {out.parent} is not a directory", EXIT_USAGE)
        name = source or f"risk pd-prior of {data_dir}"
        doc = prior_document(data_dir, engine, spark_master, on, version, name, min_line_months)
        with atomic_output(out) as fh:
            json.dump(doc, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        rows = ", ".join(f"{k} {v}" for k, v in doc["line_months"].items())
        emit(as_json, {**doc, "out": str(out)}, f"PD prior {version} written to {out} (line-months: {rows})")
