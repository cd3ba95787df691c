"""Every bounced payment is reversible (issue 11, item 2): overpayment cap, clearing period, returned payments."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from creditloop.core.errors import DomainError, ValidationError
from creditloop.ledger import Account, EntryCode, InMemoryJournal, trial_balance
from creditloop.ledger.journal import line_balances
from creditloop.products.terms import default_product
from creditloop.servicing import commands
from creditloop.servicing.credit_line import CreditLine, LineStatus

D = date(2026, 11, 1)


def day(n: int) -> date:
    return D + timedelta(days=n)


def books(line: CreditLine, journal: InMemoryJournal) -> dict[Account, int]:
    journal.append(line.drain_entries())
    tb = trial_balance(journal.entries())
    assert sum(tb.values()) == 0
    sub = line_balances(journal.entries()).get(line.line_id, {})
    for account, amount in line.sub_ledger().items():
        assert sub.get(account, 0) == amount
    return tb


def line_with_purchase() -> tuple[CreditLine, InMemoryJournal]:
    line = CreditLine.open("L1", "C1", default_product(), 10000, D)  # 100.00
    line.purchase("b1", 1000, 1, D)  # 10.00
    return line, InMemoryJournal()


def test_an_overpayment_may_exceed_what_is_owed_by_at_most_the_limit() -> None:
    line, _ = line_with_purchase()
    with pytest.raises(DomainError, match="an overpayment may be at most the credit limit") as err:
        line.repay("p1", 99_999_900, D)  # the review's 999,999.00 on a 100.00 line
    assert err.value.code == "overpayment_exceeds_limit"
    assert line.events == [e for e in line.events if e["kind"] == "purchase"]  # nothing recorded
    line.repay("p1", 11000, D)  # owed 10.00 + the limit 100.00
    assert line.credit_balance_minor == 10000
    with pytest.raises(DomainError) as again:
        line.repay("p2", 1, D)  # credit already held counts against the cap
    assert again.value.code == "overpayment_exceeds_limit"
    line.repay("p1", 11000, D)  # a retry is still a retry


def test_credit_from_a_payment_is_refunded_only_once_it_has_cleared() -> None:
    line, _ = line_with_purchase()
    line.repay("p1", 11000, D)
    for n in (0, 1, 2):
        with pytest.raises(DomainError, match="payment_clearing_days") as err:
            line.refund_credit_balance(f"r{n}", 10000, day(n))
        assert err.value.code == "credit_not_cleared"
    line.refund_credit_balance("r3", 10000, day(3))  # three days later it has cleared
    assert line.credit_balance_minor == 0


def test_reversing_a_payment_whose_credit_was_refunded_leaves_a_returned_payment_receivable() -> None:
    """Was: correction_conflict, and the book kept money that never arrived."""
    line, journal = line_with_purchase()
    line.repay("p1", 11000, D)
    line.refund_credit_balance("r1", 10000, day(3))
    line.close_through(day(4))
    books(line, journal)
    line.reverse_payment("x1", "p1", day(5), posted=list(journal.entries()))
    tb = books(line, journal)
    # The 10.00 purchase and the 100.00 paid out are owed again, at once; no cash arrived in the end.
    assert line.principal_minor == 11000 and line.credit_balance_minor == 0
    assert tb.get(Account.CASH_CLEARING, 0) == -10000  # only the refund paid out
    returned = [p for p in line.plans if p.kind == "returned_payment"]
    assert [(p.principal_minor, p.installments[0].due_on) for p in returned] == [(11000, day(5))]
    entry = next(e for e in journal.entries() if e.code is EntryCode.RETURNED_PAYMENT)
    assert entry.entry_id == "L1/returned/x1" and {"payment:p1", f"value_on:{day(5)}"} <= entry.links
    # It ages and bears penalty like any overdue amount.
    line.close_through(day(15))
    books(line, journal)
    assert line.dpd == 10 and line.penalty_minor > 0
    # A retry changes nothing; a second reversal of the same payment is refused.
    line.reverse_payment("x1", "p1", day(15), posted=list(journal.entries()))
    assert not line.pending_entries
    with pytest.raises(DomainError) as err:
        line.reverse_payment("x2", "p1", day(15), posted=list(journal.entries()))
    assert err.value.code == "already_reversed"


def test_a_reversal_after_the_line_was_closed_reopens_the_debt_on_a_frozen_line() -> None:
    line, journal = line_with_purchase()
    line.repay("p1", 1000, D)
    line.close("c1", day(1))
    books(line, journal)
    assert line.status is LineStatus.CLOSED
    line.reverse_payment("x1", "p1", day(2), posted=list(journal.entries()))
    books(line, journal)
    assert line.status is LineStatus.FROZEN and line.balance_minor == 1000
    line.close_through(day(40))
    assert line.dpd == 38  # due at once on day 2: past due from day 3


def test_a_reversal_that_history_allows_is_still_re_derived_from_the_value_date() -> None:
    line, journal = line_with_purchase()
    line.repay("p1", 600, day(1))
    line.close_through(day(3))
    books(line, journal)
    line.reverse_payment("x1", "p1", day(4), posted=list(journal.entries()))
    books(line, journal)
    assert line.principal_minor == 1000
    assert not [p for p in line.plans if p.kind == "returned_payment"]


def test_a_reversal_dated_before_its_payment_is_refused() -> None:
    line, journal = line_with_purchase()
    line.repay("p1", 600, day(3))
    books(line, journal)
    with pytest.raises(ValidationError, match="before the payment's value date") as err:
        line.reverse_payment("x1", "p1", day(2), posted=list(journal.entries()))
    assert err.value.field == "on"


def test_a_bounced_payment_on_a_charged_off_line_is_written_off_again() -> None:
    line, journal = line_with_purchase()
    line.close_through(day(400))
    assert line.status is LineStatus.CHARGED_OFF
    line.repay("p1", 400, day(401))
    books(line, journal)
    before = line.charged_off_minor
    line.reverse_payment("x1", "p1", day(402), posted=list(journal.entries()))
    tb = books(line, journal)
    assert line.charged_off_minor == before + 400
    assert tb.get(Account.INCOME_RECOVERIES, 0) == 0


def test_holds_cannot_expire_beyond_a_year_nor_lines_open_past_the_calendar_bound() -> None:
    line, _ = line_with_purchase()
    with pytest.raises(ValidationError, match="expires_on must be at most 366 days") as err:
        line.authorise("h1", 100, D, date(9999, 12, 31))
    assert err.value.field == "expires_on"
    with pytest.raises(ValidationError, match="between 1900-01-01 and 2999-12-31") as opened:
        CreditLine.open("L9", "C9", default_product(), 100, date(9999, 12, 30))
    assert opened.value.field == "opened_on"
    late = CreditLine.open("L8", "C8", default_product(), 100000, date(2999, 12, 31))
    late.purchase("b1", 1200, 12, date(2999, 12, 31))  # statements and due dates run into 3000: no overflow
    assert late.plans[0].installments[-1].due_on == date(3000, 12, 10)


def test_refunds_recorded_before_the_clearing_rule_still_replay() -> None:
    """The cap and the clearing period judge new commands; a replay re-applies what an older ledger recorded."""
    line, journal = line_with_purchase()
    line.repay("p1", 11000, D)
    line.execute(commands.RefundCredit("r1", day(1), 10000))  # as recorded
    line.close_through(day(3))
    books(line, journal)
    line.repay("late", 100, D, posted=list(journal.entries()))  # a back-dated payment re-derives history
    books(line, journal)
    assert line.credit_balance_minor == 100
