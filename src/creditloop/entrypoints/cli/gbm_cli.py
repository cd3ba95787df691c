"""``creditloop gbm fit | score``: the gradient-boosting scorer beside the scorecard, as a saved model file.

``gbm fit`` fits :class:`creditloop.scoring.GBMScorer` (LightGBM, monotone constraints, calibrated PD) on a
CSV or Parquet file and writes a ``creditloop.gbm`` JSON model file (no pickle) that a policy names by its
model id and version. ``gbm score`` scores a file row by row through the decision-time runtime
(:func:`creditloop.scoring.runtime.load_model`: a scorecard file works too), so its output is what a
decision would carry: PD, score (scorecards only), reason codes with zh / en texts, data issues.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from creditloop.entrypoints.cli._scorecard_common import (
    DEFAULT_TEST_FRACTION,
    CategoricalOpt,
    DataOpt,
    EventOpt,
    ExcludeOpt,
    ForceOpt,
    JsonOpt,
    ModelOutOpt,
    ModelVersionOpt,
    ProtectedOpt,
    ReasonsOpt,
    SeedOpt,
    TargetOpt,
    TestFractionOpt,
    _cli,
    _run,
    _target,
)
from creditloop.entrypoints.cli.scoring_files import TABLE_SUFFIXES, guard_output, read_table, write_file, write_table

TreesOpt = Annotated[int, typer.Option("--n-estimators", help="Most trees (early stopping may use fewer).")]
RateOpt = Annotated[float, typer.Option("--learning-rate", help="Shrinkage per tree.")]
LeavesOpt = Annotated[int, typer.Option("--num-leaves", help="Leaves per tree.")]
CalibrationOpt = Annotated[str, typer.Option("--calibration", help="PD calibration: sigmoid (Platt) or isotonic.")]
ModelIdOpt = Annotated[str | None, typer.Option("--model-id", help="Model id a policy names (default: gbm).")]
AnyModelOpt = Annotated[Path, typer.Option("--model", help="Model file of `gbm fit` or `scorecard fit`.")]


def fit(
    data: DataOpt,
    target: TargetOpt,
    out_path: ModelOutOpt,
    exclude: ExcludeOpt = None,
    protected: ProtectedOpt = None,
    categorical: CategoricalOpt = None,
    event: EventOpt = None,
    test_fraction: TestFractionOpt = None,
    seed: SeedOpt = 0,
    n_estimators: TreesOpt = 400,
    learning_rate: RateOpt = 0.05,
    num_leaves: LeavesOpt = 15,
    calibration: CalibrationOpt = "sigmoid",
    model_id: ModelIdOpt = None,
    model_version: ModelVersionOpt = None,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Fit a gradient-boosting PD model (LightGBM, monotone constraints) and write it as a JSON model file.

    A stratified --test-fraction of the rows (default 0.3; 0: none) is held out and its AUC / KS recorded in the
    file. Protected attributes are excluded (detected by name unless named with --protected)."""
    from creditloop.scoring import GBMScorer
    from creditloop.scoring.gbm_artifact import save_gbm

    cli = _cli()
    guard_output(out_path, "--out", force=force, inputs=[data], suffixes=(".json",))
    _check_options(test_fraction, n_estimators, learning_rate, num_leaves, calibration)
    frame = read_table(data, "--data")
    _target(frame, target)
    for col in [*(exclude or []), *(categorical or [])]:
        if col not in frame.columns:
            cli.fail(f"column {col!r} (--exclude / --categorical) is not in the data", cli.EXIT_USAGE)
    options = {target: "--target", "X": "--data", "calibration": "--calibration"}
    train, test, holdout, y_all = _split(frame, target, event, test_fraction, seed, options)
    model = GBMScorer(
        n_estimators=n_estimators,
        learning_rate=learning_rate,
        num_leaves=num_leaves,
        categorical=list(categorical or []),
        exclude=list(exclude or []),
        protected=list(protected) if protected else "auto",
        calibration=calibration,
        random_state=seed,
    )
    _run(lambda: model.fit(train.drop(columns=[target]), train[target], target_name=target, event=event), options)
    test_metrics = _test_metrics(model, test, target, event, options)
    model.training_["holdout"] = {**holdout, "test_metrics": test_metrics}
    meta: dict[str, Any] = {"source": data.name, "model_id": model_id or "gbm"}
    write_file(out_path, lambda tmp: save_gbm(model, tmp, model_version=model_version, metadata=meta))
    _print_fit(model, out_path, test_metrics, as_json, len(y_all))


def _check_options(
    test_fraction: float | None, n_estimators: int, learning_rate: float, num_leaves: int, calibration: str
) -> None:
    cli = _cli()
    if test_fraction is not None and not 0 <= test_fraction < 1:  # NaN fails this too
        cli.fail(f"--test-fraction must be 0 (no test part) or between 0 and 1, got {test_fraction}", cli.EXIT_USAGE)
    if n_estimators < 1:
        cli.fail(f"--n-estimators must be at least 1, got {n_estimators}", cli.EXIT_USAGE)
    if not 0 < learning_rate <= 1:
        cli.fail(f"--learning-rate must be above 0 and at most 1, got {learning_rate}", cli.EXIT_USAGE)
    if num_leaves < 2:
        cli.fail(f"--num-leaves must be at least 2, got {num_leaves}", cli.EXIT_USAGE)
    if calibration not in ("sigmoid", "isotonic"):
        cli.fail(f"--calibration must be sigmoid or isotonic, got {calibration!r}", cli.EXIT_USAGE)


