"""``creditloop scorecard fit | score | report``: parse, call :mod:`creditloop.scoring`, render.

Reads and writes CSV or Parquet (by file suffix) through :mod:`creditloop.entrypoints.cli.scoring_files`
(every ``--out`` guarded: no ledger, no input, no existing file without ``--force``; atomic writes). Library
warnings (protected or identifier columns excluded, bad values scored as missing...) are printed to stderr as
``warning:`` lines.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from creditloop.entrypoints.cli.scoring_files import TABLE_SUFFIXES, guard_output, read_table, write_file, write_table

T = TypeVar("T")
MAX_BOOTSTRAP = 100_000  # resamples: beyond this a report takes hours and the intervals no longer move
DEFAULT_TEST_FRACTION = 0.3  # held out of training when there is no time column
# A report on data of which at least this share trained the model says its metrics are optimistic.
TRAINING_SHARE_WARNING = 0.1
CHAMPION_TABLE = "Champion / challenger / 冠军挑战者对比"
# Library field names → the option they come from, so an error from the library names the option.
FIT_OPTIONS = {
    "pdo": "--pdo",
    "base_odds": "--base-odds",
    "base_score": "--base-score",
    "max_bins": "--max-bins",
    "min_bin_share": "--min-bin-share",
    "point_mass_share": "--point-mass-share",
    "allow_columns": "--allow-column",
    "exclude": "--exclude",
    "X": "--data",
}


def _cli() -> Any:
    from creditloop.entrypoints.cli import _common

    return _common


@contextmanager
def _shown_warnings() -> Iterator[None]:
    cli = _cli()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    seen = set()
    for w in caught:
        text = str(w.message)
        if text not in seen and issubclass(w.category, UserWarning):
            seen.add(text)
            cli.err.print(f"warning: {text}", markup=False, highlight=False)


def _run(fn: Callable[[], T], options: dict[str, str] | None = None, step: str = "working") -> T:
    """Library code with its warnings shown and a spinner on stderr while it runs (stdout stays JSON-clean)."""
    cli = _cli()
    with _shown_warnings(), cli.progress_step(f"scorecard: {step}"):
        result: T = cli.guarded(fn, options)
    return result


def _finite(value: float, option: str, *, positive: bool = False) -> None:
    """NaN and infinities pass every ``<`` test in the wrong direction: check the good range explicitly."""
    ok = 0 < value < math.inf if positive else math.isfinite(value)
    if not ok:
        cli = _cli()
        rule = "a positive finite number" if positive else "a finite number"
        cli.fail(f"{option} must be {rule}, got {value}", cli.EXIT_USAGE)


def _load_model(path: Path, option: str = "--model") -> Any:
    from creditloop.core.errors import ValidationError
    from creditloop.scoring import load_scorecard

    cli = _cli()
    if not path.is_file():
        cli.fail(
            f"{option}: {path} does not exist" if not path.exists() else f"{option}: {path} is not a file",
            cli.EXIT_USAGE,
        )
    try:
        with _shown_warnings():
            return load_scorecard(path)
    except ValidationError as exc:  # name the option and the file: report may load several models
        cli.fail(f"{option}: {path}: {exc.message}", cli.EXIT_USAGE)


def _score(model: Any, frame: Any, path: Path, option: str) -> Any:
    """Score, PD (no reasons) of every row; a column the model needs but the data lacks names the model file."""
    from creditloop.core.errors import ValidationError

    cli = _cli()
    try:
        with _shown_warnings():
            return model.score_frame(frame, 0)
    except ValidationError as exc:
        cli.fail(f"{option} {path}: {exc.message}", cli.EXIT_USAGE)


def _target(frame: Any, target: str, option: str = "--target") -> None:
    cli = _cli()
    if target not in frame.columns:
        cli.fail(f"{option}: column {target!r} is not in the data", cli.EXIT_USAGE)


def _attribute_penalty(text: str) -> float | str | None:
    """``--attribute-penalty``: ``cv``, ``none`` or a positive number."""
    word = text.strip().lower()
    if word in ("cv", "none"):
        return None if word == "none" else "cv"
    try:
        value = float(word)
    except ValueError:
        value = math.nan
    if not 0 < value < math.inf:
        cli = _cli()
        cli.fail(f"--attribute-penalty: {text!r} is not cv, none or a positive number", cli.EXIT_USAGE)
    return value


# ----------------------------------------------------------------------------- options

DataOpt = Annotated[Path, typer.Option("--data", help="Training data (.csv or .parquet).")]
TargetOpt = Annotated[str, typer.Option("--target", help="Binary target column (1 / bad = event).")]
ModelOutOpt = Annotated[Path, typer.Option("--out", help="Model file to write (.json).")]
TimeColOpt = Annotated[
    str | None, typer.Option("--time-col", help="Period column: records the window; latest periods = OOT test.")
]
ExcludeOpt = Annotated[list[str] | None, typer.Option("--exclude", help="Column to leave out (repeatable).")]
ProtectedOpt = Annotated[
    list[str] | None,
    typer.Option("--protected", help="Protected attribute to exclude (repeatable); default: detect by name."),
]
AllowColumnOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-column",
        help="Keep a column excluded as an identifier by its name or cardinality (repeatable); "
        "never one whose values look like personal data.",
    ),
]
CategoricalOpt = Annotated[
    list[str] | None, typer.Option("--categorical", help="Treat this column as categorical (repeatable).")
]
EventOpt = Annotated[str | None, typer.Option("--event", help="Target value meaning bad (if not 1/bad).")]
OotFractionOpt = Annotated[
    float, typer.Option("--oot-fraction", help="With --time-col: share of rows held out as OOT.")
]
TestFractionOpt = Annotated[
    float | None,
    typer.Option(
        "--test-fraction",
        help=f"Without --time-col: share of rows held out as a stratified test part (default {DEFAULT_TEST_FRACTION}; "
        "0: none, every row trains the model).",
    ),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of the stratified test draw.")]
PdoOpt = Annotated[float, typer.Option("--pdo", help="Points to double the odds.")]
BaseScoreOpt = Annotated[float, typer.Option("--base-score", help="Score at the base odds.")]
BaseOddsOpt = Annotated[float, typer.Option("--base-odds", help="Base odds good:bad.")]
MaxBinsOpt = Annotated[int | None, typer.Option("--max-bins", help="Cap on bins per characteristic.")]
MinBinShareOpt = Annotated[float, typer.Option("--min-bin-share", help="Smallest bin share.")]
CvOpt = Annotated[
    int, typer.Option("--cv", help="Folds that choose unordered bins for codes (0: monotone shapes only).")
]
OrdinalLevelsOpt = Annotated[
    int, typer.Option("--ordinal-levels", help="Numeric columns with at most this many values are codes.")
]
PointMassOpt = Annotated[
    float | None, typer.Option("--point-mass-share", help="A value this common may get its own bin (default: off).")
]
SignRuleOpt = Annotated[
    str,
    typer.Option(
        "--sign-rule",
        help="drop: drop characteristics with a reversed coefficient; constrain: fit with coefficients ≤ 0.",
    ),
]
AttributePenaltyOpt = Annotated[
    str,
    typer.Option(
        "--attribute-penalty",
        help="Per-attribute points: cv (choose by held-out folds), none (plain WoE scorecard) or a penalty.",
    ),
]
ModelVersionOpt = Annotated[str | None, typer.Option("--model-version", help="Version label.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
ModelOpt = Annotated[Path, typer.Option("--model", help="Model file written by `scorecard fit`.")]
KeepOpt = Annotated[
    list[str] | None,
    typer.Option("--keep", help="Input column to carry into the output, e.g. a key (repeatable; default: none)."),
]
ReasonsOpt = Annotated[int | None, typer.Option("--reasons", help="Reason codes per row.")]
BaselineOpt = Annotated[Path | None, typer.Option("--baseline", help="Development data: adds score PSI and CSI.")]
ChallengerOpt = Annotated[
    list[Path] | None,
    typer.Option("--challenger", help="Challenger model file to compare with --model (repeatable)."),
]


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
    from creditloop.scoring import binary_target, render_validation_report

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


def register(app: typer.Typer) -> None:
    """Add the ``scorecard`` command group to ``app``."""
    group = typer.Typer(
        help="Scorecards: fit on labelled data, score new data, validate and monitor.", no_args_is_help=True
    )
    group.command("fit")(fit)
    group.command("score")(score)
    group.command("report")(report)
    app.add_typer(group, name="scorecard")


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
