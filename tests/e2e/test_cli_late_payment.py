"""A late payment that history cannot absorb is booked on the book's open date, never refused (issue 11: seed
5009 of the 10^6-operation fault run), through the CLI and the SQL ledger."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from creditloop.entrypoints.cli.main import app


def ok(*args: str) -> Any:
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == 0, (res.stdout, res.stderr)
    return json.loads(res.stdout) if "--json" in args else res.stdout


def test_a_late_payment_before_a_term_extension_is_booked_on_the_open_date(tmp_path: Path) -> None:
    d = ["--data-dir", str(tmp_path / "ledger")]
    ok("line", "open", "--line-id", "L1", "--customer-id", "C1", "--limit", "500", "--on", "2024-01-05", *d)
    ok("line", "purchase", "--line-id", "L1", "--amount", "100", "--purchase-id", "b1", "--on", "2024-01-06", *d)
    ok("day-end", "--on", "2024-03-20", *d)
    ok("line", "restructure", "--line-id", "L1", "--kind", "term_extension", "--request-id", "h1",
       "--param", "periods=6", "--on", "2024-03-21", *d)  # fmt: skip
    ok("day-end", "--on", "2024-03-25", *d)  # the line has nothing due: day-end skips it
    args = ("line", "repay", "--line-id", "L1", "--amount", "100", "--payment-id", "p1", "--on", "2024-02-10", *d)
    paid = ok(*args, "--json")
    # Booked on the book's open date (the day after the last day-end), not inside closed days.
    assert (paid["paid_on"], paid["value_on"], paid["amount_minor"]) == ("2024-03-26", "2024-02-10", 10000)
    assert sum(a for _, a in paid["allocation"]) + paid["to_credit_balance_minor"] == 10000
    assert "Booked on the open date 2024-03-26" in ok(*args)  # a retry: the same answer, nothing booked twice
    assert "journal ok" in ok("journal", "verify", *d)
    rows = [r for r in ok("journal", "export", *d).splitlines() if r.startswith("L1/pay/p1,")]
    assert len(rows) == 2 and all(",2024-03-26," in r for r in rows)
