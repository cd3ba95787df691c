"""Issue 11, items 1, 4 and 8 through the CLI: no output ever touches a ledger, simulation and operating ledgers
are never confused, a mistyped directory is not a new ledger, and a retried `line open` is the same request."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "creditloop"]


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, **(env or {})},
    )


def ok(*args: str | Path, env: dict[str, str] | None = None) -> str:
    res = run(*args, env=env)
    assert res.returncode == 0, res.stderr
    return res.stdout


def refused(res: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    assert res.returncode == code, (res.returncode, res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def files(d: Path) -> dict[str, str]:
    """Every file of a directory and its digest: "byte-identical" means this is unchanged. The -shm file is
    SQLite's shared-memory index, rewritten by every reader, and an empty -wal holds nothing: both left out."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(d.iterdir())
        if p.is_file() and not p.name.endswith("-shm") and not (p.name.endswith("-wal") and not p.stat().st_size)
    }


def open_line(d: Path, line_id: str = "L1", *extra: str) -> None:
    ok("line", "open", "--line-id", line_id, "--customer-id", "C1", "--limit", "100.00", "--data-dir", d, *extra)


@pytest.fixture(scope="module")
def simulation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    s = tmp_path_factory.mktemp("sim") / "S"
    ok("simulate", "--customers", "30", "--months", "3", "--seed", "5", "--out", s, "--workers", "1")
    return s


@pytest.fixture
def ledger_dir(tmp_path: Path) -> Path:
    d = tmp_path / "D"
    open_line(d, "L1", "--on", "2024-01-05")
    ok(
        "line", "purchase", "--line-id", "L1", "--purchase-id", "p1", "--amount", "10.00", "--on", "2024-01-06",
        "--data-dir", d,
    )  # fmt: skip
    return d


# ---------------------------------------------------------------------------------------------- item 1


@pytest.mark.parametrize("name", ["ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm"])
def test_journal_export_never_overwrites_the_ledger(ledger_dir: Path, name: str) -> None:
    before = files(ledger_dir)
    res = run("journal", "export", "--data-dir", ledger_dir, "--out", ledger_dir / name, "--force")
    refused(res, 2, "--out", "ledger database", "never overwritten")
    assert files(ledger_dir) == before
    ok("journal", "verify", "--data-dir", ledger_dir)


def test_report_never_overwrites_a_ledger(simulation: Path, ledger_dir: Path) -> None:
    before = files(ledger_dir)
    res = run("report", "--data-dir", simulation, "--out", ledger_dir / "ledger.sqlite")
    refused(res, 2, "--out", "ledger database")
    assert files(ledger_dir) == before
    res = run("report", "--data-dir", simulation, "--out", simulation / "ledger.sqlite", "--force")
    refused(res, 2, "--out", "ledger database")


def test_report_never_overwrites_its_own_inputs_or_an_existing_file(simulation: Path, tmp_path: Path) -> None:
    before = files(simulation)
    refused(run("report", "--data-dir", simulation, "--out", simulation / "summary.json", "--force"), 2, "input")
    assert files(simulation) == before
    target = tmp_path / "r.html"
    target.write_text("mine")
    refused(run("report", "--data-dir", simulation, "--out", target), 2, "exists; pass --force")
    assert target.read_text() == "mine"
    ok("report", "--data-dir", simulation, "--out", target, "--force")
    assert target.read_text().startswith("<!DOCTYPE html>") or "<html" in target.read_text()


