"""``creditloop line restructure`` end to end (issue 15): the issue's penalty waiver at 40 DPD on a 3-period line,
a settlement offered and paid, and bad input refused in one line with the right exit code."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from ledger_cli import cl, ok


def restructure(d: Path, rid: str, kind: str, on: str, *params: str) -> subprocess.CompletedProcess[str]:
    extra = [a for p in params for a in ("--param", p)]
    return cl(
        d, "line", "restructure", "--line-id", "L1", "--request-id", rid, "--kind", kind, *extra, "--on", on, "--json"
    )


def test_the_issue_penalty_waiver_and_a_settlement_through_the_cli(tmp_path: Path) -> None:
    d = tmp_path / "ledger"
    ok(d, "line", "open", "--line-id", "L1", "--customer-id", "C1", "--limit", "5000.00", "--on", "2024-01-05")
    ok(d, "line", "purchase", "--line-id", "L1", "--purchase-id", "b", "--amount", "1000.00", "--periods", "3",
       "--on", "2024-01-06")  # fmt: skip
    ok(d, "day-end", "--on", "2024-03-21")
    waived = restructure(d, "w", "penalty_waiver", "2024-03-22")
    assert waived.returncode == 0, waived.stderr  # was: pricing_cap_exceeded 40.03%
    doc = json.loads(waived.stdout)
    assert (doc["concession_minor"], doc["disclosure"], doc["total_after_minor"]) == (867, None, 102_100)
    shown = ok(d, "line", "show", "--line-id", "L1", "--json")
    assert (shown["penalty_minor"], shown["dpd"]) == (0, 40)

    ok(d, "day-end", "--on", "2024-05-20")  # 100 DPD: a settlement may be offered
    offered = restructure(d, "s", "settlement", "2024-05-21", "amount_minor=60000", "due_on=2024-06-20")
    assert offered.returncode == 0, offered.stderr
    doc = json.loads(offered.stdout)
    assert doc["total_after_minor"] == 60_000 and doc["discount_minor"] > 40_000
    shown = cl(d, "line", "show", "--line-id", "L1", "--lang", "zh")
    assert "和解还款" in shown.stdout and "2024-06-20 前还 600.00" in shown.stdout, shown.stdout
    ok(d, "line", "repay", "--line-id", "L1", "--payment-id", "p1", "--amount", "600.00", "--on", "2024-05-25")
    closed = ok(d, "line", "show", "--line-id", "L1", "--json")
    assert closed["status"] == "CLOSED"
    assert {k: closed["settlement"][k] for k in ("request_id", "status", "paid_minor", "closed_on")} == {
        "request_id": "s", "status": "settled", "paid_minor": 60_000, "closed_on": "2024-05-25"
    }  # fmt: skip
    # forgiven at payment: the offer's discount plus the penalty that accrued in the four days since
    assert closed["settlement"]["forgiven_minor"] > doc["discount_minor"]
    assert "forgiven" in cl(d, "line", "show", "--line-id", "L1").stdout
    assert ok(d, "journal", "verify", "--json")["ok"] is True


def test_bad_restructure_input_is_one_line_with_the_right_exit_code(tmp_path: Path) -> None:
    d = tmp_path / "ledger"
    ok(d, "line", "open", "--line-id", "L1", "--customer-id", "C1", "--limit", "5000.00", "--on", "2024-01-05")
    ok(d, "line", "purchase", "--line-id", "L1", "--purchase-id", "b", "--amount", "1000.00", "--periods", "3",
       "--on", "2024-01-06")  # fmt: skip
    cases = [
        (("bogus", "2024-01-07"), 2, "error: --kind: kind must be one of"),
        (("term_extension", "2024-01-07", "periods=0"), 2, "error: --param: periods must be an integer between 1"),
        (("settlement", "2024-01-07", "amount_minor=100"), 2, "error: --param: settlement needs due_on"),
        (("penalty_waiver", "2024-01-07"), 1, "error: nothing_to_concede: penalty_minor: no accrued penalty"),
        (("settlement", "2024-01-07", "amount_minor=100", "due_on=2024-02-01"), 1, "error: settlement_not_eligible"),
    ]
    for (kind, on, *params), code, message in cases:
        res = restructure(d, "r", kind, on, *params)
        assert res.returncode == code, (kind, res.stderr)
        assert res.stderr.startswith(message) and res.stderr.count("\n") == 1, res.stderr
        assert "Traceback" not in res.stderr and res.stdout == ""
    assert ok(d, "line", "show", "--line-id", "L1", "--json")["restructured_on"] is None  # nothing written
