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
from functools import partial
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from creditloop.entrypoints.cli.scoring_files import TABLE_SUFFIXES, guard_output, read_table, write_file, write_table

T = TypeVar("T")
MAX_BOOTSTRAP = 100_000  # resamples: beyond this a report takes hours and the intervals no longer move
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
    from creditloop.entrypoints.cli import main

    return main


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


def _run(fn: Callable[[], T], options: dict[str, str] | None = None) -> T:
    cli = _cli()
    with _shown_warnings():
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


def register(app: typer.Typer) -> None:
    """Add the ``scorecard`` command group to ``app``."""
    group = typer.Typer(
        help="Scorecards: fit on labelled data, score new data, validate and monitor.", no_args_is_help=True
    )

    @group.command("fit")
    def fit(
        data: Annotated[Path, typer.Option("--data", help="Training data (.csv or .parquet).")],
        target: Annotated[str, typer.Option("--target", help="Binary target column (1 / bad = event).")],
        out_path: Annotated[Path, typer.Option("--out", help="Model file to write (.json).")],
        time_col: Annotated[
            str | None, typer.Option("--time-col", help="Period column: records the window; latest periods = OOT test.")
        ] = None,
        exclude: Annotated[
            list[str] | None, typer.Option("--exclude", help="Column to leave out (repeatable).")
        ] = None,
        protected: Annotated[
            list[str] | None,
            typer.Option("--protected", help="Protected attribute to exclude (repeatable); default: detect by name."),
        ] = None,
        allow_column: Annotated[
            list[str] | None,
            typer.Option(
                "--allow-column",
                help="Keep a column excluded as an identifier by its name or cardinality (repeatable); "
                "never one whose values look like personal data.",
            ),
        ] = None,
        categorical: Annotated[
            list[str] | None, typer.Option("--categorical", help="Treat this column as categorical (repeatable).")
        ] = None,
        event: Annotated[str | None, typer.Option("--event", help="Target value meaning bad (if not 1/bad).")] = None,
        oot_fraction: Annotated[float, typer.Option("--oot-fraction", help="Share of rows held out as OOT.")] = 0.3,
        pdo: Annotated[float, typer.Option("--pdo", help="Points to double the odds.")] = 20.0,
        base_score: Annotated[float, typer.Option("--base-score", help="Score at the base odds.")] = 600.0,
        base_odds: Annotated[float, typer.Option("--base-odds", help="Base odds good:bad.")] = 50.0,
        max_bins: Annotated[int | None, typer.Option("--max-bins", help="Cap on bins per characteristic.")] = None,
        min_bin_share: Annotated[float, typer.Option("--min-bin-share", help="Smallest bin share.")] = 0.05,
        cv: Annotated[
            int,
            typer.Option("--cv", help="Folds that choose unordered bins for codes (0: monotone shapes only)."),
        ] = 3,
        ordinal_levels: Annotated[
            int, typer.Option("--ordinal-levels", help="Numeric columns with at most this many values are codes.")
        ] = 12,
        point_mass_share: Annotated[
            float | None,
            typer.Option("--point-mass-share", help="A value this common may get its own bin (default: off)."),
        ] = None,
        sign_rule: Annotated[
            str,
            typer.Option(
                "--sign-rule",
                help="drop: drop characteristics with a reversed coefficient; constrain: fit with coefficients ≤ 0.",
            ),
        ] = "drop",
        attribute_penalty: Annotated[
            str,
            typer.Option(
                "--attribute-penalty",
                help="Per-attribute points: cv (choose by held-out folds), none (plain WoE scorecard) or a penalty.",
            ),
        ] = "cv",
        model_version: Annotated[str | None, typer.Option("--model-version", help="Version label.")] = None,
        force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    ) -> None:
        """Fit a scorecard and write it as a versioned JSON model file.

        Identifier-like columns (ID, name, phone, e-mail, account numbers; near-unique keys) and protected
        attributes are excluded and listed (names and rules only, never values)."""
        from creditloop.scoring import Scorecard, out_of_time_split, roc_auc, save_scorecard
        from creditloop.scoring.metrics import ks_statistic
        from creditloop.scoring.scorecard import SIGN_RULES

        cli = _cli()
        guard_output(out_path, "--out", force=force, inputs=[data], suffixes=(".json",))
        _finite(pdo, "--pdo", positive=True)
        _finite(base_odds, "--base-odds", positive=True)
        _finite(base_score, "--base-score")
        if not 0 < oot_fraction < 1:  # NaN fails this too
            cli.fail(f"--oot-fraction must be between 0 and 1 (exclusive), got {oot_fraction}", cli.EXIT_USAGE)
        if max_bins is not None and max_bins < 2:
            cli.fail(f"--max-bins must be at least 2, got {max_bins}", cli.EXIT_USAGE)
        if not 0 <= min_bin_share < 0.5:
            cli.fail(f"--min-bin-share must be at least 0 and below 0.5, got {min_bin_share}", cli.EXIT_USAGE)
        if sign_rule not in SIGN_RULES:
            cli.fail(f"--sign-rule: {sign_rule!r} is not one of {', '.join(SIGN_RULES)}", cli.EXIT_USAGE)
        if cv == 1 or cv < 0:
            cli.fail(f"--cv must be 0 (off) or at least 2, got {cv}", cli.EXIT_USAGE)
        penalty = _attribute_penalty(attribute_penalty)
        if ordinal_levels < 2:
            cli.fail(f"--ordinal-levels must be at least 2, got {ordinal_levels}", cli.EXIT_USAGE)
        if point_mass_share is not None and not 0 < point_mass_share <= 0.5:
            cli.fail(f"--point-mass-share must be above 0 and at most 0.5, got {point_mass_share}", cli.EXIT_USAGE)
        frame = read_table(data, "--data")
        _target(frame, target)
        if time_col is not None:
            _target(frame, time_col, "--time-col")
        drop = [target] + ([time_col] if time_col else [])
        for option, cols in (("--exclude", exclude), ("--allow-column", allow_column), ("--categorical", categorical)):
            for col in cols or []:
                if col not in frame.columns:
                    cli.fail(f"{option}: column {col!r} is not in the data", cli.EXIT_USAGE)
        options = {**FIT_OPTIONS, target: "--target", **({time_col: "--time-col"} if time_col else {})}
        train, test = frame, None
        if time_col is not None:
            train, test = _run(lambda: out_of_time_split(frame, time_col, oot_fraction), options)
        model = Scorecard(
            binning_params={
                "categorical": categorical,
                "max_bins": max_bins,
                "min_bin_share": min_bin_share,
                "cv": cv or None,
                "ordinal_levels": ordinal_levels,
                "point_mass_share": point_mass_share,
            },
            exclude=list(exclude or []),
            protected=list(protected) if protected else "auto",
            allow_columns=list(allow_column or []),
            pdo=pdo,
            base_score=base_score,
            base_odds=base_odds,
            sign_rule=sign_rule,
            attribute_penalty=penalty,
        )
        meta: dict[str, Any] = {
            "source": data.name,
            "time_col": time_col,
            "sign_rule": sign_rule,
            "attribute_penalty": penalty,
            "cv": cv or None,
            "ordinal_levels": ordinal_levels,
            "point_mass_share": point_mass_share,
        }
        _run(
            lambda: model.fit(
                train.drop(columns=drop),
                train[target],
                target_name=target,
                event=event,
                time=train[time_col] if time_col else None,
                metadata=meta,
            ),
            options,
        )
        metrics: dict[str, Any] = dict(model.training_["metrics"])
        if test is not None and len(test):
            from creditloop.scoring import binary_target

            y_oot = _run(lambda: binary_target(test[target], target, event), options)
            p_oot = _run(lambda: model.predict_pd(test.drop(columns=drop)), options)
            metrics["oot_auc"] = roc_auc(y_oot, p_oot) if 0 < y_oot.sum() < len(y_oot) else None
            metrics["oot_ks"] = ks_statistic(y_oot, p_oot) if 0 < y_oot.sum() < len(y_oot) else None
            metrics["oot_rows"] = len(test)
            metrics["oot_window"] = {"start": str(test[time_col].min()), "end": str(test[time_col].max())}
            model.training_["metrics"] = metrics
        write_file(out_path, lambda tmp: save_scorecard(model, tmp, model_version=model_version))
        result = {
            "model": str(out_path),
            "characteristics": model.features_,
            "excluded": model.excluded_,
            "metrics": metrics,
            "rows": len(train),
        }
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
            return
        from rich.table import Table

        table = Table(title=f"scorecard → {out_path}")
        for name in ("variable", "reason", "IV", "bins", "points"):
            table.add_column(name)
        for _, row in model.summary.iterrows():
            table.add_row(
                row["variable"],
                row["reason_code"],
                f"{row['iv']:.3f}",
                str(row["n_bins"]),
                f"{row['min_points']:.0f}..{row['max_points']:.0f}",
            )
        cli.out.print(table)
        for col, why in model.excluded_.items():
            typer.echo(f"excluded {col}: {why}")
        typer.echo(" ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in metrics.items()))

    @group.command("score")
    def score(
        model_path: Annotated[Path, typer.Option("--model", help="Model file written by `scorecard fit`.")],
        data: Annotated[Path, typer.Option("--data", help="Data to score (.csv or .parquet).")],
        out_path: Annotated[Path, typer.Option("--out", help="Scored file (.csv or .parquet).")],
        keep: Annotated[
            list[str] | None,
            typer.Option(
                "--keep", help="Input column to carry into the output, e.g. a key (repeatable; default: none)."
            ),
        ] = None,
        n_reasons: Annotated[int | None, typer.Option("--reasons", help="Reason codes per row.")] = None,
        force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
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
        typer.echo(f"Scored {len(result)} rows into {out_path} ({flagged} with data issues)")

    @group.command("report")
    def report(
        model_path: Annotated[Path, typer.Option("--model", help="Model file written by `scorecard fit`.")],
        data: Annotated[Path, typer.Option("--data", help="Labelled data to validate on (.csv or .parquet).")],
        target: Annotated[str, typer.Option("--target", help="Binary target column.")],
        out_path: Annotated[Path, typer.Option("--out", help="HTML report to write.")],
        baseline: Annotated[
            Path | None, typer.Option("--baseline", help="Development data: adds score PSI and CSI.")
        ] = None,
        time_col: Annotated[
            str | None, typer.Option("--time-col", help="Period column: performance by period.")
        ] = None,
        event: Annotated[str | None, typer.Option("--event", help="Target value meaning bad.")] = None,
        n_boot: Annotated[int, typer.Option("--bootstrap", help="Bootstrap resamples for intervals.")] = 200,
        challengers: Annotated[
            list[Path] | None,
            typer.Option("--challenger", help="Challenger model file to compare with --model (repeatable)."),
        ] = None,
        force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
    ) -> None:
        """Validate a scorecard on labelled data: AUC/Gini, KS, lift, calibration, stability; an HTML report.

        With --challenger, every model scores the same rows and the report compares them with the --model
        scorecard as champion (AUC difference with a paired bootstrap interval)."""
        from creditloop.adapters.report.validation_report import render_validation_report
        from creditloop.scoring import (
            binary_target,
            compare_models,
            csi,
            performance_decay,
            score_drift,
            validate,
        )

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
        rival_pd = {path: _score(m, frame, path, "--challenger")["pd"] for path, m in rivals.items()}
        names = _model_names([model_path, *rivals])
        result = _run(
            lambda: validate(
                y, scored["pd"], score=scored["score"], name=names[0] if rivals else "current", n_boot=n_boot
            )
        )
        tables: dict[str, Any] = {}
        summary: dict[str, Any] = result.to_dict()
        results = [result]
        comparison = None
        if rivals:
            preds = {names[0]: scored["pd"], **dict(zip(names[1:], rival_pd.values(), strict=True))}
            for name in names[1:]:
                results.append(_run(partial(validate, y, preds[name], name=name, n_boot=n_boot)))
            comparison = _run(lambda: compare_models(preds, y, n_boot=n_boot))
            tables["Champion / challenger / 冠军挑战者对比"] = comparison
            summary["champion_challenger"] = comparison.to_dict("records")
        tables["Points table / 评分卡分值表"] = model.points_table
        if time_col is not None:
            _target(frame, time_col, "--time-col")
            decay = _run(
                lambda: performance_decay(
                    y, scored["pd"], frame[time_col], baseline_auc=model.training_.get("metrics", {}).get("auc")
                )
            )
            tables["Performance by period / 分期表现"] = decay
        if baseline is not None:
            dev = read_table(baseline, "--baseline")
            dev_scores = _run(lambda: model.predict_score(dev))
            drift = score_drift(dev_scores, scored["score"])
            tables["Score drift / 分数漂移"] = _frame([drift])
            tables["Characteristic stability (CSI) / 特征稳定性"] = _run(
                lambda: csi({c.name: c.binning for c in model.characteristics_}, dev, frame)
            )
            summary["score_psi"] = drift["psi"]
        html = render_validation_report(
            results,
            title=f"Scorecard {getattr(model, 'model_version_', '')}",
            tables=tables,
            notes=[f"Data: {data.name}, {len(frame)} rows, event rate {result.event_rate:.2%}."],
        )
        write_file(out_path, lambda tmp: tmp.write_text(html, encoding="utf-8"))
        if as_json:
            typer.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
            return
        typer.echo(result.summary.to_string(index=False))
        if comparison is not None:
            typer.echo(comparison[["model", "role", "auc", "ks", "auc_diff", "verdict"]].to_string(index=False))
            for line in _verdicts(comparison):
                typer.echo(line)
        typer.echo(f"Report: {out_path}")

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
