"""``creditloop scorecard fit | score | report``: parse, call :mod:`creditloop.scoring`, render.

Reads and writes CSV or Parquet (by file suffix) through :mod:`creditloop.entrypoints.cli.scoring_files`
(every ``--out`` guarded: no ledger, no input, no existing file without ``--force``; atomic writes). Library
warnings (protected or identifier columns excluded, bad values scored as missing...) are printed to stderr as
``warning:`` lines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer

from creditloop.entrypoints.cli._scorecard_common import (
    DEFAULT_TEST_FRACTION,
    FIT_OPTIONS,
    AllowColumnOpt,
    AttributePenaltyOpt,
    BaseOddsOpt,
    BaseScoreOpt,
    CategoricalOpt,
    CvOpt,
    DataOpt,
    EventOpt,
    ExcludeOpt,
    ForceOpt,
    JsonOpt,
    KeepOpt,
    MaxBinsOpt,
    MinBinShareOpt,
    ModelOpt,
    ModelOutOpt,
    ModelVersionOpt,
    OotFractionOpt,
    OrdinalLevelsOpt,
    PdoOpt,
    PointMassOpt,
    ProtectedOpt,
    ReasonsOpt,
    SeedOpt,
    SignRuleOpt,
    TargetOpt,
    TestFractionOpt,
    TimeColOpt,
    _attribute_penalty,
    _cli,
    _finite,
    _load_model,
    _run,
    _target,
)
from creditloop.entrypoints.cli.scorecard_report_cli import report
from creditloop.entrypoints.cli.scoring_files import TABLE_SUFFIXES, guard_output, read_table, write_file, write_table

# ----------------------------------------------------------------------------- fit


@dataclass
class _Split:
    """The rows a model is fitted on, the held-out test rows (None: no test part) and how they were chosen."""

    train: Any
    test: Any
    holdout: dict[str, Any]
    y_all: Any  # the binary target of every row of --data


def fit(
    data: DataOpt,
    target: TargetOpt,
    out_path: ModelOutOpt,
    time_col: TimeColOpt = None,
    exclude: ExcludeOpt = None,
    protected: ProtectedOpt = None,
    allow_column: AllowColumnOpt = None,
    categorical: CategoricalOpt = None,
    event: EventOpt = None,
    oot_fraction: OotFractionOpt = 0.3,
    test_fraction: TestFractionOpt = None,
    seed: SeedOpt = 0,
    pdo: PdoOpt = 20.0,
    base_score: BaseScoreOpt = 600.0,
    base_odds: BaseOddsOpt = 50.0,
    max_bins: MaxBinsOpt = None,
    min_bin_share: MinBinShareOpt = 0.05,
    cv: CvOpt = 3,
    ordinal_levels: OrdinalLevelsOpt = 12,
    point_mass_share: PointMassOpt = None,
    sign_rule: SignRuleOpt = "drop",
    attribute_penalty: AttributePenaltyOpt = "cv",
    model_version: ModelVersionOpt = None,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Fit a scorecard and write it as a versioned JSON model file.

    A test part is held out of training and every metric is labelled train or test: the latest periods with
    --time-col, otherwise a stratified --test-fraction of the rows (--test-fraction 0: none). Identifier-like
    columns (ID, name, phone, e-mail, account numbers; near-unique keys) and protected attributes are excluded
    and listed (names and rules only, never values)."""
    from creditloop.scoring import Scorecard, save_scorecard

    guard_output(out_path, "--out", force=force, inputs=[data], suffixes=(".json",))
    _check_scaling(pdo, base_odds, base_score)
    _check_split_options(time_col, oot_fraction, test_fraction)
    _check_binning(max_bins, min_bin_share, sign_rule, cv)
    penalty = _attribute_penalty(attribute_penalty)
    _check_codes(ordinal_levels, point_mass_share)
    frame = read_table(data, "--data")
    named = {"--exclude": exclude, "--allow-column": allow_column, "--categorical": categorical}
    _check_columns(frame, target, time_col, named)
    options = {**FIT_OPTIONS, target: "--target", **({time_col: "--time-col"} if time_col else {})}
    drop = [target] + ([time_col] if time_col else [])
    split = _split(frame, target, event, time_col, oot_fraction, test_fraction, seed, options)
    binning = {"categorical": categorical, "max_bins": max_bins, "min_bin_share": min_bin_share, "cv": cv or None}
    binning |= {"ordinal_levels": ordinal_levels, "point_mass_share": point_mass_share}
    model = Scorecard(
        binning_params=binning,
        exclude=list(exclude or []),
        protected=list(protected) if protected else "auto",
        allow_columns=list(allow_column or []),
        pdo=pdo,
        base_score=base_score,
        base_odds=base_odds,
        sign_rule=sign_rule,
        attribute_penalty=penalty,
    )
    meta = {"source": data.name, "time_col": time_col, "sign_rule": sign_rule, "attribute_penalty": penalty}
    meta |= {"cv": cv or None, "ordinal_levels": ordinal_levels, "point_mass_share": point_mass_share}
    train = split.train
    time = train[time_col] if time_col else None
    fitting = partial(model.fit, target_name=target, event=event, time=time, metadata=meta)
    _run(lambda: fitting(train.drop(columns=drop), train[target]), options, step="fitting")
    metrics = _fit_metrics(model, split, target, event, time_col, options)
    _record_holdout(model, split, frame.drop(columns=drop), metrics["test"])
    write_file(out_path, lambda tmp: save_scorecard(model, tmp, model_version=model_version))
    _print_fit(model, out_path, metrics, split.holdout, as_json)


