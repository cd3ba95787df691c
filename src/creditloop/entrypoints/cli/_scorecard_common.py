"""What the ``scorecard`` commands share: options, library calls with warnings shown, model loading."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

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
