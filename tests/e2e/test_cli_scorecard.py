"""``creditloop scorecard fit / score / report`` end to end, on a small synthetic portfolio."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ledger_cli import as_a_user, run_in_process

CLI = [sys.executable, "-m", "creditloop", "scorecard"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120, check=False)


def step(*args: str) -> subprocess.CompletedProcess[str]:
    """A step expected to succeed: in-process through ``main.run`` (tests/e2e/ledger_cli.py); ``run`` keeps the
    refusals (exit code, one line, no traceback) in real subprocesses."""
    return run(*args) if as_a_user() else run_in_process("scorecard", *args)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(8)
    n = 3000
    util = rng.uniform(0, 1.2, n)
    delinq = rng.poisson(0.6, n)
    region = rng.choice(["north", "south", "west"], n)
    logit = -2 + 2.2 * util + 0.6 * delinq + np.where(region == "west", 0.7, 0)
    frame = pd.DataFrame(
        {
            "app_id": np.arange(n),
            "month": np.repeat([f"2024-{m:02d}" for m in range(1, 7)], n // 6),
            "utilization": util.round(4),
            "delinquencies": delinq,
            "region": region,
            "gender": rng.choice(["f", "m"], n),
            "bad": (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int),
        }
    )
    folder = tmp_path_factory.mktemp("cli")
    frame.to_csv(folder / "train.csv", index=False)
    frame.drop(columns="bad").head(50).to_parquet(folder / "new.parquet")
    return folder


@pytest.fixture(scope="module")
def model(data: Path) -> Path:
    res = step(
        "fit", "--data", str(data / "train.csv"), "--target", "bad", "--time-col", "month",
        "--exclude", "app_id", "--out", str(data / "model.json"), "--json",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert "gender" in out["excluded"] and "app_id" in out["excluded"]
    assert out["metrics"]["test"]["auc"] > 0.65 and out["metrics"]["test"]["window"]["start"] == "2024-06"
    assert out["holdout"] == {"method": "out_of_time", "fraction": 0.3, "rows": out["metrics"]["test"]["rows"]}
    assert "warning: column 'gender'" in res.stderr
    return data / "model.json"


def test_fit_writes_a_readable_versioned_model(model: Path) -> None:
    doc = json.loads(model.read_text(encoding="utf-8"))
    assert doc["format"] == "creditloop.scorecard"
    assert doc["training"]["window"] == {"start": "2024-01", "end": "2024-05"}
    assert {c["name"] for c in doc["characteristics"]} >= {"utilization", "delinquencies"}


def test_score_adds_score_pd_and_reasons_and_survives_a_bad_row(model: Path, data: Path) -> None:
    new = pd.read_parquet(data / "new.parquet").astype({"utilization": object})
    new.loc[3, "utilization"] = "lots"
    new.loc[4, "region"] = "mars"
    new.to_csv(data / "new_bad.csv", index=False)
    res = step("score", "--model", str(model), "--data", str(data / "new_bad.csv"), "--out", str(data / "scored.csv"))
    assert res.returncode == 0, res.stderr
    assert "2 with data issues" in res.stdout
    assert "'utilization'" in res.stderr and "'region'" in res.stderr
    scored = pd.read_csv(data / "scored.csv", keep_default_na=False)
    assert len(scored) == 50 and {"score", "pd", "reason_1", "reason_1_en", "reason_1_zh"} <= set(scored.columns)
    assert "utilization: not a number" in scored.loc[3, "issues"]
    assert "region: unseen category" in scored.loc[4, "issues"]
    res = step("score", "--model", str(model), "--data", str(data / "new.parquet"), "--out", str(data / "s.parquet"),
              "--keep", "app_id")  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert list(pd.read_parquet(data / "s.parquet").columns[:3]) == ["app_id", "score", "pd"]


def test_report_writes_self_contained_html(model: Path, data: Path) -> None:
    out = data / "report.html"
    res = step(
        "report", "--model", str(model), "--data", str(data / "train.csv"), "--target", "bad",
        "--baseline", str(data / "train.csv"), "--time-col", "month", "--out", str(out), "--bootstrap", "20", "--json",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["auc"]["value"] > 0.65 and summary["score_psi"] == pytest.approx(0.0)
    html = out.read_text(encoding="utf-8")
    assert "<svg" in html and "https://" not in html and "特征稳定性" in html


def test_fit_with_sign_constrained_coefficients(model: Path, data: Path) -> None:
    res = step(
        "fit", "--data", str(data / "train.csv"), "--target", "bad", "--time-col", "month",
        "--exclude", "app_id", "--sign-rule", "constrain", "--out", str(data / "constrained.json"),
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    doc = json.loads((data / "constrained.json").read_text(encoding="utf-8"))
    ref = json.loads(model.read_text(encoding="utf-8"))
    assert doc["training"]["metadata"]["sign_rule"] == "constrain"
    assert all(c["coef"] < 0 for c in doc["characteristics"])
    # Here every unconstrained coefficient already has the right sign, so both rules give the same model.
    assert [c["name"] for c in doc["characteristics"]] == [c["name"] for c in ref["characteristics"]]
    coef, ref_coef = ([c["coef"] for c in d["characteristics"]] for d in (doc, ref))
    assert np.allclose(coef, ref_coef, atol=5e-3)  # sklearn's tol=1e-4 against the bounded fit's 1e-10


def test_fit_binning_options_reach_the_model(model: Path, data: Path) -> None:
    """--cv 0 turns the held-out choice of unordered bins off; the binning settings are kept in the model file."""
    res = step(
        "fit", "--data", str(data / "train.csv"), "--target", "bad", "--time-col", "month",
        "--exclude", "app_id", "--cv", "0", "--ordinal-levels", "5", "--point-mass-share", "0.2",
        "--attribute-penalty", "none", "--out", str(data / "options.json"),
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    doc = json.loads((data / "options.json").read_text(encoding="utf-8"))
    meta = doc["training"]["metadata"]
    assert (meta["cv"], meta["ordinal_levels"], meta["point_mass_share"]) == (None, 5, 0.2)
    assert meta["attribute_penalty"] is None and doc["training"]["attribute_penalty"] is None
    assert doc["characteristics"]
    res = step(
        "fit", "--data", str(data / "train.csv"), "--target", "bad", "--exclude", "app_id", "--exclude", "month",
        "--attribute-penalty", "10", "--out", str(data / "refined.json"),
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    doc = json.loads((data / "refined.json").read_text(encoding="utf-8"))
    assert doc["training"]["attribute_penalty"] == 10.0 and doc["training"]["metadata"]["attribute_penalty"] == 10.0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--target", "region"], "'region'"),  # not binary
        (["--target", "nope"], "'nope'"),
        (["--target", "bad", "--exclude", "ghost"], "'ghost'"),
        (["--target", "bad", "--sign-rule", "flip"], "--sign-rule: 'flip'"),
        (["--target", "bad", "--cv", "1"], "--cv must be 0 (off) or at least 2"),
        (["--target", "bad", "--ordinal-levels", "1"], "--ordinal-levels must be at least 2"),
        (["--target", "bad", "--point-mass-share", "1.5"], "--point-mass-share must be above 0 and at most 0.5"),
        (["--target", "bad", "--attribute-penalty", "0"], "--attribute-penalty: '0'"),
        (["--target", "bad", "--attribute-penalty", "auto"], "--attribute-penalty: 'auto'"),
    ],
)
def test_fit_bad_input_names_the_column(data: Path, args: list[str], needle: str) -> None:
    res = run("fit", "--data", str(data / "train.csv"), "--out", str(data / "x.json"), *args)
    assert res.returncode == 2, res.stdout
    assert needle in res.stderr and "Traceback" not in res.stderr


def test_score_names_missing_columns_and_missing_files(model: Path, data: Path) -> None:
    pd.read_parquet(data / "new.parquet").drop(columns=["utilization"]).to_csv(data / "short.csv", index=False)
    res = run("score", "--model", str(model), "--data", str(data / "short.csv"), "--out", str(data / "o.csv"))
    assert res.returncode == 2 and "'utilization'" in res.stderr and "Traceback" not in res.stderr
    res = run("score", "--model", str(data / "none.json"), "--data", str(data / "short.csv"), "--out", "o.csv")
    assert res.returncode == 2 and "--model" in res.stderr
    res = run("score", "--model", str(model), "--data", str(data / "short.csv"), "--out", str(data / "o.txt"))
    assert res.returncode == 2 and "--out" in res.stderr


@pytest.fixture(scope="module")
def weak_model(data: Path) -> Path:
    """A challenger that never sees utilization, the strongest characteristic: clearly worse."""
    res = step(
        "fit", "--data", str(data / "train.csv"), "--target", "bad", "--exclude", "app_id", "--exclude", "month",
        "--exclude", "utilization", "--out", str(data / "weak.json"), "--json",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "utilization" not in json.loads(res.stdout)["characteristics"]
    return data / "weak.json"


def test_report_compares_champion_and_challenger(model: Path, weak_model: Path, data: Path) -> None:
    out = data / "cc.html"
    args = ["--data", str(data / "train.csv"), "--target", "bad", "--out", str(out), "--bootstrap", "50"]
    res = step("report", "--model", str(model), "--challenger", str(weak_model), *args, "--json")
    assert res.returncode == 0, res.stderr
    rows = {r["model"]: r for r in json.loads(res.stdout)["champion_challenger"]}
    champ, chall = rows["model.json"], rows["weak.json"]
    assert champ["role"] == "champion" and chall["role"] == "challenger"
    assert champ["auc"] > 0.7 and chall["auc"] < champ["auc"] - 0.05  # utilization is worth ~0.1 AUC here
    assert chall["auc_diff"] == pytest.approx(chall["auc"] - champ["auc"])
    assert chall["auc_diff_high"] < 0 and chall["verdict"] == "worse"
    html = out.read_text(encoding="utf-8")
    assert "冠军挑战者对比" in html and "weak.json" in html and "https://" not in html
    # the other way round, in text: the stronger challenger wins, and the line gives both AUCs (replacing cc.html)
    res = step("report", "--model", str(weak_model), "--challenger", str(model), *args, "--force")  # same --out again
    assert res.returncode == 0, res.stderr
    verdict = next(line for line in res.stdout.splitlines() if line.startswith("model.json vs weak.json"))
    assert verdict.endswith("challenger wins")
    assert f"AUC {champ['auc']:.4f} vs {chall['auc']:.4f}" in verdict


def refused(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a command that must be refused with exit code 2 and exactly one error line."""
    res = run(*args)
    assert res.returncode == 2, res.stdout
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
    return res


