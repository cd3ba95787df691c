"""``creditloop origination decide | replay | notice | report | evaluate``: applications in, decisions out.

``decide`` reads JSONL, CSV or Parquet (by suffix), decides every valid row in ``applied_at`` order (so the
velocity checks see earlier rows of the same file, as they would live) and writes one output row per input row
in input order: CSV when ``--out`` ends in .csv, Parquet for .parquet, JSON lines otherwise. A row that breaks
the schema is written with ``decision=invalid`` and its ``error`` (row, field, rule); the others are decided.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from creditloop.adapters.files.applications import SUFFIXES, RowError, read_applications
from creditloop.adapters.files.decisions import OUTPUT_COLUMNS, decision_row, invalid_row, write_decisions
from creditloop.app import commands as c
from creditloop.core.errors import CreditloopError
from creditloop.entrypoints.cli._common import (
    EXIT_DOMAIN,
    EXIT_USAGE,
    JsonOpt,
    echo_json,
    emit,
    err,
    fail,
    guarded,
)
from creditloop.entrypoints.cli._ledger import DEFAULT_DIR, DataDirOpt, ledger_bus
from creditloop.entrypoints.cli.outputs import OutputRefused, atomic_write, check_output
from creditloop.strategy.application import ApplicationForm

origination_app = typer.Typer(
    help="Decide credit applications with checks, models and limits; replay and explain decisions.",
    no_args_is_help=True,
)

InputOpt = Annotated[Path, typer.Option("--input", help="Applications: .jsonl, .csv or .parquet.")]
OutOpt = Annotated[Path, typer.Option("--out", help="Decisions: .csv, .parquet, or JSON lines (.jsonl).")]
PolicyOpt = Annotated[
    str | None,
    typer.Option("--policy", help="A packaged policy name (underwriting_v1) or a policy JSON file; default: the arms."),
]
ModelOpt = Annotated[
    list[Path] | None, typer.Option("--model", help="A model artifact file the policy names (repeatable).")
]
CHUNK = 500  # applications per transaction: a crash loses at most one chunk, and nothing half-written


def _underwriting(policy: str | None, models: list[Path] | None) -> Any:
    from creditloop.app.underwriting_setup import build_underwriting

    return guarded(lambda: build_underwriting(policy, list(models or ())), {"policy": "--policy", "model": "--model"})


@origination_app.command("decide")
def decide(
    input_path: InputOpt,
    out_path: OutOpt,
    data_dir: DataDirOpt = DEFAULT_DIR,
    policy: PolicyOpt = None,
    model: ModelOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --out file.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Decide every application of a file; approvals open credit lines in the ledger of --data-dir."""
    try:
        check_output(out_path, "--out", force=force, inputs=[input_path])
    except OutputRefused as exc:
        fail(str(exc), EXIT_USAGE)
    if not out_path.expanduser().parent.is_dir():
        fail(f"--out: directory {out_path.expanduser().parent} does not exist", EXIT_USAGE)
    rows = guarded(lambda: read_applications(input_path), {"input": "--input"})
    underwriting = _underwriting(policy, model)
    bus = ledger_bus(data_dir, create=True)
    bus.policies = _with_underwriting(bus.policies, underwriting)
    results = _decide_rows(bus, rows)
    atomic_write(out_path, lambda tmp: write_decisions(tmp, out_path.suffix.lower(), results))
    summary = _summary(input_path, out_path, results)
    for item in results:
        if item.get("error"):
            err.print(f"warning: {item['error']}", markup=False, highlight=False)
    emit(as_json, summary, _summary_text(summary))


def _with_underwriting(policies: Any, underwriting: Any) -> Any:
    from dataclasses import replace

    return replace(policies, underwriting=underwriting)


