"""``creditloop credit-record dispute file|resolve``, ``disputes --overdue``, ``statement add`` and ``report``: one
ledger, as a user would run them (the logic is tested in process: tests/integration/test_credit_disputes_bus.py)."""

from __future__ import annotations

from pathlib import Path

from ledger_cli import ok, refused


def test_a_dispute_from_filing_to_the_corrected_report(tmp_path: Path) -> None:
    d = tmp_path / "ledger"
    ok(d, "line", "open", "--line-id", "L1", "--customer-id", "C1", "--limit", "5000.00", "--on", "2024-01-05")
    ok(d, "line", "purchase", "--line-id", "L1", "--amount", "1200.00", "--periods", "6", "--on", "2024-01-06")
    ok(d, "day-end", "--on", "2024-04-30")
    filed = ok(d, "credit-record", "dispute", "file", "--id", "D1", "--line", "L1", "--month", "2024-02",
               "--field", "status", "--claim", "I paid", "--consent", "--on", "2024-03-05", "--json")  # fmt: skip
    assert (filed["due_on"], filed["status"], filed["holds_collections"]) == ("2024-03-25", "open", False)
    assert "claim" not in filed  # never printed back
    late = ok(d, "credit-record", "disputes", "--overdue", "--on", "2024-03-26", "--json")
    assert [(r["dispute_id"], r["days_left"]) for r in late["disputes"]] == [("D1", -1)]
    err = refused(d, 2, "credit-record", "dispute", "resolve", "--id", "D1", "--outcome", "withdrawn", "--on",
                  "2024-03-26")  # fmt: skip
    assert err.startswith("error: --outcome:")
    reply = ok(d, "credit-record", "dispute", "resolve", "--id", "D1", "--outcome", "corrected", "--value", "N",
               "--on", "2024-03-26", "--lang", "en")  # fmt: skip
    assert "corrected it to N (normal)" in reply
    assert refused(d, 2, "credit-record", "dispute", "resolve", "--id", "D1", "--outcome", "confirmed", "--on",
                   "2024-03-27").startswith("error: --id:")  # fmt: skip  # closing twice
    assert "--month" in refused(d, 2, "credit-record", "dispute", "file", "--id", "D2", "--line", "L1", "--month",
                                "2023-12", "--field", "status", "--on", "2024-03-05")  # fmt: skip
    ok(d, "credit-record", "statement", "add", "--id", "S1", "--customer-id", "C1", "--text", "住院期间逾期",
       "--on", "2024-04-02")  # fmt: skip
    report = ok(d, "credit-record", "report", "--customer-id", "C1", "--on", "2024-03", "--json")
    line = report["lines"][0]
    assert line["grid"].startswith("2N*") and line["marks"] == ["dispute_closed"]
    assert report["statements"][0]["text"] == "住院期间逾期"
    text = ok(d, "credit-record", "report", "--customer-id", "C1", "--on", "2024-03", "--lang", "zh")
    assert "C1的信用报告（2024-03）" in text and "异议已办结" in text and "个人声明" in text