def _check_scaling(pdo: float, base_odds: float, base_score: float) -> None:
    _finite(pdo, "--pdo", positive=True)
    _finite(base_odds, "--base-odds", positive=True)
    _finite(base_score, "--base-score")


def _check_split_options(time_col: str | None, oot_fraction: float, test_fraction: float | None) -> None:
    cli = _cli()
    if not 0 < oot_fraction < 1:  # NaN fails this too
        cli.fail(f"--oot-fraction must be between 0 and 1 (exclusive), got {oot_fraction}", cli.EXIT_USAGE)
    if test_fraction is None:
        return
    if time_col is not None:
        cli.fail(
            "--test-fraction: with --time-col the test part is the latest periods; set its share with --oot-fraction",
            cli.EXIT_USAGE,
        )
    if not 0 <= test_fraction < 1:  # NaN fails this too
        cli.fail(f"--test-fraction must be 0 (no test part) or between 0 and 1, got {test_fraction}", cli.EXIT_USAGE)


def _check_binning(max_bins: int | None, min_bin_share: float, sign_rule: str, cv: int) -> None:
    from creditloop.scoring.scorecard import SIGN_RULES

    cli = _cli()
    if max_bins is not None and max_bins < 2:
        cli.fail(f"--max-bins must be at least 2, got {max_bins}", cli.EXIT_USAGE)
    if not 0 <= min_bin_share < 0.5:
        cli.fail(f"--min-bin-share must be at least 0 and below 0.5, got {min_bin_share}", cli.EXIT_USAGE)
    if sign_rule not in SIGN_RULES:
        cli.fail(f"--sign-rule: {sign_rule!r} is not one of {', '.join(SIGN_RULES)}", cli.EXIT_USAGE)
    if cv == 1 or cv < 0:
        cli.fail(f"--cv must be 0 (off) or at least 2, got {cv}", cli.EXIT_USAGE)


def _check_codes(ordinal_levels: int, point_mass_share: float | None) -> None:
    cli = _cli()
    if ordinal_levels < 2:
        cli.fail(f"--ordinal-levels must be at least 2, got {ordinal_levels}", cli.EXIT_USAGE)
    if point_mass_share is not None and not 0 < point_mass_share <= 0.5:
        cli.fail(f"--point-mass-share must be above 0 and at most 0.5, got {point_mass_share}", cli.EXIT_USAGE)