def _decide_rows(bus: Any, rows: list[tuple[int, ApplicationForm | RowError]]) -> list[dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    forms = [(n, r) for n, r in rows if isinstance(r, ApplicationForm)]
    for n, r in rows:
        if isinstance(r, RowError):
            out[n] = invalid_row(r)
    forms.sort(key=lambda item: (item[1].applied_at, item[0]))  # time order; file order breaks ties
    for start in range(0, len(forms), CHUNK):
        chunk = forms[start : start + CHUNK]
        with bus.batch():  # one transaction per chunk; a refused row is an error value, nothing of it written
            results = bus.handle(
                c.DecideApplications(tuple(c.DecideApplication(f, customer_id=f.application_id) for _, f in chunk))
            )
        for (n, form), result in zip(chunk, results, strict=True):
            if isinstance(result, CreditloopError):
                out[n] = invalid_row(RowError(n, form.application_id, result.field or result.code, result.message))
            else:
                out[n] = decision_row(result)
    return [out[n] for n, _ in rows]


def _summary(input_path: Path, out_path: Path, results: list[dict[str, Any]]) -> dict[str, Any]:
    counts = {k: 0 for k in ("approve", "refer", "decline", "invalid")}
    for item in results:
        counts[item["decision"]] = counts.get(item["decision"], 0) + 1
    return {
        "input": str(input_path),
        "out": str(out_path),
        "rows": len(results),
        **counts,
        "errors": [item["error"] for item in results if item.get("error")],
        "columns": list(OUTPUT_COLUMNS),
    }


def _summary_text(s: dict[str, Any]) -> str:
    return (
        f"{s['rows']} application(s): {s['approve']} approved, {s['refer']} referred, {s['decline']} declined, "
        f"{s['invalid']} invalid\n决定已写入 / decisions written to {s['out']}"
    )


@origination_app.command("replay")
def replay(
    decision_id: Annotated[
        str, typer.Option("--decision-id", help="underwriting/APPLICATION_ID or the application id.")
    ],
    data_dir: DataDirOpt = DEFAULT_DIR,
    model: ModelOpt = None,
    policy: Annotated[
        list[Path] | None,
        typer.Option("--policy", help="The policy file a decision was made with, when it is not packaged."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-derive a stored decision from its stored inputs and compare byte for byte (exit 1 when they differ)."""
    from creditloop.app.replay import replay_decision

    uow = ledger_bus(data_dir, write=False).uow
    result = guarded(
        lambda: replay_decision(uow, decision_id, list(model or ()), list(policy or ())),
        {"model": "--model", "policy": "--policy"},
    )
    payload = {
        "decision_id": result.decision_id,
        "identical": result.identical,
        "stored": json.loads(result.stored),
        "replayed": json.loads(result.replayed),
    }
    text = (
        f"{result.decision_id}: replayed decision is byte-for-byte identical ({result.outcome})"
        if result.identical
        else f"{result.decision_id}: replayed decision DIFFERS\nstored:   {result.stored}\nreplayed: {result.replayed}"
    )
    emit(as_json, payload, text)
    if not result.identical:
        raise typer.Exit(EXIT_DOMAIN)


@origination_app.command("notice")
def notice(
    decision_id: Annotated[
        str, typer.Option("--decision-id", help="underwriting/APPLICATION_ID or the application id.")
    ],
    data_dir: DataDirOpt = DEFAULT_DIR,
    lang: Annotated[str, typer.Option("--lang", help="zh | en | both (default both).")] = "both",
    as_json: JsonOpt = False,
) -> None:
    """The notice of a decline or referral: the top four reasons, in Chinese and English."""
    from creditloop.app.replay import decision_notice

    if lang not in ("zh", "en", "both"):
        fail("--lang: must be zh, en or both", EXIT_USAGE)
    uow = ledger_bus(data_dir, write=False).uow
    texts = guarded(lambda: decision_notice(uow, decision_id))
    chosen = {k: v for k, v in texts.items() if lang in (k, "both")}
    if as_json:
        echo_json({"decision_id": decision_id, **chosen})
    else:
        typer.echo("\n\n".join(chosen.values()))


@origination_app.command("report")
def report(
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Champion/challenger: applications, approval rate, early delinquency and losses by arm."""
    from creditloop.app.replay import arm_report

    uow = ledger_bus(data_dir, write=False).uow
    rows = guarded(lambda: arm_report(uow))
    if as_json:
        echo_json({"arms": rows})
        return
    for r in rows:
        typer.echo(
            f"{r['arm']}: {r['applications']} applications, approval {r['approval_rate']:.1%}, "
            f"30+ DPD {r['dpd30_rate']:.1%} of approved, charged off {r['charged_off_minor'] / 100:.2f} yuan"
        )


@origination_app.command("evaluate")
def evaluate(
    data_dir: Annotated[Path, typer.Option("--data-dir", help="A simulation's output directory.")],
    as_json: JsonOpt = False,
) -> None:
    """Fabricated-application detection on a simulation's ground truth: recall per kind, genuine flag rate."""
    from creditloop._extras import require_extra

    require_extra("sim", "pyarrow", "duckdb")
    from creditloop.simulate.fraud_eval import evaluate as run_evaluation

    result = guarded(lambda: run_evaluation(data_dir), {"data_dir": "--data-dir"})
    if as_json:
        echo_json(result)
        return
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))


def register(app: typer.Typer) -> None:
    app.add_typer(origination_app, name="origination")


__all__ = ["SUFFIXES", "register"]
