"""The review's ledger reproductions through the CLI (issue 11, items 2, 3, 5 and 8): exit codes and messages."""

from __future__ import annotations

from pathlib import Path

from ledger_cli import ok, refused


def repay(d: Path, line: str, pid: str, amount: str, on: str) -> list[str]:
    return ["line", "repay", "--line-id", line, "--payment-id", pid, "--amount", amount, "--on", on]


def test_a_bounced_overpayment_is_capped_held_until_cleared_and_always_reversible(tmp_path: Path) -> None:
    d = tmp_path / "ledger"
    ok(d, "line", "open", "--line-id", "L1", "--customer-id", "C1", "--limit", "100.00", "--on", "2024-03-01")
    ok(d, "line", "purchase", "--line-id", "L1", "--purchase-id", "b1", "--amount", "10.00", "--on", "2024-03-01")
    err = refused(d, 1, *repay(d, "L1", "p1", "999999.00", "2024-03-01"))
    assert "overpayment_exceeds_limit" in err
    ok(d, *repay(d, "L1", "p1", "110.00", "2024-03-01"))
    refund = ["line", "refund-credit", "--line-id", "L1", "--refund-id", "r1", "--amount", "100.00"]
    assert "credit_not_cleared" in refused(d, 1, *refund, "--on", "2024-03-02")
    ok(d, *refund, "--on", "2024-03-04")
    ok(d, "day-end", "--date", "2024-03-05")
    ok(d, "line", "reverse", "--line-id", "L1", "--reversal-id", "x1", "--payment-id", "p1", "--on", "2024-03-06")
    shown = ok(d, "line", "show", "--line-id", "L1", "--json")
    assert (shown["principal_minor"], shown["credit_balance_minor"]) == (11000, 0)
    assert "journal ok" in ok(d, "journal", "verify")


def test_client_ids_with_tilde_and_slash_do_not_poison_a_line(tmp_path: Path) -> None:
    d = tmp_path / "ledger"
    ok(d, "line", "open", "--line-id", "A", "--customer-id", "C1", "--limit", "500.00", "--on", "2024-03-01")
    ok(d, "line", "open", "--line-id", "A/pay", "--customer-id", "C2", "--limit", "500.00", "--on", "2024-03-01")
    ok(d, "line", "purchase", "--line-id", "A", "--purchase-id", "b1", "--amount", "100.00", "--on", "2024-03-01")
    ok(d, *repay(d, "A", "pay~x", "10.00", "2024-03-01"))
    ok(d, *repay(d, "A", "buy/p1", "10.00", "2024-03-01"))
    # Was: blocked by A's repayment buy/p1 (the same entry id).
    ok(d, "line", "purchase", "--line-id", "A/pay", "--purchase-id", "p1", "--amount", "50.00", "--on", "2024-03-01")
    ok(d, "day-end", "--date", "2024-03-03")
    # Was: ValueError: invalid literal for int(), and every later correction failed.
    ok(d, "line", "reverse", "--line-id", "A", "--reversal-id", "x~1", "--payment-id", "pay~x", "--on", "2024-03-04")
    ok(d, *repay(d, "A", "late", "5.00", "2024-03-02"))
    shown = ok(d, "line", "show", "--line-id", "A", "--json")
    assert shown["principal_minor"] == 10000 - 1000 - 500
    assert "journal ok" in ok(d, "journal", "verify")


def test_bad_ids_amounts_and_dates_exit_2_naming_the_field(tmp_path: Path) -> None:
    d = tmp_path / "ledger"
    ok(d, "line", "open", "--line-id", "L1", "--customer-id", "C1", "--limit", "100.00", "--on", "2024-03-01")
    err = refused(d, 2, *repay(d, "L1", "p" * 65, "1.00", "2024-03-01"))
    assert "payment_id" in err and "at most 64 characters" in err
    assert "control characters" in refused(d, 2, *repay(d, "L1", "p\x01", "1.00", "2024-03-01"))
    assert "whitespace" in refused(d, 2, *repay(d, "L1", "   ", "1.00", "2024-03-01"))
    err = refused(d, 2, *repay(d, "L1", "big", "10000000000000.00", "2024-03-01"))
    assert "--amount: at most 1000000000.00 yuan" in err  # the bound in yuan, as typed (was in fen)
    ok(d, *repay(d, "L1", "p1", "1.00", "2024-03-05"))
    err = refused(
        d, 2, "line", "reverse", "--line-id", "L1", "--reversal-id", "x1", "--payment-id", "p1", "--on", "2024-03-04"
    )
    assert "before the payment's value date" in err
    hold = ["line", "authorise", "--line-id", "L1", "--hold-id", "h1", "--amount", "1.00", "--on", "2024-03-05"]
    assert "--expires" in refused(d, 2, *hold, "--expires", "9999-12-31")
    assert "journal ok" in ok(d, "journal", "verify")
