"""``creditloop scorecard report``: validation, champion / challenger, drift and decay, rendered to HTML."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer

from creditloop.entrypoints.cli._scorecard_common import (
    CHAMPION_TABLE,
    MAX_BOOTSTRAP,
    TRAINING_SHARE_WARNING,
    BaselineOpt,
    ChallengerOpt,
    ForceOpt,
    ModelOpt,
    _cli,
    _load_model,
    _run,
    _score,
    _target,
)
from creditloop.entrypoints.cli.scoring_files import guard_output, read_table, write_file

# ----------------------------------------------------------------------------- report


def report(
    model_path: ModelOpt,
    data: Annotated[Path, typer.Option("--data", help="Labelled data to validate on (.csv or .parquet).")],
    target: Annotated[str, typer.Option("--target", help="Binary target column.")],
    out_path: Annotated[Path, typer.Option("--out", help="HTML report to write.")],
    baseline: BaselineOpt = None,
    time_col: Annotated[str | None, typer.Option("--time-col", help="Period column: performance by period.")] = None,
    event: Annotated[str | None, typer.Option("--event", help="Target value meaning bad.")] = None,
    n_boot: Annotated[int, typer.Option("--bootstrap", help="Bootstrap resamples for intervals.")] = 200,
    challengers: ChallengerOpt = None,
    force: ForceOpt = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
) -> None:
    """Validate a scorecard on labelled data: AUC/Gini, KS, lift, calibration, stability; an HTML report.

    With --challenger, every model scores the same rows and the report compares them with the --model
    scorecard as champion (AUC difference with a paired bootstrap interval). A warning says when the data
    holds the rows the model was trained on: their metrics are optimistic."""
    from creditloop.adapters.report.validation_report import render_validation_report
    from creditloop.scoring import binary_target

    cli = _cli()
    inputs = [model_path, data, baseline, *(challengers or [])]
    guard_output(out_path, "--out", force=force, inputs=inputs, suffixes=(".html", ".htm"))
    if not 1 <= n_boot <= MAX_BOOTSTRAP:
        cli.fail(f"--bootstrap must be between 1 and {MAX_BOOTSTRAP:,}, got {n_boot}", cli.EXIT_USAGE)
    model = _load_model(model_path)
    for path in challengers or []:
        if path.is_file() and model_path.is_file() and path.resolve() == model_path.resolve():
            cli.fail(f"--challenger: {path} is the --model file; a model cannot challenge itself", cli.EXIT_USAGE)
    rivals = {path: _load_model(path, "--challenger") for path in challengers or []}
    frame = read_table(data, "--data")
    _target(frame, target)
    y = _run(lambda: binary_target(frame[target], target, event), {target: "--target"})
    scored = _score(model, frame, model_path, "--model")
    results, tables, summary = _validate_models(model, model_path, rivals, frame, y, scored, n_boot)
    tables["Points table / 评分卡分值表"] = model.points_table
    if time_col is not None:
        tables["Performance by period / 分期表现"] = _decay_table(model, frame, y, scored, time_col)
    if baseline is not None:
        _drift_tables(model, baseline, frame, scored, tables, summary)
    notes = [f"Data: {data.name}, {len(frame)} rows, event rate {results[0].event_rate:.2%}."]
    share = _training_rows_share(model, frame, y)
    summary["training_rows_share"] = share
    if share is not None and share >= TRAINING_SHARE_WARNING:
        notes.append(_training_data_warning(share))
    html = render_validation_report(
        results, title=f"Scorecard {getattr(model, 'model_version_', '')}", tables=tables, notes=notes
    )
    write_file(out_path, lambda tmp: tmp.write_text(html, encoding="utf-8"))
    _print_report(results[0], summary, tables, out_path, as_json)


def _validate_models(
    model: Any, model_path: Path, rivals: dict[Path, Any], frame: Any, y: Any, scored: Any, n_boot: int
) -> tuple[list[Any], dict[str, Any], dict[str, Any]]:
    """The champion's validation and, with challengers, theirs and the comparison table."""
    from creditloop.scoring import compare_models, validate

    rival_pd = {path: _score(m, frame, path, "--challenger")["pd"] for path, m in rivals.items()}
    names = _model_names([model_path, *rivals])
    name = names[0] if rivals else "current"
    result = _run(
        lambda: validate(y, scored["pd"], score=scored["score"], name=name, n_boot=n_boot),
        step=f"validating ({n_boot} bootstrap resamples)",
    )
    tables: dict[str, Any] = {}
    summary: dict[str, Any] = result.to_dict()
    results = [result]
    if rivals:
        preds = {names[0]: scored["pd"], **dict(zip(names[1:], rival_pd.values(), strict=True))}
        for rival in names[1:]:
            results.append(_run(partial(validate, y, preds[rival], name=rival, n_boot=n_boot)))
        comparison = _run(lambda: compare_models(preds, y, n_boot=n_boot), step="comparing models")
        tables[CHAMPION_TABLE] = comparison
        summary["champion_challenger"] = comparison.to_dict("records")
    return results, tables, summary