def test_journal_export_writes_a_new_file_and_replaces_only_with_force(ledger_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "journal.csv"
    ok("journal", "export", "--data-dir", ledger_dir, "--out", target)
    rows = target.read_text().splitlines()
    assert rows[0].startswith("entry_id,code") and len(rows) > 1
    refused(run("journal", "export", "--data-dir", ledger_dir, "--out", target), 2, "--out", "--force")
    assert target.read_text().splitlines() == rows
    ok("journal", "export", "--data-dir", ledger_dir, "--out", target, "--force", "--format", "jsonl")
    assert json.loads(target.read_text().splitlines()[0])["line_id"] == "L1"


# ---------------------------------------------------------------------------------------------- item 4


def test_a_simulation_never_replaces_an_operating_ledger(ledger_dir: Path) -> None:
    before = files(ledger_dir)
    for command in (["demo", "--data-dir"], ["simulate", "--out"]):
        res = run(*command, ledger_dir, "--customers", "10", "--months", "2", "--scenario", "baseline")
        refused(res, 2, command[1], "operating ledger")
        assert files(ledger_dir) == before
    res = run("compare-strategies", "--out", ledger_dir, "--customers", "10", "--months", "2", "--scenario", "baseline")
    refused(res, 2, "--out", "operating ledger")
    assert files(ledger_dir) == before and not (ledger_dir / "baseline").exists()


def test_a_simulation_refuses_a_foreign_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("my files")
    res = run("simulate", "--out", tmp_path, "--customers", "10", "--months", "2")
    refused(res, 2, "--out", "not empty")
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_servicing_commands_do_not_write_to_a_simulation_ledger(simulation: Path) -> None:
    before = files(simulation)
    res = run("line", "open", "--line-id", "REAL", "--customer-id", "C", "--limit", "10.00", "--data-dir", simulation)
    refused(res, 2, "--data-dir", "simulation's")
    refused(run("day-end", "--data-dir", simulation), 2, "simulation's ledger")
    assert files(simulation) == before
    assert '"ok": true' in ok("journal", "verify", "--data-dir", simulation, "--json")  # reads are fine


def test_the_next_simulation_replaces_only_a_simulation(simulation: Path, tmp_path: Path) -> None:
    s = tmp_path / "again"
    ok("simulate", "--customers", "10", "--months", "2", "--out", s, "--workers", "1")
    ok("simulate", "--customers", "12", "--months", "2", "--out", s, "--workers", "1")  # over itself: fine
    assert json.loads((s / "summary.json").read_text())["customers"] == 12
    status = json.loads(ok("db", "status", "--data-dir", s, "--json"))
    assert status["purpose"] == "simulation" and status["up_to_date"]


def test_an_old_style_simulation_directory_with_real_lines_is_not_replaced(tmp_path: Path) -> None:
    d = tmp_path / "old"
    open_line(d)
    with sqlite3.connect(d / "ledger.sqlite") as conn:  # as written before the purpose row existed
        conn.execute("DELETE FROM ledger_meta")
    (d / ".creditloop-simulation").write_text("old marker\n")
    before = files(d)
    refused(run("simulate", "--out", d, "--customers", "10", "--months", "2"), 2, "--out", "1 line(s)")
    assert files(d) == before


@pytest.mark.parametrize(
    "args",
    [
        ["day-end"],
        ["line", "purchase", "--line-id", "L1", "--purchase-id", "p", "--amount", "1.00"],
        ["line", "show", "--line-id", "L1"],
        ["journal", "verify"],
        ["journal", "export"],
        ["db", "status"],
    ],
)
def test_a_mistyped_directory_is_not_a_new_ledger(tmp_path: Path, args: list[str]) -> None:
    typo = tmp_path / "creditloop-dta"
    refused(run(*args, "--data-dir", typo), 2, "--data-dir", "no ledger")
    assert not typo.exists()


# ---------------------------------------------------------------------------------------------- item 8


def test_a_retried_line_open_returns_the_original(tmp_path: Path) -> None:
    d = tmp_path / "D"
    args = ["line", "open", "--line-id", "L1", "--customer-id", "C1", "--limit", "100.00", "--on", "2024-01-05"]
    first = json.loads(ok(*args, "--json", "--data-dir", d))
    again = json.loads(ok(*args, "--json", "--data-dir", d))
    expected = {"line_id": "L1", "limit_minor": 10000, "opened_on": "2024-01-05", "product": "baitiao-standard@1"}
    assert first == again == expected
    other = [a if a != "C1" else "C2" for a in args]
    refused(run(*other, "--data-dir", d), 1, "idempotency_conflict", "different customer")


# UTC-12 and UTC+14 are always on different calendar days: the second call comes "after midnight".
BEFORE_MIDNIGHT = {"CREDITLOOP_BUSINESS_TIMEZONE": "Etc/GMT+12"}
AFTER_MIDNIGHT = {"CREDITLOOP_BUSINESS_TIMEZONE": "Etc/GMT-14"}


def test_a_retry_without_on_across_midnight_is_not_a_conflict(tmp_path: Path) -> None:
    d = tmp_path / "D"
    opening = ["line", "open", "--line-id", "L1", "--customer-id", "C1", "--limit", "100.00", "--json"]
    first = json.loads(ok(*opening, "--data-dir", d, env=BEFORE_MIDNIGHT))
    again = json.loads(ok(*opening, "--data-dir", d, env=AFTER_MIDNIGHT))
    assert again == first
    buy = ["line", "purchase", "--line-id", "L1", "--purchase-id", "p1", "--amount", "10.00", "--json"]
    plan = json.loads(ok(*buy, "--data-dir", d, env=BEFORE_MIDNIGHT))
    assert json.loads(ok(*buy, "--data-dir", d, env=AFTER_MIDNIGHT)) == plan
    shown = json.loads(ok("line", "show", "--line-id", "L1", "--json", "--data-dir", d))
    assert [e["id"] for e in shown["events"] if e["kind"] == "purchase"] == ["p1"]
