"""``creditloop credit-record furnish --on YYYY-MM --out FILE``: the month's reporting file from a ledger."""

from __future__ import annotations

from pathlib import Path

from ledger_cli import ok, refused

from creditloop.reporting.furnishing import RECORD_WIDTH


def test_furnish_a_charged_off_line_fixed_width_and_csv(tmp_path: Path) -> None:
    d = tmp_path / "ledger"
    ok(d, "line", "open", "--line-id", "L1", "--customer-id", "C1", "--limit", "5000.00", "--on", "2024-01-05")
    ok(d, "line", "purchase", "--line-id", "L1", "--amount", "1200.00", "--periods", "3", "--on", "2024-01-06")
    ok(d, "day-end", "--on", "2024-09-30")
    fixed, csv = tmp_path / "sep.txt", tmp_path / "may.csv"
    summary = ok(d, "credit-record", "furnish", "--on", "2024-09", "--out", str(fixed), "--json")
    assert summary == {
        "month": "2024-09", "records": 1, "out": str(fixed), "format": "fixed", "statuses": {"B": 1}, "notices": 1,
    }  # fmt: skip
    line = fixed.read_text(encoding="utf-8").splitlines()[0]
    assert len(line) == RECORD_WIDTH and line[87] == "B" and line[88:112] == "BB654321*" + "/" * 15
    assert ok(d, "credit-record", "furnish", "--on", "2024-05", "--out", str(csv), "--json")["notices"] == 0
    rows = csv.read_text(encoding="utf-8").splitlines()
    assert rows[1].startswith("L1,C1,2024-05,4,4321*")
    assert "--on" in refused(d, 2, "credit-record", "furnish", "--on", "2024-13", "--out", str(tmp_path / "x.csv"))
    assert "--out" in refused(d, 2, "credit-record", "furnish", "--on", "2024-05", "--out", str(csv))
    ok(d, "line", "open", "--line-id", "L2", "--customer-id", "C2", "--limit", "5000.00", "--on", "2024-09-01")
    ok(d, "line", "purchase", "--line-id", "L2", "--amount", "100.00", "--periods", "3", "--on", "2024-09-02")
    oct_ = tmp_path / "oct.csv"
    assert "month_not_closed" in refused(d, 1, "credit-record", "furnish", "--on", "2024-10", "--out", str(oct_))
    assert not oct_.exists()  # nothing written
