"""The CLI behaves the same everywhere (issue 12, items 4 and 6; issue 11, item 3): --version, --json on every
command, generated operation ids, --data-dir/--out and --on/--date aliases, --lang zh headers, progress kept
off stdout, amounts in messages in yuan, and the reversal saying what it did."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from creditloop import __version__
from creditloop.entrypoints.cli.main import app

CLI_DIR = Path(__file__).resolve().parents[2] / "src" / "creditloop" / "entrypoints" / "cli"


def cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def ok(*args: str) -> Any:
    res = cli(*args)
    assert res.exit_code == 0, (res.stdout, res.stderr)
    return json.loads(res.stdout) if "--json" in args else res.stdout


def opened(tmp_path: Path) -> list[str]:
    d = ["--data-dir", str(tmp_path / "ledger")]
    ok("line", "open", "--line-id", "L1", "--customer-id", "C1", "--limit", "100.00", "--on", "2024-03-01", *d)
    return d


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            found += _commands(command, (*path, name))
        else:
            found.append(((*path, name), command))
    return found


def test_version_flag_and_command() -> None:
    assert ok("--version").strip() == __version__
    assert ok("version", "--json") == {"version": __version__}


def test_every_command_takes_json() -> None:
    root = typer.main.get_command(app)
    commands = _commands(root)
    assert len(commands) >= 25
    missing = [" ".join(p) for p, cmd in commands if not any("--json" in prm.opts for prm in cmd.params)]
    assert missing == []


def test_every_servicing_command_prints_parseable_json(tmp_path: Path) -> None:
    d = opened(tmp_path)
    line = ["--line-id", "L1", *d]
    hold = ok("line", "authorise", *line, "--hold-id", "h1", "--amount", "5.00", "--expires", "2024-03-09",
              "--on", "2024-03-01", "--json")  # fmt: skip
    assert hold["operation_id"] == "h1" and hold["remaining_minor"] == 500
    assert ok("line", "void", *line, "--hold-id", "h1", "--on", "2024-03-01", "--json")["voided"] is True
    plan = ok("line", "purchase", *line, "--purchase-id", "b1", "--amount", "30.00", "--on", "2024-03-01", "--json")
    assert plan["installments"][0]["principal_minor"] == 3000
    refund = ok("line", "refund", *line, "--purchase-id", "b1", "--amount", "5.00", "--on", "2024-03-01", "--json")
    assert refund["purchase_id"] == "b1"
    ok("line", "repay", *line, "--payment-id", "p1", "--amount", "10.00", "--on", "2024-03-02", "--json")
    change = ok("line", "change", *line, "--action", "limit", "--limit", "200.00", "--on", "2024-03-02", "--json")
    assert change["limit_minor"] == 20000
    closed = ok("day-end", *d, "--on", "2024-03-05", "--json")
    assert closed["business_dates"][-1] == "2024-03-05" and closed["reconciliation"]["ok"] is True
    assert ok("line", "show", *line, "--json")["limit_minor"] == 20000
    assert ok("journal", "verify", *d, "--json")["ok"] is True
    assert ok("db", "status", *d, "--json")["up_to_date"] is True
    exported = cli("journal", "export", *d, "--json")  # JSON lines: one object per posting
    assert exported.exit_code == 0, exported.stderr
    rows = [json.loads(r) for r in exported.stdout.splitlines()]
    assert rows and all(set(r) >= {"entry_id", "amount_minor"} for r in rows)
    written = ok("journal", "export", *d, "--out", str(tmp_path / "j.csv"), "--json")
    assert written["rows"] == len(rows) and written["format"] == "csv"


def test_an_omitted_operation_id_is_generated_printed_and_reusable(tmp_path: Path) -> None:
    d = opened(tmp_path)
    ok("line", "purchase", "--line-id", "L1", "--amount", "30.00", "--on", "2024-03-01", *d)
    text = ok("line", "repay", "--line-id", "L1", "--amount", "10.00", "--on", "2024-03-02", *d)
    op_id = text.split("operation id ", 1)[1].split()[0]
    assert op_id.startswith("payment-") and f"retry with --payment-id {op_id}" in text
    first = ok("line", "show", "--line-id", "L1", *d, "--json")
    retry = ["line", "repay", "--line-id", "L1", "--payment-id", op_id, "--amount", "10.00", *d, "--json"]
    assert ok(*retry)["operation_id"] == op_id  # the same request: its recorded date, nothing new booked
    assert ok("line", "show", "--line-id", "L1", *d, "--json")["events"] == first["events"]
    again = ok("line", "repay", "--line-id", "L1", "--amount", "1.00", "--on", "2024-03-02", *d, "--json")
    assert again["operation_id"].startswith("payment-") and again["operation_id"] != op_id


def test_the_reversal_says_it_was_booked_as_a_returned_payment(tmp_path: Path) -> None:
    """Was: "Reversed p1" although the payment stayed in history and a returned payment was booked."""
    d = opened(tmp_path)
    line = ["--line-id", "L1", *d]
    ok("line", "purchase", *line, "--purchase-id", "b1", "--amount", "10.00", "--on", "2024-03-01")
    ok("line", "repay", *line, "--payment-id", "p1", "--amount", "110.00", "--on", "2024-03-01")
    ok("line", "refund-credit", *line, "--refund-id", "r1", "--amount", "100.00", "--on", "2024-03-04")
    ok("day-end", *d, "--on", "2024-03-05")
    reverse = ["line", "reverse", *line, "--reversal-id", "x1", "--payment-id", "p1", "--on", "2024-03-06"]
    text = ok(*reverse)
    assert "Reversed" not in text
    assert "a returned payment was booked on 2024-03-06" in text and "110.00 yuan is owed again" in text
    assert "记入退票" in text
    result = ok(*reverse, "--json")  # a retry: the same answer
    assert (result["kind"], result["amount_minor"], result["booked_on"]) == ("returned", 11000, "2024-03-06")


def test_a_re_derived_reversal_says_so(tmp_path: Path) -> None:
    d = opened(tmp_path)
    line = ["--line-id", "L1", *d]
    ok("line", "purchase", *line, "--purchase-id", "b1", "--amount", "10.00", "--on", "2024-03-01")
    ok("line", "repay", *line, "--payment-id", "p1", "--amount", "6.00", "--on", "2024-03-02")
    text = ok("line", "reverse", *line, "--reversal-id", "x1", "--payment-id", "p1", "--on", "2024-03-03")
    assert "Reversed payment p1 (6.00 yuan); history re-derived from 2024-03-03" in text
    assert "已撤销还款 p1" in text


def test_amounts_in_messages_are_yuan(tmp_path: Path) -> None:
    d = opened(tmp_path)
    res = cli("line", "purchase", "--line-id", "L1", "--purchase-id", "b", "--amount", "500.00", "--on", "2024-03-01",
              *d)  # fmt: skip
    assert res.exit_code == 1
    assert "insufficient_open_to_buy: amount 500.00 exceeds open-to-buy 100.00" in res.stderr
    res = cli("line", "repay", "--line-id", "L1", "--payment-id", "p", "--amount", "10000000000000.00", *d)
    assert res.exit_code == 2 and "--amount: at most 1000000000.00 yuan" in res.stderr


def test_lang_zh_prints_chinese_headers(tmp_path: Path) -> None:
    d = opened(tmp_path)
    ok("line", "purchase", "--line-id", "L1", "--purchase-id", "b1", "--amount", "30.00", "--on", "2024-03-01", *d)
    zh = ok("line", "show", "--line-id", "L1", *d, "--lang", "zh")
    assert "还款计划" in zh and "本金" in zh and "可用额度" in zh and "到期日" in zh
    en = ok("line", "show", "--line-id", "L1", *d)
    assert "schedule" in en and "本金" not in en
    res = cli("line", "show", "--line-id", "L1", *d, "--lang", "fr")
    assert res.exit_code == 2 and "--lang: must be en or zh" in res.stderr


def test_day_end_date_alias_and_both_names_refused(tmp_path: Path) -> None:
    d = opened(tmp_path)
    assert ok("day-end", *d, "--date", "2024-03-02", "--json")["business_dates"] == ["2024-03-02"]
    res = cli("day-end", *d, "--date", "2024-03-03", "--on", "2024-03-03")
    assert res.exit_code == 2 and "--date is another name for --on" in res.stderr
    res = cli("day-end", *d, "--date", "20240303")
    assert res.exit_code == 2 and "--date: expected a date YYYY-MM-DD" in res.stderr


@pytest.mark.parametrize("command", ["simulate", "compare-strategies"])
def test_out_is_another_name_for_data_dir(tmp_path: Path, command: str) -> None:
    res = cli(command, "--out", str(tmp_path / "a"), "--data-dir", str(tmp_path / "b"))
    assert res.exit_code == 2 and "--out is another name for --data-dir" in res.stderr
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("x")
    for option in ("--out", "--data-dir"):
        res = cli(
            command, option, str(tmp_path / "full"), "--customers", "5", "--months", "2", "--scenario", "baseline"
        )
        assert res.exit_code == 2 and res.stderr.startswith(f"error: {option}: ")


def test_simulate_into_data_dir(tmp_path: Path) -> None:
    summary = ok("simulate", "--customers", "5", "--months", "2", "--workers", "1", "--data-dir",
                 str(tmp_path / "s"), "--json")  # fmt: skip
    assert summary["customers"] == 5 and summary["data_dir"] == str((tmp_path / "s").resolve())


def test_progress_stays_off_stdout_with_json(tmp_path: Path) -> None:
    d = opened(tmp_path)
    ok("day-end", *d, "--on", "2024-03-01")  # the first day-end closes one date; the next one each date since
    res = subprocess.run(
        [sys.executable, "-m", "creditloop", "day-end", "--on", "2024-03-20", "--json", *d],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert len(json.loads(res.stdout)["business_dates"]) == 19  # stdout is exactly one JSON document
    assert "day-end" in res.stderr and "19/19" in res.stderr  # the progress, with its known total, on stderr


def test_no_cli_module_imports_main_and_none_is_too_long() -> None:
    for path in CLI_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 600, path.name
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = {a.name for a in node.names}
                assert node.module != "creditloop.entrypoints.cli.main", path.name
                assert not (node.module == "creditloop.entrypoints.cli" and "main" in names), path.name
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and path.name != "scoring_cli.py":
                assert (node.end_lineno or 0) - node.lineno < 70, f"{path.name}:{node.name}"
