"""Servicing through the CLI: open, buy, day-end, repay, back-dated payment, restructure, journal checks."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from ledger_cli import cl, ok


def test_a_line_from_opening_to_restructure(tmp_path: Path) -> None:
    d = tmp_path / "ledger"
    ok(d, "line", "open", "--line-id", "L1", "--customer-id", "C1", "--limit", "350.00", "--on", "2024-01-05")
    plan = ok(
        d,
        "line",
        "purchase",
        "--line-id",
        "L1",
        "--purchase-id",
        "laptop",
        "--amount",
        "300.00",
        "--periods",
        "12",
        "--on",
        "2024-01-06",
        "--json",
    )
    assert [r["principal_minor"] + r["fee_minor"] for r in plan["installments"]] == [2680] * 12
    ok(d, "day-end", "--date", "2024-02-09")
    statement = ok(d, "line", "statement", "--line-id", "L1", "--json")
    assert (statement["due_on"], statement["total_due_minor"]) == ("2024-02-10", 2680)
    ok(d, "day-end", "--date", "2024-02-20")
    late = ok(d, "line", "show", "--line-id", "L1", "--json")
    assert (late["dpd"], late["penalty_minor"]) == (10, 13)  # 10 days × 1.34 fen = 13.4
    # The payment was made on the due date; the bank file arrives late: history is re-derived.
    paid = ok(
        d, "line", "repay", "--line-id", "L1", "--payment-id", "p1", "--amount", "26.80", "--on", "2024-02-10", "--json"
    )
    assert paid["allocation"] == [["DUE_FEE", 180], ["DUE_PRINCIPAL", 2500]]
    fixed = ok(d, "line", "show", "--line-id", "L1", "--json")
    assert (fixed["dpd"], fixed["penalty_minor"], fixed["open_to_buy_minor"]) == (0, 0, 7500)
    verify = ok(d, "journal", "verify", "--json")
    assert verify == {
        "ok": True,
        "trial_balance_minor": 0,
        "running_totals_equal_postings": True,
        "control_equals_sub_ledger": True,
        "lines_mismatched": [],
    }
    exported = list(csv.DictReader(io.StringIO(ok(d, "journal", "export"))))
    assert sum(int(r["amount_minor"]) * (1 if r["side"] == "D" else -1) for r in exported) == 0
    assert sum(1 for r in exported if r["code"] == "REVERSAL") == 20  # 10 penalty days, two legs each

    ok(d, "day-end", "--date", "2024-05-20")
    preview = ok(
        d,
        "line",
        "restructure",
        "--line-id",
        "L1",
        "--request-id",
        "h1",
        "--kind",
        "term_extension",
        "--param",
        "periods=12",
        "--preview",
        "--on",
        "2024-05-21",
        "--json",
    )
    assert preview["preview"] is True and preview["dpd_after"] == 0
    assert ok(d, "line", "show", "--line-id", "L1", "--json")["dpd"] == 71  # the preview changed nothing
    ok(
        d,
        "line",
        "restructure",
        "--line-id",
        "L1",
        "--request-id",
        "h1",
        "--kind",
        "term_extension",
        "--param",
        "periods=12",
        "--on",
        "2024-05-21",
    )
    after = ok(d, "line", "show", "--line-id", "L1", "--json")
    assert (after["dpd"], after["status"], after["restructured_on"]) == (0, "FROZEN", "2024-05-21")


def test_refusals_are_one_line_with_the_right_exit_code(tmp_path: Path) -> None:
    d = tmp_path / "ledger"
    ok(d, "line", "open", "--line-id", "L1", "--customer-id", "C1", "--limit", "100.00", "--on", "2024-01-05")
    cases = [
        (
            ("line", "purchase", "--line-id", "L1", "--purchase-id", "x", "--amount", "100.01", "--on", "2024-01-06"),
            1,
            "insufficient_open_to_buy",
        ),
        (
            ("line", "purchase", "--line-id", "NOPE", "--purchase-id", "x", "--amount", "1.00", "--on", "2024-01-06"),
            1,
            "not_found",
        ),
        (
            ("line", "purchase", "--line-id", "L1", "--purchase-id", "x", "--amount", "0", "--on", "2024-01-06"),
            2,
            "--amount",
        ),
        (
            ("line", "purchase", "--line-id", "L1", "--purchase-id", "x", "--amount", "1.001", "--on", "2024-01-06"),
            2,
            "--amount",
        ),
        (
            ("line", "purchase", "--line-id", "L1", "--purchase-id", "x", "--amount", "1.00", "--on", "2023-12-31"),
            2,
            "before the line opened",
        ),
        (
            ("line", "purchase", "--line-id", "L1", "--purchase-id", "x", "--amount", "1.00", "--on", "2024-02-30"),
            2,
            "--on",
        ),
        (
            (
                "line",
                "purchase",
                "--line-id",
                "L1",
                "--purchase-id",
                "x",
                "--amount",
                "1.00",
                "--periods",
                "24",
                "--on",
                "2024-01-06",
            ),
            2,
            "periods",
        ),
    ]
    for args, code, needle in cases:
        res = cl(d, *args)
        assert res.returncode == code, (args, res.stderr)
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0] and "Traceback" not in res.stderr, (args, res.stderr)
    ok(d, "line", "purchase", "--line-id", "L1", "--purchase-id", "x", "--amount", "50.00", "--on", "2024-01-06")
    res = cl(d, "line", "purchase", "--line-id", "L1", "--purchase-id", "x", "--amount", "60.00", "--on", "2024-01-06")
    assert res.returncode == 1 and "idempotency_conflict" in res.stderr
    assert ok(d, "journal", "verify", "--json")["ok"] is True  # nothing half-written


def test_guards_on_dates_ledgers_and_help(tmp_path: Path) -> None:
    d = tmp_path / "ledger"
    ok(d, "line", "open", "--line-id", "L1", "--customer-id", "C1", "--limit", "100.00", "--on", "2024-01-05")
    future = cl(d, "line", "repay", "--line-id", "L1", "--payment-id", "p", "--amount", "1.00", "--on", "2999-01-01")
    assert future.returncode == 2 and "in the future" in future.stderr
    demo = subprocess.run(
        [
            sys.executable,
            "-m",
            "creditloop",
            "demo",
            "--customers",
            "10",
            "--months",
            "2",
            "--scenario",
            "baseline",
            "--data-dir",
            str(d),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert demo.returncode == 2 and "not a simulation's" in demo.stderr
    assert ok(d, "line", "show", "--line-id", "L1", "--json")["limit_minor"] == 10_000  # the ledger survived
    missing = cl(tmp_path / "typo", "line", "show", "--line-id", "L1")
    assert missing.returncode == 2 and "no ledger" in missing.stderr and not (tmp_path / "typo").exists()
    for group in (
        ["line"],
        ["line", "repay"],
        ["line", "restructure"],
        ["journal"],
        ["journal", "verify"],
        ["day-end"],
        ["schedule"],
        ["apr"],
        ["disclose"],
    ):
        res = subprocess.run(
            [sys.executable, "-m", "creditloop", *group, "--help"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert res.returncode == 0 and "Usage" in res.stdout, group


def test_apr_accepts_the_official_eu_cases_as_they_stand_and_refuses_absurd_rates(tmp_path: Path) -> None:
    vectors = Path(__file__).resolve().parents[1] / "data" / "apr.json"  # sources: tests/data/README.md
    cases = json.loads(vectors.read_text())["eu_aprc"]["cases"]
    for case in cases:
        path = tmp_path / f"{case['id']}.json"
        path.write_text(json.dumps(case))
        res = subprocess.run(
            [sys.executable, "-m", "creditloop", "apr", "--regime", "eu", "--input", str(path), "--json"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert res.returncode == 0, res.stderr
        assert json.loads(res.stdout)["headline_percent"] == case["expected_aprc_percent"]
    absurd = tmp_path / "absurd.json"
    absurd.write_text(
        json.dumps(
            {
                "advances": [{"date": "2024-01-01", "amount": "1.00"}],
                "payments": [{"date": "2024-01-02", "amount": "2.00"}],
            }
        )
    )
    res = subprocess.run(
        [sys.executable, "-m", "creditloop", "apr", "--regime", "pboc", "--input", str(absurd)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert res.returncode == 1 and "rate_out_of_range" in res.stderr and "Traceback" not in res.stderr