def _decay_table(model: Any, frame: Any, y: Any, scored: Any, time_col: str) -> Any:
    from creditloop.scoring import performance_decay

    _target(frame, time_col, "--time-col")
    baseline_auc = model.training_.get("metrics", {}).get("auc")
    return _run(lambda: performance_decay(y, scored["pd"], frame[time_col], baseline_auc=baseline_auc))


def _drift_tables(
    model: Any, baseline: Path, frame: Any, scored: Any, tables: dict[str, Any], summary: dict[str, Any]
) -> None:
    from creditloop.scoring import csi, score_drift

    dev = read_table(baseline, "--baseline")
    dev_scores = _run(lambda: model.predict_score(dev))
    drift = score_drift(dev_scores, scored["score"])
    tables["Score drift / 分数漂移"] = _frame([drift])
    tables["Characteristic stability (CSI) / 特征稳定性"] = _run(
        lambda: csi({c.name: c.binning for c in model.characteristics_}, dev, frame)
    )
    summary["score_psi"] = drift["psi"]


def _training_rows_share(model: Any, frame: Any, y: Any) -> float | None:
    """The share of --data rows the model was trained on (None: the model file cannot tell); warns when high."""
    from creditloop.scoring.holdout import training_share

    fingerprint = model.training_.get("rows")
    if not fingerprint:
        return None
    share = training_share(fingerprint, frame, y)
    if share is not None and share >= TRAINING_SHARE_WARNING:
        _cli().err.print(f"warning: {_training_data_warning(share)}", markup=False, highlight=False)
    return share


def _training_data_warning(share: float) -> str:
    return (
        f"evaluated on training data — optimistic: about {share:.0%} of these rows trained the model / "
        f"在训练数据上评估，结果偏乐观：约 {share:.0%} 的行参与了模型训练"
    )


def _print_report(result: Any, summary: dict[str, Any], tables: dict[str, Any], out_path: Path, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
        return
    typer.echo(result.summary.to_string(index=False))
    comparison = tables.get(CHAMPION_TABLE)
    if comparison is not None:
        typer.echo(comparison[["model", "role", "auc", "ks", "auc_diff", "verdict"]].to_string(index=False))
        for line in _verdicts(comparison):
            typer.echo(line)
    typer.echo(f"Report: {out_path}")


def _model_names(paths: list[Path]) -> list[str]:
    """File names identify the models in tables and charts; the full path only where two names clash."""
    names = [p.name for p in paths]
    return [str(p) if names.count(n) > 1 else n for p, n in zip(paths, names, strict=True)]


def _verdicts(comparison: Any) -> list[str]:
    champion = comparison.iloc[0]
    lines = []
    for _, row in comparison.iloc[1:].iterrows():
        outcome = {
            "better": "challenger wins",
            "worse": "champion wins",
            "no clear difference": "no clear winner (the interval includes 0)",
        }[row["verdict"]]
        lines.append(
            f"{row['model']} vs {champion['model']}: AUC {row['auc']:.4f} vs {champion['auc']:.4f}, difference "
            f"{row['auc_diff']:+.4f} (95% CI {row['auc_diff_low']:+.4f} to {row['auc_diff_high']:+.4f}): {outcome}"
        )
    return lines


def _frame(rows: list[dict[str, Any]]) -> Any:
    import pandas as pd

    return pd.DataFrame(rows)
