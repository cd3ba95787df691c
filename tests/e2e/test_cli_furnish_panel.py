"""``credit-record furnish --from-panel``: the month read from the stored day-end panel writes the same file as the
per-account path (a ledger whose day-end ran from its first day) — April rolled from March's kept grid —, and a month
not stored is refused (exit 1)."""

from __future__ import annotations

from pathlib import Path

from ledger_cli import ok, refused

OPENED = "2024-01-05"


def test_the_stored_panel_file_is_the_per_account_file(tmp_path: Path) -> None:
    d = tmp_path / "ledger"
    for i in (1, 2):
        ok(d, "line", "open", "--line-id", f"L{i}", "--customer-id", f"C{i}", "--limit", "5000.00", "--on", OPENED)
    ok(d, "day-end", "--on", "2024-01-05")
    ok(d, "line", "purchase", "--line-id", "L1", "--amount", "1200.00", "--periods", "3", "--on", "2024-01-06")
    ok(d, "line", "purchase", "--line-id", "L2", "--amount", "300.00", "--periods", "1", "--on", "2024-01-06")
    ok(d, "day-end", "--on", "2024-02-09")
    ok(d, "line", "repay", "--line-id", "L2", "--amount", "300.00", "--on", "2024-02-09")
    ok(d, "day-end", "--on", "2024-03-31")
    ok(d, "credit-record", "furnish", "--on", "2024-03", "--out", str(tmp_path / "m.csv"), "--from-panel")
    ok(d, "day-end", "--on", "2024-04-30")
    ok(d, "credit-record", "furnish", "--on", "2024-04", "--out", str(tmp_path / "a.csv"))
    got = ok(d, "credit-record", "furnish", "--on", "2024-04", "--out", str(tmp_path / "b.csv"), "--from-panel",
             "--json")  # fmt: skip
    assert got["records"] == 2 and (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()
    assert got["rolled"] and (d / "furnished" / "furnished-2024-04.parquet").exists()  # rolled from March's grid
    err = refused(d, 1, "credit-record", "furnish", "--on", "2024-05", "--out", str(tmp_path / "c.csv"),
                  "--from-panel")  # fmt: skip
    assert "month_not_stored" in err or "not stored" in err