def _check_columns(frame: Any, target: str, time_col: str | None, named: dict[str, list[str] | None]) -> None:
    cli = _cli()
    _target(frame, target)
    if time_col is not None:
        _target(frame, time_col, "--time-col")
    for option, cols in named.items():
        for col in cols or []:
            if col not in frame.columns:
                cli.fail(f"{option}: column {col!r} is not in the data", cli.EXIT_USAGE)


def _split(
    frame: Any,
    target: str,
    event: str | None,
    time_col: str | None,
    oot_fraction: float,
    test_fraction: float | None,
    seed: int,
    options: dict[str, str],
) -> _Split:
    """Out-of-time with --time-col; otherwise stratified by target (``DEFAULT_TEST_FRACTION`` unless told)."""
    from creditloop.scoring import binary_target, out_of_time_split
    from creditloop.scoring.holdout import stratified_split

    y_all = _run(lambda: binary_target(frame[target], target, event), options)
    if time_col is not None:
        train, test = _run(lambda: out_of_time_split(frame, time_col, oot_fraction), options)
        return _Split(train, test, {"method": "out_of_time", "fraction": oot_fraction, "rows": len(test)}, y_all)
    fraction = DEFAULT_TEST_FRACTION if test_fraction is None else test_fraction
    if fraction == 0:
        return _Split(frame, None, {"method": "none", "fraction": 0.0, "rows": 0}, y_all)
    train_rows, test_rows = _run(lambda: stratified_split(y_all, fraction, seed), options)
    holdout = {"method": "stratified", "fraction": fraction, "seed": seed, "rows": len(test_rows)}
    return _Split(frame.iloc[train_rows], frame.iloc[test_rows], holdout, y_all)


def _fit_metrics(
    model: Any, split: _Split, target: str, event: str | None, time_col: str | None, options: dict[str, str]
) -> dict[str, Any]:
    """AUC and KS on the training rows and, when there is one, on the test part (None if it has one class)."""
    from creditloop.scoring import binary_target, roc_auc
    from creditloop.scoring.metrics import ks_statistic

    train_metrics = dict(model.training_["metrics"])
    metrics: dict[str, Any] = {"train": {**train_metrics, "rows": len(split.train)}, "test": None}
    test = split.test
    if test is None or not len(test):
        return metrics
    y_test = _run(lambda: binary_target(test[target], target, event), options)
    drop = [target] + ([time_col] if time_col else [])
    p_test = _run(lambda: model.predict_pd(test.drop(columns=drop)), options)
    both = 0 < y_test.sum() < len(y_test)
    metrics["test"] = {
        "auc": roc_auc(y_test, p_test) if both else None,
        "ks": ks_statistic(y_test, p_test) if both else None,
        "rows": len(test),
    }
    if time_col is not None:
        metrics["test"]["window"] = {"start": str(test[time_col].min()), "end": str(test[time_col].max())}
    return metrics


def _record_holdout(model: Any, split: _Split, features: Any, test_metrics: dict[str, Any] | None) -> None:
    """Into the model file: how the test part was chosen, its metrics, and the fingerprint of all of --data (so
    a report on the very file the model was fitted from is recognised whatever its size)."""
    from creditloop.scoring.holdout import rows_fingerprint

    model.training_["holdout"] = {**split.holdout, "test_metrics": test_metrics}
    rows = model.training_.get("rows")
    if rows is not None and split.test is not None:
        whole = rows_fingerprint(features[rows["columns"]], split.y_all)
        if whole is not None:
            rows["source"] = {"n_rows": whole["n_rows"], "sum": whole["sum"]}


def _holdout_text(holdout: dict[str, Any], test: dict[str, Any] | None) -> str:
    method = holdout["method"]
    if method == "none":
        return "test: none (--test-fraction 0: every row trained the model; the train metrics are optimistic)"
    how = (
        f"out-of-time, latest periods, {test['window']['start']}..{test['window']['end']}"
        if method == "out_of_time" and test
        else f"stratified {holdout['fraction']:.0%} of the rows, seed {holdout.get('seed')}"
    )
    return f"test ({how}): {_metrics_text(test)}"


