"""Hostile input to ``creditloop scorecard fit | score | report``: one ``error:`` line naming the option, exit
code 2, and nothing written or changed (issue 11, items 1 and 8).

The table runs the Typer app in-process (the CLI's own code path, without a Python start-up per case); the
last tests run a few cases through a real process to show the installed command behaves the same.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from creditloop.entrypoints.cli.main import app


def invoke(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, ["scorecard", *args])
    return res.exit_code, res.stdout, res.stderr


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a hash of its bytes: equal snapshots mean nothing written or changed."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(11)
    n = 900
    util = rng.uniform(0, 1.2, n)
    delinq = rng.poisson(0.6, n)
    bad = (rng.random(n) < 1 / (1 + np.exp(-(-2 + 2.2 * util + 0.6 * delinq)))).astype(int)
    train = pd.DataFrame(
        {"month": np.repeat([f"2024-{m:02d}" for m in range(1, 7)], n // 6), "utilization": util.round(4)}
    ).assign(delinquencies=delinq, bad=bad)
    d = tmp_path_factory.mktemp("bad_input")
    train.to_csv(d / "train.csv", index=False)
    code, _, err = invoke(
        "fit", "--data", str(d / "train.csv"), "--target", "bad", "--exclude", "month",
        "--attribute-penalty", "none", "--out", str(d / "model.json"),
    )  # fmt: skip
    assert code == 0, err
    train.head(0).to_csv(d / "header_only.csv", index=False)
    (d / "empty.csv").write_bytes(b"")
    train.assign(bad=0).to_csv(d / "one_class.csv", index=False)
    train.assign(bad=train["bad"] * 2).to_csv(d / "target_0_2.csv", index=False)
    train.assign(bad=np.where(train["bad"] == 1, "a", "b")).to_csv(d / "target_text.csv", index=False)
    train.assign(bad=train["bad"].where(np.arange(n) % 5 > 0)).to_csv(d / "target_missing.csv", index=False)
    train.drop(columns="month").assign(utilization=np.nan, delinquencies=np.nan).to_csv(d / "all_nan.csv", index=False)
    train.assign(month=train["month"].where(np.arange(n) % 7 > 0)).to_csv(d / "month_missing.csv", index=False)
    header = "utilization,utilization,bad\n"
    (d / "dup.csv").write_text(header + "".join(f"{u},{u},{y}\n" for u, y in zip(util, bad, strict=True)))
    (d / "broken.parquet").write_bytes(b"PAR1 this is not a parquet file")
    (d / "notes.txt").write_text("utilization,bad\n0.5,1\n")
    (d / "folder.csv").mkdir()
    (d / "nested.json").write_text("[" * 50_000 + "]" * 50_000)
    (d / "damaged.json").write_text(json.dumps({"format": "creditloop.scorecard", "format_version": 1, "scaling": []}))
    (d / "existing.json").write_text("keep me\n")
    (d / "existing.csv").write_text("keep me\n")
    (d / "existing.html").write_text("keep me\n")
    with sqlite3.connect(d / "books.csv") as db:  # an SQLite database behind a harmless-looking name
        db.execute("create table t (x)")
    (d / "ledger.sqlite").write_bytes((d / "books.csv").read_bytes())
    (d / "person.csv").write_text(
        "phone,utilization,bad\n"
        + "".join(f"1{3 + k % 6}{k:09d},{u},{y}\n" for k, (u, y) in enumerate(zip(util, bad, strict=True)))
    )
    pd.read_csv(d / "person.csv", dtype=str).drop(columns="utilization").to_csv(d / "only_ids.csv", index=False)
    return d


FIT = ("fit", "--data", "{d}/train.csv", "--target", "bad", "--out", "{d}/out.json")
FIT_T = (*FIT, "--time-col", "month")
SCORE = ("score", "--model", "{d}/model.json", "--data", "{d}/train.csv", "--out", "{d}/out.csv")
REPORT = ("report", "--model", "{d}/model.json", "--data", "{d}/train.csv", "--target", "bad", "--out", "{d}/o.html")


def data(args: tuple[str, ...], name: str) -> tuple[str, ...]:
    """``args`` with ``--data`` replaced by ``{d}/name``."""
    i = args.index("--data")
    return (*args[: i + 1], f"{{d}}/{name}", *args[i + 2 :])


def out(args: tuple[str, ...], name: str) -> tuple[str, ...]:
    i = args.index("--out")
    return (*args[: i + 1], f"{{d}}/{name}", *args[i + 2 :])


CASES = [
    # --- fit: the data file
    ("fit header-only csv", data(FIT, "header_only.csv"), "--data: ", "has a header but no rows"),
    ("fit empty file", data(FIT, "empty.csv"), "--data: ", "is empty"),
    ("fit duplicate column names", data(FIT, "dup.csv"), "--data: ", "column 'utilization' appears more than once"),
    ("fit unreadable parquet", data(FIT, "broken.parquet"), "--data: cannot read", "broken.parquet"),
    ("fit data not csv/parquet", data(FIT, "notes.txt"), "--data: ", "must be .csv or .parquet"),
    ("fit data is a folder", data(FIT, "folder.csv"), "--data: ", "is not a file"),
    ("fit data missing", data(FIT, "ghost.csv"), "--data: ", "does not exist"),
    ("fit all-NaN columns", data(FIT, "all_nan.csv"), "--data: ", "every column is constant or all missing"),
    # --- fit: the target
    ("fit target missing", (*FIT[:4], "nope", *FIT[5:]), "--target: ", "column 'nope' is not in the data"),
    ("fit one class only", data(FIT, "one_class.csv"), "--target: ", "single value '0': both classes are needed"),
    ("fit target not 0/1", data(FIT, "target_0_2.csv"), "--target: ", "has labels ['0', '2']"),
    ("fit non-numeric target", data(FIT, "target_text.csv"), "--target: ", "has labels ['a', 'b']"),
    ("fit target with blanks", data(FIT, "target_missing.csv"), "--target: ", "has 180 missing values"),
    ("fit unknown event", (*FIT, "--event", "x"), "--target: ", "event value 'x' does not occur"),
    ("fit time column blanks", data(FIT_T, "month_missing.csv"), "--time-col: ", "has 129 missing values"),
    ("fit time column missing", (*FIT, "--time-col", "when"), "--time-col: ", "column 'when' is not in the data"),
    # --- fit: numbers
    ("fit pdo nan", (*FIT, "--pdo", "nan"), "--pdo ", "must be a positive finite number, got nan"),
    ("fit pdo inf", (*FIT, "--pdo", "inf"), "--pdo ", "must be a positive finite number, got inf"),
    ("fit pdo 0", (*FIT, "--pdo", "0"), "--pdo ", "must be a positive finite number, got 0.0"),
    ("fit pdo negative", (*FIT, "--pdo", "-20"), "--pdo ", "must be a positive finite number, got -20.0"),
    ("fit base-odds nan", (*FIT, "--base-odds", "nan"), "--base-odds ", "must be a positive finite number"),
    ("fit base-odds 0", (*FIT, "--base-odds", "0"), "--base-odds ", "must be a positive finite number"),
    ("fit base-score inf", (*FIT, "--base-score", "inf"), "--base-score ", "must be a finite number"),
    ("fit oot-fraction 0", (*FIT_T, "--oot-fraction", "0"), "--oot-fraction ", "between 0 and 1 (exclusive)"),
    ("fit oot-fraction 1", (*FIT_T, "--oot-fraction", "1"), "--oot-fraction ", "between 0 and 1 (exclusive)"),
    ("fit oot-fraction 1.5", (*FIT_T, "--oot-fraction", "1.5"), "--oot-fraction ", "between 0 and 1 (exclusive)"),
    ("fit oot-fraction -0.2", (*FIT_T, "--oot-fraction", "-0.2"), "--oot-fraction ", "between 0 and 1 (exclusive)"),
    ("fit oot-fraction nan", (*FIT_T, "--oot-fraction", "nan"), "--oot-fraction ", "got nan"),
    ("fit test-fraction 1", (*FIT, "--test-fraction", "1"), "--test-fraction ", "0 (no test part) or between 0 and 1"),
    ("fit test-fraction -0.1", (*FIT, "--test-fraction", "-0.1"), "--test-fraction ", "got -0.1"),
    ("fit test-fraction nan", (*FIT, "--test-fraction", "nan"), "--test-fraction ", "got nan"),
    ("fit test-fraction with time", (*FIT_T, "--test-fraction", "0.2"), "--test-fraction: ", "with --oot-fraction"),
    ("fit max-bins 0", (*FIT, "--max-bins", "0"), "--max-bins ", "must be at least 2"),
    ("fit min-bin-share nan", (*FIT, "--min-bin-share", "nan"), "--min-bin-share ", "below 0.5, got nan"),
    ("fit min-bin-share 0.7", (*FIT, "--min-bin-share", "0.7"), "--min-bin-share ", "below 0.5"),
    ("fit point-mass-share 0.9", (*FIT, "--point-mass-share", "0.9"), "--point-mass-share ", "at most 0.5"),
    # --- fit: columns
    (
        "fit allow personal data",
        (*data(FIT, "person.csv"), "--allow-column", "phone"),
        "--allow-column: ",
        "'phone' cannot be allowed: personal data: values look like 11-digit Chinese mobile numbers",
    ),
    ("fit allow unknown column", (*FIT, "--allow-column", "ghost"), "--allow-column: ", "'ghost' is not in the data"),
    ("fit categorical unknown", (*FIT, "--categorical", "ghost"), "--categorical: ", "'ghost' is not in the data"),
    ("fit only identifiers", data(FIT, "only_ids.csv"), "--data: ", "every column is excluded"),
    ("fit exclude unknown", (*FIT, "--exclude", "ghost"), "--exclude: ", "'ghost' is not in the data"),
    # --- fit: the output
    ("fit out exists", out(FIT, "existing.json"), "--out: ", "exists; pass --force to replace it"),
    ("fit out is the data", out(FIT, "train.csv"), "--out: ", "is also this command's input"),
    ("fit out is a ledger", out(FIT, "ledger.sqlite"), "--out: ", "is a ledger database"),
    ("fit out not json", out(FIT, "model.txt"), "--out: ", "must end in .json"),
    ("fit out folder missing", out(FIT, "nowhere/m.json"), "--out: ", "does not exist"),
    # --- score
    ("score out is its data", out(SCORE, "train.csv"), "--out: ", "is also this command's input"),
    ("score out is its model", out(SCORE, "model.json"), "--out: ", "is also this command's input"),
    ("score out exists", out(SCORE, "existing.csv"), "--out: ", "exists; pass --force to replace it"),
    ("score out is a ledger", out(SCORE, "ledger.sqlite"), "--out: ", "is a ledger database"),
    ("score out is sqlite", out(SCORE, "books.csv"), "--out: ", "is a ledger database"),
    ("score out is a WAL file", out(SCORE, "ledger.sqlite-wal"), "--out: ", "is a ledger database"),
    ("score out not a table", out(SCORE, "scored.txt"), "--out: ", "must end in .csv or .parquet or .pq"),
    ("score reasons negative", (*SCORE, "--reasons", "-1"), "--reasons ", "must be 0 or more"),
    ("score header-only csv", data(SCORE, "header_only.csv"), "--data: ", "has a header but no rows"),
    ("score duplicate columns", data(SCORE, "dup.csv"), "--data: ", "appears more than once"),
    ("score keep unknown", (*SCORE, "--keep", "ghost"), "--keep: ", "'ghost' is not in the data"),
    ("score model nested", (*SCORE[:2], "{d}/nested.json", *SCORE[3:]), "--model: ", "nested too deeply"),
    ("score model damaged", (*SCORE[:2], "{d}/damaged.json", *SCORE[3:]), "--model: ", "incomplete or damaged"),
    ("score model missing", (*SCORE[:2], "{d}/ghost.json", *SCORE[3:]), "--model: ", "does not exist"),
    # --- report
    ("report bootstrap -5", (*REPORT, "--bootstrap", "-5"), "--bootstrap ", "between 1 and 100,000, got -5"),
    ("report bootstrap 0", (*REPORT, "--bootstrap", "0"), "--bootstrap ", "between 1 and 100,000, got 0"),
    ("report bootstrap huge", (*REPORT, "--bootstrap", "1000000"), "--bootstrap ", "between 1 and 100,000"),
    ("report out exists", out(REPORT, "existing.html"), "--out: ", "exists; pass --force to replace it"),
    ("report out is its model", out(REPORT, "model.json"), "--out: ", "is also this command's input"),
    ("report out is a ledger", out(REPORT, "ledger.sqlite"), "--out: ", "is a ledger database"),
    ("report header-only csv", data(REPORT, "header_only.csv"), "--data: ", "has a header but no rows"),
    ("report one class only", data(REPORT, "one_class.csv"), "--target: ", "both classes are needed"),
    ("report baseline broken", (*REPORT, "--baseline", "{d}/broken.parquet"), "--baseline: cannot read", "broken"),
]


@pytest.mark.parametrize(("args", "option", "needle"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_with_one_line_and_nothing_written(
    folder: Path, args: tuple[str, ...], option: str, needle: str
) -> None:
    before = snapshot(folder)
    code, stdout, stderr = invoke(*(a.format(d=folder) for a in args))
    assert code == 2, (stdout, stderr)
    assert stderr.startswith(f"error: {option}") and needle in stderr, stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr, stderr
    assert snapshot(folder) == before  # no output, no temporary file, the existing files untouched


def test_the_table_covers_every_command() -> None:
    assert len(CASES) == 69
    assert {c[1][0] for c in CASES} == {"fit", "score", "report"}


def test_force_replaces_an_existing_output_but_never_an_input(folder: Path, tmp_path: Path) -> None:
    target = tmp_path / "scored.csv"
    target.write_text("old\n")
    args = ("score", "--model", str(folder / "model.json"), "--data", str(folder / "train.csv"), "--out", str(target))
    code, _, err = invoke(*args, "--force")
    assert code == 0, err
    assert pd.read_csv(target).columns[0] == "row" and len(pd.read_csv(target)) == 900
    before = snapshot(folder)
    code, _, err = invoke(*args[:-1], str(folder / "train.csv"), "--force")
    assert code == 2 and "is also this command's input" in err
    code, _, err = invoke(*args[:-1], str(folder / "ledger.sqlite"), "--force")
    assert code == 2 and "never overwritten" in err
    assert snapshot(folder) == before


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (
            ("fit", "--data", "{d}/header_only.csv", "--target", "bad", "--out", "{d}/p.json"),
            "has a header but no rows",
        ),
        (("fit", "--data", "{d}/train.csv", "--target", "bad", "--out", "{d}/p.json", "--pdo", "nan"), "--pdo "),
        ((*REPORT, "--bootstrap", "-5"), "--bootstrap "),
        ((*SCORE[:-1], "{d}/train.csv"), "is also this command's input"),
    ],
    ids=["header-only", "pdo-nan", "bootstrap-negative", "score-onto-input"],
)
def test_the_installed_command_refuses_the_same_way(folder: Path, args: tuple[str, ...], needle: str) -> None:
    before = snapshot(folder)
    cmd = [sys.executable, "-m", "creditloop", "scorecard", *(a.format(d=folder) for a in args[1:])]
    cmd.insert(4, args[0])
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    assert res.returncode == 2 and needle in res.stderr, res.stderr
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert snapshot(folder) == before
