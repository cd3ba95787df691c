"""``creditloop checkout check|buy|remind`` on one ledger, as a user runs them (the logic is tested in process:
tests/integration/test_checkout.py)."""

from __future__ import annotations

from pathlib import Path

from ledger_cli import ok, refused

MEANS = ("--income", "8000.00", "--living-costs", "5000.00")
K2 = ("checkout", "buy", "--checkout-id", "K2", "--line-id", "L1", "--amount", "6000.00", "--periods", "6", *MEANS)


def test_check_then_buy_with_a_nudge_and_a_cool_off(tmp_path: Path) -> None:
    d = tmp_path / "ledger"
    ok(d, "line", "open", "--line-id", "L1", "--customer-id", "C1", "--limit", "50000.00", "--on", "2024-01-05")
    shown = ok(d, "checkout", "check", "--line-id", "L1", "--amount", "3000.00", "--periods", "6", *MEANS, "--on",
               "2024-01-06", "--lang", "zh")  # fmt: skip
    assert "折合年化利率12.76%" in shown and "罚息¥7.79" in shown and "preview" in shown
    first = ok(d, "checkout", "buy", "--checkout-id", "K1", "--line-id", "L1", "--amount", "3000.00", "--periods",
               "6", *MEANS, "--on", "2024-01-06", "--at", "2024-01-06T10:00:00+08:00", "--json")  # fmt: skip
    assert (first["status"], first["reminders"]) == ("purchased", ["2024-02-07", "2024-02-09"])
    cool = ok(d, *K2, "--on", "2024-01-06", "--at", "2024-01-06T10:00:00+08:00", "--confirm", "--json")
    assert (cool["status"], cool["confirm_after"]) == ("cooling_off", "2024-01-07T02:00:00+00:00")
    later = ok(d, *K2, "--on", "2024-01-06", "--at", "2024-01-07T10:00:00+08:00", "--confirm", "--json")
    assert later["status"] == "purchased" and later["outcome"] == "cool_off"
    err = refused(d, 2, "checkout", "buy", "--line-id", "L1", "--amount", "10.00", "--periods", "6", "--income",
                  "-5", "--living-costs", "0", "--on", "2024-01-06")  # fmt: skip
    assert err.startswith("error: --income")
    assert ok(d, "checkout", "remind", "--line-id", "L1", "--on", "2024-01-06", "--json")["reminders"] == []
