"""Bad input per command (issue 11, item 8): every case exits 2 (usage) or 1 (a domain refusal) with one line
naming the option, and writes nothing — the ledger, the simulation directory and the rest of the tree are
unchanged, and no new directory appears.

The commands run in-process through ``main.run`` (the real entry point, exit codes included) so that the table
stays fast; ``test_cli_safety`` and ``test_cli_servicing`` cover the same paths in subprocesses.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from creditloop.entrypoints.cli import main

LIMIT = ["line", "open", "--line-id", "N1", "--customer-id", "C9", "--on", "2024-01-05", "--limit"]
OPEN_ON = ["line", "open", "--line-id", "N1", "--customer-id", "C9", "--limit", "10.00", "--on"]
BUY = ["line", "purchase", "--line-id", "L1", "--purchase-id", "p9", "--amount"]
BUY_ON = ["line", "purchase", "--line-id", "L1", "--purchase-id", "p9", "--amount", "1.00", "--on"]
REPAY = ["line", "repay", "--line-id", "L1", "--payment-id", "r9", "--on", "2024-01-07", "--amount"]
HOLD = ["line", "authorise", "--line-id", "L1", "--hold-id", "h9", "--amount", "1.00", "--on", "2024-01-07"]
CHANGE = ["line", "change", "--line-id", "L1", "--change-id", "c9", "--on", "2024-01-07"]
RESTRUCTURE = ["line", "restructure", "--line-id", "L1", "--request-id", "q9", "--on", "2024-01-07"]
SIM = ["simulate", "--customers", "5", "--months", "2", "--scenario", "baseline"]
FULL_WIDTH, ARABIC_INDIC = "１２.００", "١٢"

# (command line, exit code, what the one error line must contain). {D}: an operating ledger directory with line
# L1 (opened 2024-01-05, a purchase on 2024-01-06); {S}: a simulation's directory; {N}: a path that does not exist;
# {F}: a plain file.
CASES: list[tuple[list[str], int, str]] = [
    # line open: amounts
    ([*LIMIT, ""], 2, "--limit"),
    ([*LIMIT, FULL_WIDTH], 2, "--limit"),
    ([*LIMIT, ARABIC_INDIC], 2, "--limit"),
    ([*LIMIT, "NaN"], 2, "--limit"),
    ([*LIMIT, "inf"], 2, "--limit"),
    ([*LIMIT, "-5"], 2, "--limit: must be positive"),
    ([*LIMIT, "0"], 2, "--limit: must be positive"),
    ([*LIMIT, "1e3"], 2, "--limit"),
    ([*LIMIT, "12.345"], 2, "more than two decimal places"),
    ([*LIMIT, "9" * 40], 2, "too large"),
    ([*LIMIT, "1\x00"], 2, "--limit"),
    ([*LIMIT, "1,000"], 2, "--limit"),
    # line open: dates and cycle
    ([*OPEN_ON, "20240210"], 2, "--on: expected a date YYYY-MM-DD"),
    ([*OPEN_ON, "2024-W06-6"], 2, "--on: expected a date YYYY-MM-DD"),
    ([*OPEN_ON, "0001-01-01"], 2, "--on: 0001-01-01 is outside the supported dates"),
    ([*OPEN_ON, "9999-12-31"], 2, "--on: 9999-12-31 is outside the supported dates"),
    ([*OPEN_ON, "2024-02-30"], 2, "--on: expected a date YYYY-MM-DD, got '2024-02-30' (no such day)"),
    ([*OPEN_ON, ""], 2, "--on"),
    ([*OPEN_ON, "２０２４-０１-０５"], 2, "--on"),
    ([*OPEN_ON, "2024-01-05\n"], 2, "--on"),
    ([*OPEN_ON, "2024-01-05", "--statement-day", "0"], 2, "--statement-day"),
    ([*OPEN_ON, "2024-01-05", "--statement-day", "29"], 2, "--statement-day"),
    ([*OPEN_ON, "2024-01-05", "--due-days", "-1"], 2, "--due-days"),
    ([*OPEN_ON, "2024-01-05", "--due-days", "28"], 2, "--due-days"),
    ([*OPEN_ON, "2024-01-05", "--data-dir", "{F}"], 2, "--data-dir"),
    (["line", "open", "--line-id", "", "--customer-id", "C", "--limit", "1.00", "--data-dir", "{N}"], 2, "--line-id"),
    ([*OPEN_ON, "2024-01-05", "--data-dir", "{S}"], 2, "--data-dir"),
    (
        ["line", "open", "--line-id", "L1", "--customer-id", "OTHER", "--limit", "100.00", "--on", "2024-01-05"],
        1,
        "idempotency_conflict",
    ),
    # line purchase
    ([*BUY, "1,00"], 2, "--amount"),
    ([*BUY, " "], 2, "--amount"),
    ([*BUY, ARABIC_INDIC], 2, "--amount"),
    ([*BUY, "-0.01"], 2, "--amount"),
    ([*BUY, "1.00", "--periods", "0"], 2, "--periods"),
    ([*BUY, "1.00", "--periods", "99999999999"], 2, "--periods"),
    ([*BUY_ON, "1900-01-01"], 2, "--on"),
    ([*BUY_ON, "2999-01-01"], 2, "--on: 2999-01-01 is in the future"),
    ([*BUY_ON, "1-1-2024"], 2, "--on"),
    (["line", "purchase", "--line-id", "NOPE", "--purchase-id", "p9", "--amount", "1.00"], 1, "not_found"),
    ([*BUY, "1.00", "--data-dir", "{N}"], 2, "--data-dir: no ledger"),
    ([*BUY, "1.00", "--data-dir", "{S}"], 2, "simulation's ledger"),
    # line repay / reverse / refunds
    ([*REPAY, "-1"], 2, "--amount"),
    ([*REPAY, FULL_WIDTH], 2, "--amount"),
    ([*REPAY, "nan"], 2, "--amount"),
    (
        ["line", "reverse", "--line-id", "L1", "--reversal-id", "v", "--payment-id", "p", "--on", "2024-13-01"],
        2,
        "--on",
    ),
    (
        ["line", "reverse", "--line-id", "L1", "--reversal-id", "v", "--payment-id", "nope", "--on", "2024-01-07"],
        1,
        "not_found",
    ),
    (
        ["line", "refund", "--line-id", "L1", "--refund-id", "f", "--purchase-id", "p1", "--amount", "0"],
        2,
        "--amount",
    ),
    (["line", "refund-credit", "--line-id", "L1", "--refund-id", "f", "--amount", "1e2"], 2, "--amount"),
    # holds
    ([*HOLD, "--expires", "9999-12-31"], 2, "--expires"),
    ([*HOLD, "--expires", "2024-01-01"], 2, "--expires: 2024-01-01 is before the hold's date"),
    ([*HOLD, "--expires", "2026-01-01"], 2, "--expires: a hold stands at most 366 days"),
    ([*HOLD, "--expires", "tomorrow"], 2, "--expires"),
    (
        ["line", "capture", "--line-id", "L1", "--capture-id", "k", "--hold-id", "h", "--amount", "NaN"],
        2,
        "--amount",
    ),
    (["line", "void", "--line-id", "L1", "--void-id", "v", "--hold-id", "h", "--on", "x"], 2, "--on"),
    # change / restructure / undo
    ([*CHANGE, "--action", "bogus"], 2, "--action"),
    ([*CHANGE, "--action", "limit", "--limit", "abc"], 2, "--limit"),
    ([*CHANGE, "--action", "limit"], 2, "--limit"),
    ([*RESTRUCTURE, "--kind", "nope"], 2, "--kind"),
    ([*RESTRUCTURE, "--kind", "term_extension", "--param", "noequals"], 2, "--param"),
    ([*RESTRUCTURE, "--kind", "term_extension", "--param", "periods=１２"], 2, "--param"),
    ([*RESTRUCTURE, "--kind", "term_extension", "--param", "periods=" + "9" * 30], 2, "--param"),
    ([*RESTRUCTURE, "--kind", "term_extension", "--param", "bogus=1"], 2, "--param"),
    (["line", "undo", "--line-id", "L1", "--undo-id", "u", "--request-id", "r", "--on", ""], 2, "--on"),
    # reads on a wrong directory
    (["line", "show", "--line-id", "L1", "--data-dir", "{N}"], 2, "--data-dir: no ledger"),
    (["line", "show", "--line-id", "L1", "--data-dir", "{F}"], 2, "--data-dir"),
    (["line", "statement", "--line-id", "L1"], 1, "no_statement"),
    # day-end
    (["day-end", "--date", "20240210"], 2, "--date: expected a date YYYY-MM-DD"),
    (["day-end", "--date", "0001-01-01"], 2, "--date"),
    (["day-end", "--date", "9999-12-31"], 2, "--date"),
    (["day-end", "--chunk", "0"], 2, "--chunk"),
    (["day-end", "--chunk", "9" * 30], 2, "--chunk"),
    (["day-end", "--data-dir", "{N}"], 2, "--data-dir: no ledger"),
    (["day-end", "--data-dir", "{S}"], 2, "simulation's ledger"),
    # journal
    (["journal", "export", "--format", "xml"], 2, "--format"),
    (["journal", "export", "--out", "{D}/ledger.sqlite"], 2, "--out"),
    (["journal", "export", "--out", "{D}/ledger.sqlite-wal", "--force"], 2, "--out"),
    (["journal", "export", "--out", "{D}/ledger.sqlite-shm", "--force"], 2, "--out"),
    (["journal", "export", "--out", "{D}"], 2, "--out"),
    (["journal", "export", "--out", "{F}"], 2, "--out: {F} exists; pass --force"),
    (["journal", "export", "--out", "/dev/null", "--force"], 2, "not a regular file"),
    (["journal", "export", "--out", "{F}/x.csv"], 2, "--out"),
    (["journal", "verify", "--data-dir", "{N}"], 2, "--data-dir: no ledger"),
    (["db", "status", "--data-dir", "{N}"], 2, "--data-dir"),
    # simulate / demo / compare-strategies
    ([*SIM, "--start", "0001-01-01", "--out", "{N}"], 2, "--start"),
    ([*SIM, "--start", "9999-12-01", "--out", "{N}"], 2, "--start"),
    ([*SIM, "--start", "20240101", "--out", "{N}"], 2, "--start"),
    ([*SIM, "--start", "2024-W01-1", "--out", "{N}"], 2, "--start"),
    ([*SIM, "--start", "", "--out", "{N}"], 2, "--start"),
    ([*SIM, "--out", "{D}"], 2, "--out"),
    ([*SIM, "--out", "{F}"], 2, "--out"),
    ([*SIM, "--workers", "0", "--out", "{N}"], 2, "--workers"),
    (["simulate", "--customers", "0", "--out", "{N}"], 2, "--customers"),
    (["simulate", "--months", "100000", "--out", "{N}"], 2, "--months"),
    (["simulate", "--seed", "-1", "--out", "{N}"], 2, "--seed"),
    (["simulate", "--scenario", "{F}", "--out", "{N}"], 2, "--scenario"),
    (["demo", "--start", "9999-12-01", "--data-dir", "{N}"], 2, "--start"),
    (["demo", "--start", "0001-01-01", "--data-dir", "{N}"], 2, "--start"),
    (["demo", "--customers", "5", "--months", "2", "--scenario", "baseline", "--data-dir", "{D}"], 2, "--data-dir"),
    (["compare-strategies", "--start", "0001-01-01", "--out", "{N}"], 2, "--start"),
    (
        ["compare-strategies", "--customers", "5", "--months", "2", "--scenario", "baseline", "--out", "{D}"],
        2,
        "--out",
    ),
    (["compare-strategies", "--strategy", "nope", "--out", "{N}"], 2, "--strategy"),
    # report
    (["report", "--data-dir", "{D}"], 2, "--data-dir"),
    (["report", "--data-dir", "{N}"], 2, "--data-dir"),
    (["report", "--data-dir", "{S}", "--out", "{D}/ledger.sqlite", "--force"], 2, "--out"),
    (["report", "--data-dir", "{S}", "--out", "{S}/summary.json", "--force"], 2, "input"),
    (["report", "--data-dir", "{S}", "--out", "{F}"], 2, "--force"),
    (["report", "--data-dir", "{S}", "--out", "/dev/null", "--force"], 2, "not a regular file"),
]

SERVICING = ("line", "day-end", "journal", "db")


def cl(*args: str) -> None:
    res = subprocess.run([sys.executable, "-m", "creditloop", *args], capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("templates")
    d = root / "D"
    cl("line", "open", "--line-id", "L1", "--customer-id", "C1", "--limit", "100.00", "--on", "2024-01-05",
       "--data-dir", str(d))  # fmt: skip
    cl("line", "purchase", "--line-id", "L1", "--purchase-id", "p1", "--amount", "10.00", "--on", "2024-01-06",
       "--data-dir", str(d))  # fmt: skip
    cl(*SIM, "--workers", "1", "--out", str(root / "S"))
    return root


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` by digest; a ledger by its logical content (its -wal/-shm are SQLite's own)."""
    seen: dict[str, str] = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_dir():
            seen[rel] = "dir"
        elif p.name.endswith(("-wal", "-shm")):
            continue
        elif p.name == "ledger.sqlite":
            with sqlite3.connect(p) as conn:
                seen[rel] = hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
            conn.close()
        else:
            seen[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return seen


def _id(case: tuple[list[str], int, str]) -> str:
    args = case[0]
    return " ".join(args[:2] if args[0] in ("line", "journal", "db") else args[:1]) + " " + repr(args[-1])[:24]


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_bad_input_is_refused_in_one_line_and_writes_nothing(
    case: tuple[list[str], int, str],
    templates: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args, code, needle = case
    shutil.copytree(templates, tmp_path, dirs_exist_ok=True)
    (tmp_path / "F").write_text("a plain file\n")
    places = {"{D}": str(tmp_path / "D"), "{S}": str(tmp_path / "S"), "{N}": str(tmp_path / "N" / "new")}
    places["{F}"] = str(tmp_path / "F")
    argv = [_fill(a, places) for a in args]
    if argv[0] in SERVICING and "--data-dir" not in argv:
        argv += ["--data-dir", places["{D}"]]
    monkeypatch.delenv("CREDITLOOP_DATABASE_URL", raising=False)
    monkeypatch.delenv("CREDITLOOP_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["creditloop", *argv])
    before = snapshot(tmp_path)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_:
        main.run()
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert exit_.value.code == code, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert _fill(needle, places) in lines[0]
    assert "Error:" not in lines[0] and "Traceback" not in err  # never a bare exception name
    assert snapshot(tmp_path) == before


def _fill(text: str, places: dict[str, str]) -> str:
    for key, value in places.items():
        text = text.replace(key, value)
    return text


def test_the_table_covers_every_command_family() -> None:
    first = {" ".join(a[:2]) if a[0] in ("line", "journal", "db") else a[0] for a, _c, _n in CASES}
    assert {"line open", "line purchase", "line repay", "line authorise", "day-end", "journal export", "simulate",
            "demo", "compare-strategies", "report"} <= first  # fmt: skip
    assert len(CASES) >= 106