def test_report_challenger_bad_input_is_one_line(model: Path, weak_model: Path, data: Path) -> None:
    base = ["report", "--target", "bad", "--out", str(data / "bad.html"), "--bootstrap", "10"]
    train = ["--data", str(data / "train.csv")]
    res = refused(*base, *train, "--model", str(model), "--challenger", str(data / "ghost.json"))
    assert "--challenger" in res.stderr and "ghost.json" in res.stderr
    # the challenger needs a column the data lacks: the error names the challenger file and the column
    pd.read_csv(data / "train.csv").drop(columns=["utilization"]).to_csv(data / "no_util.csv", index=False)
    res = refused(*base, "--data", str(data / "no_util.csv"), "--model", str(weak_model), "--challenger", str(model))
    assert "--challenger" in res.stderr and "model.json" in res.stderr and "'utilization'" in res.stderr
    (data / "broken.json").write_text("{not json", encoding="utf-8")
    res = refused(*base, *train, "--model", str(model), "--challenger", str(data / "broken.json"))
    assert "--challenger" in res.stderr and "broken.json" in res.stderr
    res = refused(*base, *train, "--model", str(model), "--challenger", str(model))
    assert "cannot challenge itself" in res.stderr


WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(rng: np.random.Generator) -> str:
    area = str(rng.choice(["110101", "310104", "440305", "510107"]))
    body = (
        f"{area}{rng.integers(1955, 2004)}{rng.integers(1, 13):02d}{rng.integers(1, 29):02d}{rng.integers(0, 1000):03d}"
    )
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11]


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Applicants with name, ID number (all digits, so pandas reads an integer column) and mobile number;
    the ID's birth year predicts the target, the reproduction of issue 11 item 7."""
    rng = np.random.default_rng(21)
    ids: list[str] = []
    while len(ids) < 2000:
        pid = resident_id(rng)
        if not pid.endswith("X"):
            ids.append(pid)
    util = rng.uniform(0, 1.2, len(ids))
    year = np.array([int(i[6:10]) for i in ids])
    logit = -2 + 2.0 * util + (year - 1980) / 8
    frame = pd.DataFrame(
        {
            "name": [
                str(rng.choice(list("王李张刘陈杨黄赵吴周"))) + str(rng.choice(list("伟芳娜敏静丽强磊"))) * 2
                for _ in ids
            ],
            "id_number": ids,
            "phone": [f"1{rng.choice([3, 5, 8])}{rng.integers(0, 10**9):09d}" for _ in ids],
            "utilization": util.round(4),
            "bad": (rng.random(len(ids)) < 1 / (1 + np.exp(-logit))).astype(int),
        }
    )
    folder = tmp_path_factory.mktemp("people")
    frame.to_csv(folder / "people.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def people_fit(people: Path) -> subprocess.CompletedProcess[str]:
    res = step(
        "fit", "--data", str(people / "people.csv"), "--target", "bad", "--out", str(people / "m.json"), "--json"
    )
    assert res.returncode == 0, res.stderr
    return res


def test_fit_on_personal_data_excludes_it_and_writes_no_value(
    people: Path, people_fit: subprocess.CompletedProcess[str]
) -> None:
    res = people_fit
    out = json.loads(res.stdout)
    assert out["characteristics"] == ["utilization"]
    assert out["excluded"] == {
        "name": "identifier by name (the word 'name')",
        "id_number": "personal data: values look like 18-digit PRC resident ID numbers",
        "phone": "personal data: values look like 11-digit Chinese mobile numbers",
    }
    for col in ("name", "id_number", "phone"):
        assert f"warning: column '{col}'" in res.stderr
    frame = pd.read_csv(people / "people.csv", dtype=str)
    for path_text in ((people / "m.json").read_text(encoding="utf-8"), res.stdout, res.stderr):
        for col in ("name", "id_number", "phone"):
            assert not any(v in path_text for v in frame[col]), col
    doc = json.loads((people / "m.json").read_text(encoding="utf-8"))
    assert max(max(c.get("splits") or [0]) for c in doc["characteristics"]) < 2  # utilization only
    # the pattern-detected ID cannot be let back in; a text report of the model names no value either
    res = run("fit", "--data", str(people / "people.csv"), "--target", "bad", "--out", str(people / "m2.json"),
              "--allow-column", "id_number")  # fmt: skip
    assert res.returncode == 2 and "--allow-column: column 'id_number' cannot be allowed" in res.stderr
    assert not (people / "m2.json").exists()
    res = step("report", "--model", str(people / "m.json"), "--data", str(people / "people.csv"), "--target", "bad",
              "--out", str(people / "r.html"), "--bootstrap", "10")  # fmt: skip
    assert res.returncode == 0, res.stderr
    html = (people / "r.html").read_text(encoding="utf-8")
    assert not any(v in html for col in ("name", "id_number", "phone") for v in frame[col])


def test_score_copies_no_personal_column_unless_asked(people: Path, people_fit: object) -> None:
    args = ["score", "--model", str(people / "m.json"), "--data", str(people / "people.csv")]
    res = step(*args, "--out", str(people / "s.csv"))
    assert res.returncode == 0, res.stderr
    scored = pd.read_csv(people / "s.csv", dtype=str)
    assert list(scored.columns[:3]) == ["row", "score", "pd"]
    assert not {"name", "id_number", "phone", "utilization", "bad"} & set(scored.columns)
    assert scored["row"].tolist() == [str(k) for k in range(2000)]
    text = (people / "s.csv").read_text(encoding="utf-8")
    frame = pd.read_csv(people / "people.csv", dtype=str)
    assert not any(v in text for col in ("id_number", "phone") for v in frame[col])
    res = step(*args, "--out", str(people / "k.csv"), "--keep", "id_number")  # asked for: copied, and said aloud
    assert res.returncode == 0, res.stderr
    assert "warning: --keep id_number: personal data" in res.stderr
    kept = pd.read_csv(people / "k.csv", dtype=str)
    assert (
        list(kept.columns[:2]) == ["id_number", "score"] and kept["id_number"].tolist() == frame["id_number"].tolist()
    )


# ----------------------------------------------------------------------------- holdout and training-data warning


@pytest.fixture(scope="module")
def holdout_model(data: Path) -> tuple[Path, dict[str, object]]:
    """A fit without a time column: a stratified 30 % test part is held out by default."""
    res = step("fit", "--data", str(data / "train.csv"), "--target", "bad", "--exclude", "app_id", "--exclude", "month",
              "--out", str(data / "holdout.json"), "--json")  # fmt: skip
    assert res.returncode == 0, res.stderr
    return data / "holdout.json", json.loads(res.stdout)


def test_fit_without_a_time_column_reports_train_and_test_metrics(data: Path, holdout_model: tuple[Path, dict]) -> None:
    path, out = holdout_model
    train, test = out["metrics"]["train"], out["metrics"]["test"]
    assert out["holdout"] == {"method": "stratified", "fraction": 0.3, "seed": 0, "rows": 900}
    assert (train["rows"], test["rows"], out["rows"]) == (2100, 900, 2100)
    assert 0.65 < test["auc"] < 1 and 0.65 < train["auc"] < 1 and 0 < test["ks"] < 1 and 0 < train["ks"] < 1
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["training"]["n_rows"] == 2100 and doc["training"]["holdout"]["test_metrics"] == test
    # stratified: the event rate of the training part is the file's, to the row
    frame = pd.read_csv(data / "train.csv")
    assert doc["training"]["n_events"] == frame["bad"].sum() - round(frame["bad"].sum() * 0.3)
    res = step("fit", "--data", str(data / "train.csv"), "--target", "bad", "--exclude", "app_id", "--exclude", "month",
              "--seed", "7", "--out", str(data / "seed7.json"))  # fmt: skip
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert any(line.startswith("train: auc=") and line.endswith("rows=2100") for line in lines), res.stdout
    assert any(line.startswith("test (stratified 30% of the rows, seed 7): auc=") for line in lines), res.stdout


def test_fit_with_test_fraction_zero_reports_train_only_and_says_so(data: Path) -> None:
    args = ["fit", "--data", str(data / "train.csv"), "--target", "bad", "--exclude", "app_id", "--exclude", "month",
            "--test-fraction", "0"]  # fmt: skip
    res = step(*args, "--out", str(data / "all_rows.json"), "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["metrics"]["test"] is None and out["metrics"]["train"]["rows"] == 3000
    assert out["holdout"] == {"method": "none", "fraction": 0.0, "rows": 0}
    res = step(*args, "--out", str(data / "all_rows_text.json"))
    assert res.returncode == 0, res.stderr
    assert "train: auc=" in res.stdout
    assert "test: none (--test-fraction 0: every row trained the model; the train metrics are optimistic)" in res.stdout


WARNING = "evaluated on training data — optimistic"


def report_stderr(model: Path, data_file: Path, out: Path) -> str:
    res = step("report", "--model", str(model), "--data", str(data_file), "--target", "bad", "--out", str(out),
              "--bootstrap", "5", "--json")  # fmt: skip
    assert res.returncode == 0, res.stderr
    return res.stderr


def test_report_warns_on_training_data_and_not_on_other_data(data: Path, holdout_model: tuple[Path, dict]) -> None:
    from creditloop.scoring.holdout import stratified_split

    model, _ = holdout_model
    frame = pd.read_csv(data / "train.csv")
    train_rows, test_rows = stratified_split(frame["bad"].to_numpy(), 0.3, 0)  # the split `fit` drew
    frame.iloc[test_rows].to_csv(data / "held_out.csv", index=False)
    frame.iloc[train_rows].sample(frac=1, random_state=1).to_csv(data / "fitted_rows.csv", index=False)
    whole = report_stderr(model, data / "train.csv", data / "r_whole.html")
    assert WARNING in whole and "about 70% of these rows trained the model" in whole and "结果偏乐观" in whole
    assert "about 100%" in report_stderr(model, data / "fitted_rows.csv", data / "r_fitted.html")  # any order
    assert WARNING not in report_stderr(model, data / "held_out.csv", data / "r_test.html")
    other = frame.assign(app_id=frame["app_id"] + 10_000)  # other customers
    other.to_csv(data / "other.csv", index=False)
    assert WARNING not in report_stderr(model, data / "other.csv", data / "r_other.html")
    html = (data / "r_whole.html").read_text(encoding="utf-8")
    assert WARNING in html