def _split(
    frame: Any, target: str, event: str | None, test_fraction: float | None, seed: int, options: dict[str, str]
) -> tuple[Any, Any, dict[str, Any], Any]:
    """(train rows, test rows or None, how they were chosen, the target of every row)."""
    from creditloop.scoring import binary_target
    from creditloop.scoring.holdout import stratified_split

    y_all = _run(lambda: binary_target(frame[target], target, event), options)
    fraction = DEFAULT_TEST_FRACTION if test_fraction is None else test_fraction
    if fraction == 0:
        return frame, None, {"method": "none", "fraction": 0.0, "rows": 0}, y_all
    train_rows, test_rows = _run(lambda: stratified_split(y_all, fraction, seed), options)
    holdout = {"method": "stratified", "fraction": fraction, "seed": seed, "rows": len(test_rows)}
    return frame.iloc[train_rows], frame.iloc[test_rows], holdout, y_all


def _test_metrics(
    model: Any, test: Any, target: str, event: str | None, options: dict[str, str]
) -> dict[str, Any] | None:
    from creditloop.scoring import binary_target, ks_statistic, roc_auc

    if test is None or not len(test):
        return None
    y = _run(lambda: binary_target(test[target], target, event), options)
    p = _run(lambda: model.predict_pd(test.drop(columns=[target])), options)
    both = 0 < y.sum() < len(y)
    return {"auc": roc_auc(y, p) if both else None, "ks": ks_statistic(y, p) if both else None, "rows": len(test)}


def _print_fit(model: Any, out_path: Path, test: dict[str, Any] | None, as_json: bool, n_rows: int) -> None:
    training = model.training_
    result = {
        "model": str(out_path),
        "features": list(model.features_),
        "excluded": model.excluded_,
        "trees": training["n_trees"],
        "rows": n_rows,
        "calibration_metrics": training["metrics"],
        "test": test,
    }
    if as_json:
        _cli().echo_json(result)
        return
    for col, why in model.excluded_.items():
        typer.echo(f"excluded {col}: {why}")
    cal = training["metrics"]
    typer.echo(f"gbm → {out_path}: {len(model.features_)} features, {training['n_trees']} trees")
    typer.echo(f"calibration rows: auc={cal['calibration_auc']:.4f} ks={cal['calibration_ks']:.4f}")
    if test is None:
        typer.echo("test: none (--test-fraction 0)")
    else:
        auc, ks = test["auc"], test["ks"]
        shown = f"auc={auc:.4f} ks={ks:.4f}" if auc is not None else "one class only: no auc / ks"
        typer.echo(f"test ({test['rows']} rows): {shown}")


def score(
    model_path: AnyModelOpt,
    data: Annotated[Path, typer.Option("--data", help="Applications to score (.csv or .parquet).")],
    out_path: Annotated[Path, typer.Option("--out", help="Scored file (.csv or .parquet).")],
    n_reasons: ReasonsOpt = None,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Score every row with the decision-time runtime: PD, score, reason codes (zh / en) and data issues.

    The output carries no input column (personal data is never copied): ``row`` is the 0-based position in
    --data."""
    from creditloop.core.errors import ValidationError
    from creditloop.scoring.runtime import load_model

    cli = _cli()
    guard_output(out_path, "--out", force=force, inputs=[data, model_path], suffixes=TABLE_SUFFIXES)
    if n_reasons is not None and n_reasons < 0:
        cli.fail(f"--reasons must be 0 or more, got {n_reasons}", cli.EXIT_USAGE)
    try:
        model = load_model(model_path)
    except ValidationError as exc:
        cli.fail(f"--model: {model_path}: {exc.message}", cli.EXIT_USAGE)
    if n_reasons is not None:
        model.n_reasons = n_reasons  # type: ignore[attr-defined]  # both runtimes have it
    frame = read_table(data, "--data")
    rows = [dict(zip(frame.columns, v, strict=True)) for v in frame.itertuples(index=False, name=None)]
    batch = getattr(model, "score_many", None)
    scores = _run(lambda: batch(rows) if batch else [model.score_one(r) for r in rows], {"X": "--data"})
    write_table(_table(scores), out_path)
    flagged = sum(1 for s in scores if s.issues)
    done = {
        "out": str(out_path),
        "rows": len(scores),
        "rows_with_issues": flagged,
        "model_version": model.model_version,
    }
    cli.emit(as_json, done, f"Scored {len(scores)} rows into {out_path} ({flagged} with data issues)")


def _table(scores: list[Any]) -> Any:
    import pandas as pd

    width = max((len(s.reasons) for s in scores), default=0)
    records = []
    for i, s in enumerate(scores):
        rec: dict[str, Any] = {"row": i, "pd": s.pd, "score": s.score}
        for k in range(width):
            has = k < len(s.reasons)
            rec[f"reason_{k + 1}"] = s.reasons[k] if has else None
            rec[f"reason_{k + 1}_en"] = s.reason_texts[k][1] if has else None
            rec[f"reason_{k + 1}_zh"] = s.reason_texts[k][0] if has else None
        rec["issues"] = "; ".join(s.issues)
        records.append(rec)
    return pd.DataFrame.from_records(records, columns=None if records else ["row", "pd", "score", "issues"])


def register(app: typer.Typer) -> None:
    """Add the ``gbm`` command group to ``app``."""
    group = typer.Typer(
        help="Gradient-boosting PD model: fit and save a JSON model file, score with the decision runtime.",
        no_args_is_help=True,
    )
    group.command("fit")(fit)
    group.command("score")(score)
    app.add_typer(group, name="gbm")