def _metrics_text(metrics: dict[str, Any] | None) -> str:
    if not metrics:
        return "no rows"
    parts = []
    for key in ("auc", "ks", "rows"):
        value = metrics.get(key)
        parts.append(
            f"{key}={value:.4f}" if isinstance(value, float) else f"{key}={value if value is not None else 'n/a'}"
        )
    return " ".join(parts)


def _print_fit(model: Any, out_path: Path, metrics: dict[str, Any], holdout: dict[str, Any], as_json: bool) -> None:
    if as_json:
        result = {
            "model": str(out_path),
            "characteristics": model.features_,
            "excluded": model.excluded_,
            "metrics": metrics,
            "holdout": holdout,
            "rows": metrics["train"]["rows"],
        }
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
        return
    from rich.table import Table

    table = Table(title=f"scorecard → {out_path}")
    for name in ("variable", "reason", "IV", "bins", "points"):
        table.add_column(name)
    for _, row in model.summary.iterrows():
        points = f"{row['min_points']:.0f}..{row['max_points']:.0f}"
        table.add_row(row["variable"], row["reason_code"], f"{row['iv']:.3f}", str(row["n_bins"]), points)
    _cli().out.print(table)
    for col, why in model.excluded_.items():
        typer.echo(f"excluded {col}: {why}")
    typer.echo(f"train: {_metrics_text(metrics['train'])}")
    typer.echo(_holdout_text(holdout, metrics["test"]))


# ----------------------------------------------------------------------------- score


def score(
    model_path: ModelOpt,
    data: Annotated[Path, typer.Option("--data", help="Data to score (.csv or .parquet).")],
    out_path: Annotated[Path, typer.Option("--out", help="Scored file (.csv or .parquet).")],
    keep: KeepOpt = None,
    n_reasons: ReasonsOpt = None,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Score every row: score, PD, reason codes (en / zh) and data issues. Bad values are scored as missing.

    The output carries no input column unless named with --keep (personal data is never copied by
    default); without --keep it starts with ``row``, the row's 0-based position in --data."""
    from creditloop.scoring import identifier_columns

    cli = _cli()
    guard_output(out_path, "--out", force=force, inputs=[data, model_path], suffixes=TABLE_SUFFIXES)
    if n_reasons is not None and n_reasons < 0:
        cli.fail(f"--reasons must be 0 or more, got {n_reasons}", cli.EXIT_USAGE)
    model = _load_model(model_path)
    frame = read_table(data, "--data")
    keep = list(dict.fromkeys(keep or []))
    for col in keep:
        if col not in frame.columns:
            cli.fail(f"--keep: column {col!r} is not in the data", cli.EXIT_USAGE)
    scored = _run(lambda: model.score_frame(frame, n_reasons)).reset_index(drop=True)
    if keep:
        for ident in identifier_columns(frame, keep):  # asked for explicitly: allowed, but said aloud
            cli.err.print(
                f"warning: --keep {ident.column}: {ident.reason}; it is copied into {out_path}",
                markup=False,
                highlight=False,
            )
        result = frame[keep].reset_index(drop=True).join(scored, rsuffix="_scored")
    else:
        result = scored
        result.insert(0, "row", range(len(scored)))
    write_table(result, out_path)
    flagged = int((scored["issues"] != "").sum())
    done = {"out": str(out_path), "rows": len(result), "rows_with_issues": flagged}
    _cli().emit(as_json, done, f"Scored {len(result)} rows into {out_path} ({flagged} with data issues)")


def register(app: typer.Typer) -> None:
    """Add the ``scorecard`` command group to ``app``."""
    group = typer.Typer(
        help="Scorecards: fit on labelled data, score new data, validate and monitor.", no_args_is_help=True
    )
    group.command("fit")(fit)
    group.command("score")(score)
    group.command("report")(report)
    app.add_typer(group, name="scorecard")
