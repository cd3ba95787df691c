"""``creditloop risk stress --scenario NAME|FILE --data-dir D``: stressed PD, LGD, EL and IRB capital by segment on
a small hand-made book, the old ``--pd --rho --z`` form untouched, refusals naming the option, nothing written."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("ibis", reason="the scenario form reads the book through the analytics extra (ibis)")
pa = pytest.importorskip("pyarrow")

# (line, month_end_on, status, dpd, balance_minor, charged_off_minor): in March, P is current, Q 1-30 DPD,
# R 31-60 DPD; S was charged off in February (1,000) and 200 came back in March: observed LGD 0.8.
ROWS = [
    ("P", "2024-01-31", "ACTIVE", 0, 10_000, 0), ("P", "2024-02-29", "ACTIVE", 0, 10_000, 0),
    ("P", "2024-03-31", "ACTIVE", 0, 10_000, 0),
    ("Q", "2024-01-31", "ACTIVE", 0, 5_000, 0), ("Q", "2024-02-29", "ACTIVE", 0, 5_000, 0),
    ("Q", "2024-03-31", "ACTIVE", 10, 5_000, 0),
    ("R", "2024-01-31", "ACTIVE", 0, 3_000, 0), ("R", "2024-02-29", "ACTIVE", 10, 3_000, 0),
    ("R", "2024-03-31", "ACTIVE", 40, 3_000, 0),
    ("S", "2024-01-31", "ACTIVE", 100, 1_000, 0), ("S", "2024-02-29", "CHARGED_OFF", 130, 0, 1_000),
    ("S", "2024-03-31", "CHARGED_OFF", 160, 0, 800),
]  # fmt: skip


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import pyarrow.parquet as pq

    d = tmp_path_factory.mktemp("stress_book")
    names = ("line_id", "month_end_on", "vintage", "mob", "status", "dpd", "balance_minor", "charged_off_minor",
             "statement_due_minor")  # fmt: skip
    cols: dict[str, list[Any]] = {k: [] for k in names}
    for line, day, status, dpd, bal, co in ROWS:
        on = date.fromisoformat(day)
        for k, v in zip(cols, (line, on, "2024-01", on.month, status, dpd, bal, co, 0), strict=True):
            cols[k].append(v)
    pq.write_table(pa.table(cols), d / "snapshots.parquet")
    return d


LIMITS = {"P": 20_000, "Q": 10_000, "R": 3_000, "S": 1_000}


@pytest.fixture(scope="module")
def full_book(book: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same book with the columns IFRS 9 staging needs (limit, amount past due, restructure flag)."""
    import pyarrow.parquet as pq

    t = pq.read_table(book / "snapshots.parquet")
    lines, dpd, bal = (t.column(k).to_pylist() for k in ("line_id", "dpd", "balance_minor"))
    t = t.append_column("limit_minor", pa.array([LIMITS[x] for x in lines], pa.int64()))
    t = t.append_column("past_due_minor", pa.array([b if d > 0 else 0 for d, b in zip(dpd, bal, strict=True)]))
    t = t.append_column("restructured", pa.array([False] * len(lines)))
    d = tmp_path_factory.mktemp("stress_full_book")
    pq.write_table(t, d / "snapshots.parquet")
    return d


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def cl(*args: str) -> Ran:
    """In process (the import cost of a subprocess per case would dominate): exit code, stdout, stderr."""
    from typer.testing import CliRunner

    from creditloop.entrypoints.cli.main import app

    res = CliRunner().invoke(app, ["risk", "stress", *args])
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception
    return Ran(res.exit_code, res.stdout, res.stderr)


