"""``creditloop ewi score fit | apply`` (issue 14): the behaviour score, P(dpd ≥ --dpd within --horizon-months).

``fit`` reads a panel file (``adapters/files/panel.py``: refused with the column, account, month and rule
before anything is written), computes the behaviour features with the reference evaluator, labels each month
in DuckDB, holds out a seeded share of the ACCOUNTS (all months of one account on one side) and fits a
scorecard whose reason codes are the feature set's. ``apply`` scores each account as of its latest month.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from creditloop.entrypoints.cli._scorecard_common import ForceOpt, JsonOpt, _cli, _load_model, _run

PanelOpt = Annotated[Path, typer.Option("--panel", help="Behaviour panel file (.parquet or .csv).")]
FeatureSetOpt = Annotated[
    Path | None, typer.Option("--feature-set", help="Feature set JSON (default: the packaged behaviour_v1).")
]


def _prepare(panel_path: Path, feature_set: Path | None) -> tuple[Any, Any]:
    """The checked panel and the feature set, or one ``error:`` line naming the option (exit 2)."""
    from creditloop._extras import require_extra

    require_extra("scoring")
    require_extra("sim", "pyarrow", "duckdb")
    from creditloop.adapters.files.panel import read_panel
    from creditloop.core.errors import ValidationError
    from creditloop.monitoring.features import default_feature_set, load_feature_set

    cli = _cli()
    try:
        fs = load_feature_set(feature_set) if feature_set is not None else default_feature_set()
    except ValidationError as exc:
        cli.fail(f"--feature-set: {exc.message}", cli.EXIT_USAGE)
    try:
        panel = read_panel(panel_path)
    except ValidationError as exc:
        cli.fail(f"--panel: {exc.message}", cli.EXIT_USAGE)
    if panel.num_rows == 0:
        cli.fail(f"--panel: {panel_path} has no rows", cli.EXIT_USAGE)
    return panel, fs


def fit(
    panel_path: PanelOpt,
    out_path: Annotated[Path, typer.Option("--out", help="Model file to write (.json).")],
    horizon_months: Annotated[int, typer.Option("--horizon-months", help="Months ahead the event is sought.")] = 3,
    dpd: Annotated[int, typer.Option("--dpd", help="Days past due that make an account bad.")] = 30,
    feature_set: FeatureSetOpt = None,
    test_fraction: Annotated[float, typer.Option("--test-fraction", help="Share of accounts held out.")] = 0.3,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the account split.")] = 0,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Fit the behaviour score on a panel and write it as a scorecard file (model id ``behaviour-score``)."""
    from creditloop.entrypoints.cli.scoring_files import guard_output, write_file

    cli = _cli()
    guard_output(out_path, "--out", force=force, inputs=[panel_path, feature_set], suffixes=(".json",))
    if not 1 <= horizon_months <= 36:
        cli.fail(f"--horizon-months must be 1..36, got {horizon_months}", cli.EXIT_USAGE)
    if dpd < 1:
        cli.fail(f"--dpd must be at least 1, got {dpd}", cli.EXIT_USAGE)
    if not 0 < test_fraction < 1:  # NaN fails this too
        cli.fail(f"--test-fraction must be between 0 and 1 (exclusive), got {test_fraction}", cli.EXIT_USAGE)
    panel, fs = _prepare(panel_path, feature_set)
    result = _fit(panel, fs, out_path, horizon_months, dpd, test_fraction, seed, write_file)
    cli.emit(as_json, result, _fit_text(result))