def ok_json(*args: str) -> Any:
    res = cl(*args, "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_severe_scenario_by_segment(book: Path) -> None:
    doc = ok_json("--scenario", "severe", "--data-dir", str(book))
    assert doc["schema"] == "creditloop.risk.stress_scenario/1" and doc["as_of"] == "2024-03-31"
    assert doc["scenario"]["z"] == pytest.approx(-3.0) and doc["ecl_minor"] is None
    segs = {s["name"]: s for s in doc["segments"]}
    assert set(segs) == {"current", "1-30 dpd", "31-90 dpd"}
    assert [segs[n]["ead_minor"] for n in ("current", "1-30 dpd", "31-90 dpd")] == [10_000, 5_000, 3_000]
    for s in segs.values():
        assert s["lgd"] == pytest.approx(0.8) and s["stressed_lgd"] == pytest.approx(0.9)
        assert s["stressed_pd"] >= s["pd"] and s["stressed_expected_loss_minor"] >= s["expected_loss_minor"]
        # EL = PD x LGD x EAD, rounded once to the fen
        assert abs(s["expected_loss_minor"] - s["pd"] * s["lgd"] * s["ead_minor"]) <= 0.5
    assert doc["total"]["ead_minor"] == 18_000
    assert doc["total"]["stressed_capital_minor"] == sum(s["stressed_capital_minor"] for s in segs.values())
    # no limit or past-due columns: the ECL cannot be staged, and says so (the EL proxy above still answers)
    assert doc["ecl"]["available"] is False and "limit_minor" in doc["ecl"]["reason"]


def test_severe_scenario_ecl_is_risk_ecls_and_its_change(full_book: Path) -> None:
    from typer.testing import CliRunner

    from creditloop.entrypoints.cli.main import app

    doc = ok_json("--scenario", "severe", "--data-dir", str(full_book))
    assert doc["total"]["ead_minor"] == 18_000  # the EL proxy is unchanged: drawn balances only
    ecl = doc["ecl"]
    # EAD with the CCF: P 10,000 + 20 % x 10,000 undrawn, Q 5,000 + 20 % x 5,000; R (40 DPD, stage 2) fully drawn
    assert (ecl["available"], ecl["on"], ecl["ead_minor"]) == (True, "2024-03-31", 12_000 + 6_000 + 3_000)
    plain = CliRunner().invoke(app, ["risk", "ecl", "--data-dir", str(full_book), "--json"])
    total = next(r for r in json.loads(plain.stdout)["by_stage"] if r["stage"] == "total")
    assert doc["ecl_minor"] == ecl["ecl_minor"] == total["ecl_minor"] > 0  # the unstressed ECL is risk ecl's
    assert doc["stressed_ecl_minor"] == ecl["stressed_ecl_minor"] > ecl["ecl_minor"]
    assert doc["ecl_change_minor"] == ecl["stressed_ecl_minor"] - ecl["ecl_minor"] == ecl["change_minor"]
    assert (ecl["z"], ecl["stressed_lgd"]) == (pytest.approx(-3.0), pytest.approx(min(1.0, ecl["lgd"] + 0.10)))
    stages = {r["stage"]: r for r in ecl["by_stage"]}
    assert (stages[1]["accounts"], stages[2]["accounts"], stages["total"]["accounts"]) == (2, 1, 3)
    assert sum(stages[k]["stressed_ecl_minor"] for k in (1, 2, 3)) == ecl["stressed_ecl_minor"]
    res = cl("--scenario", "severe", "--data-dir", str(full_book), "--lang", "zh")
    assert "IFRS 9 预期信用损失" in res.stdout and f"{ecl['stressed_ecl_minor'] / 100:.2f}" in res.stdout
    assert ecl["segment_by"] == "none"  # no payments in this panel: risk ecl's default is the count chain


def test_the_stressed_ecl_runs_risk_ecls_default_chain_on_a_panel_with_payments(
    full_book: Path, tmp_path: Path
) -> None:
    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    from creditloop.entrypoints.cli.main import app

    t = pq.read_table(full_book / "snapshots.parquet")
    paid = [500 if d == 0 else 0 for d in t.column("dpd").to_pylist()]  # current months are paid months
    pq.write_table(t.append_column("paid_minor", pa.array(paid, pa.int64())), tmp_path / "snapshots.parquet")
    ecl = ok_json("--scenario", "adverse", "--data-dir", str(tmp_path))["ecl"]
    plain = json.loads(CliRunner().invoke(app, ["risk", "ecl", "--data-dir", str(tmp_path), "--json"]).stdout)
    assert ecl["segment_by"] == plain["parameters"]["segment_by"] == "payment"
    assert ecl["ecl_minor"] == next(r for r in plain["by_stage"] if r["stage"] == "total")["ecl_minor"]


def test_a_scenario_file_and_a_given_lgd_and_chinese_text(book: Path, tmp_path: Path) -> None:
    f = tmp_path / "z.json"
    f.write_text(json.dumps({"name": "flat", "z": 0, "lgd_addon": 0}))
    doc = ok_json("--scenario", str(f), "--data-dir", str(book), "--lgd", "0.5")
    assert all(s["stressed_pd"] == pytest.approx(s["pd"], rel=1e-12) for s in doc["segments"])
    assert all(s["lgd"] == 0.5 == s["stressed_lgd"] for s in doc["segments"])
    res = cl("--scenario", "adverse", "--data-dir", str(book), "--lang", "zh")
    assert res.returncode == 0 and "压力情景 adverse" in res.stdout and "预期损失" in res.stdout


def test_old_form_still_answers_the_vasicek_row() -> None:
    doc = ok_json("--pd", "0.02", "--rho", "0.04", "--z", "-2")
    assert abs(doc["conditional_pd"] - 0.045720) <= 1e-6 and doc["schema"] == "creditloop.risk.stress/1"


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["--scenario", "nope"], "--data-dir"),
        (["--scenario", "nope", "--data-dir", "BOOK"], "--scenario"),
        (["--scenario", "severe", "--data-dir", "BOOK", "--pd", "0.1"], "--pd"),
        (["--scenario", "severe", "--data-dir", "BOOK", "--lgd", "2"], "--lgd"),
        (["--scenario", "severe", "--data-dir", "EMPTY"], "--data-dir"),
        (["--data-dir", "BOOK"], "--scenario"),
        (["--scenario", "BADFILE", "--data-dir", "BOOK"], "--scenario"),
        (["--pd", "0.02", "--rho", "0.04", "--z", "-2", "--engine", "spark"], "--engine"),
    ],
)
def test_bad_input_is_refused_naming_the_option(
    argv: list[str], option: str, book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # anything written to the working directory would show below
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "b", "z": "x"}))
    (tmp_path / "empty").mkdir()
    subst = {"BOOK": str(book), "EMPTY": str(tmp_path / "empty"), "BADFILE": str(bad)}
    res = cl(*(subst.get(a, a) for a in argv), "--json")
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert option in res.stderr and "Traceback" not in res.stderr and res.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "empty"]