def _fit(
    panel: Any, fs: Any, out_path: Path, horizon: int, dpd: int, test_fraction: float, seed: int, write: Any
) -> dict[str, Any]:
    from creditloop.entrypoints.cli import _behaviour_score as bs

    cli = _cli()
    frame = _run(lambda: bs.training_frame(panel, fs, horizon_months=horizon, dpd_threshold=dpd), step="features")
    y = frame[bs.TARGET]
    if len(frame) == 0 or y.nunique() < 2:
        cli.fail(
            f"--panel: {len(frame)} labelled rows with {int(y.sum())} bad: a score needs goods and bads "
            f"(a row is labelled when {horizon} later months are in the panel)",
            cli.EXIT_USAGE,
        )
    test = bs.account_split(frame["account_id"], test_fraction, seed)
    x = frame.drop(columns=[*bs.KEYS, bs.TARGET])
    meta = {"horizon_months": horizon, "dpd_threshold": dpd, "split": "accounts", "seed": seed}
    model = _run(lambda: bs.fit_scorecard(x[~test], y[~test], fs, meta), step="fitting")
    train_m = bs.metrics(y[~test].to_numpy(), model.predict_pd(x[~test]))
    test_m = bs.metrics(y[test].to_numpy(), model.predict_pd(x[test]))
    model.training_["holdout"] = {"method": "accounts", "fraction": test_fraction, "seed": seed, "test_metrics": test_m}
    write(out_path, lambda tmp: bs.save_model(model, tmp, fs, meta))
    return {
        "model": str(out_path),
        "model_id": bs.MODEL_ID,
        "feature_set": f"{fs.feature_set_id}@{fs.version}",
        "target": f"dpd >= {dpd} within {horizon} months",
        "characteristics": model.features_,
        "reasons": [ch.reason_code for ch in model.characteristics_],
        "accounts": {
            "train": int(frame["account_id"][~test].nunique()),
            "test": int(frame["account_id"][test].nunique()),
        },
        "train": train_m,
        "test": test_m,
    }


def _fit_text(r: dict[str, Any]) -> str:
    def fmt(m: dict[str, Any]) -> str:
        parts = [f"{k}={m[k]:.4f}" for k in ("auc", "ks", "gini") if m[k] is not None]
        return " ".join([*parts, f"rows={m['rows']}", f"bad_rate={m['bad_rate']:.4f}"])

    return "\n".join(
        [
            f"behaviour score ({r['target']}) → {r['model']}",
            f"characteristics: {', '.join(r['characteristics'])}",
            f"train ({r['accounts']['train']} accounts): {fmt(r['train'])}",
            f"test ({r['accounts']['test']} accounts, none in train): {fmt(r['test'])}",
        ]
    )


def apply(
    panel_path: PanelOpt,
    model_path: Annotated[Path, typer.Option("--model", help="Model file written by `ewi score fit`.")],
    out_path: Annotated[Path, typer.Option("--out", help="Scores to write (.csv or .parquet).")],
    n_reasons: Annotated[int, typer.Option("--reasons", help="Reason codes per account.")] = 3,
    feature_set: FeatureSetOpt = None,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Score every account as of its latest month: score, PD and the top reason codes (zh / en)."""
    from creditloop.entrypoints.cli.scoring_files import TABLE_SUFFIXES, guard_output, write_table

    cli = _cli()
    guard_output(out_path, "--out", force=force, inputs=[panel_path, model_path, feature_set], suffixes=TABLE_SUFFIXES)
    if n_reasons < 0:
        cli.fail(f"--reasons must be 0 or more, got {n_reasons}", cli.EXIT_USAGE)
    model = _load_model(model_path)
    panel, fs = _prepare(panel_path, feature_set)
    wanted = getattr(model, "metadata_", {}).get("feature_set")
    if wanted and wanted != f"{fs.feature_set_id}@{fs.version}":
        cli.fail(f"--model: fitted on feature set {wanted}, not {fs.feature_set_id}@{fs.version}", cli.EXIT_USAGE)
    from creditloop.adapters.files.panel_features import panel_features

    features = _run(lambda: panel_features(panel, fs, latest_only=True).to_pandas(), step="features")
    scored = _run(lambda: model.score_frame(features.drop(columns=["account_id", "month_end_on"]), n_reasons))
    result = features[["account_id", "month_end_on"]].reset_index(drop=True).join(scored.reset_index(drop=True))
    write_table(result, out_path)
    done = {"out": str(out_path), "accounts": len(result), "mean_pd": float(result["pd"].mean())}
    cli.emit(as_json, done, f"Scored {len(result)} accounts into {out_path} (mean PD {done['mean_pd']:.4f})")


def add_commands(app: typer.Typer) -> None:
    """Register ``score fit`` and ``score apply`` on the ``ewi`` app."""
    group = typer.Typer(help="The behaviour score: fit on a monthly panel, apply to accounts.", no_args_is_help=True)
    group.command("fit")(fit)
    group.command("apply")(apply)
    app.add_typer(group, name="score")
