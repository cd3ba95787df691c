"""Back-dated payments, bounced-payment reversals and restructure undo: history re-derived, journal corrected."""

from datetime import date

import pytest

from creditloop.core.errors import DomainError
from creditloop.ledger import Account, EntryCode, InMemoryJournal, trial_balance
from creditloop.ledger.journal import line_balances
from creditloop.products.terms import default_product
from creditloop.servicing import restructure
from creditloop.servicing.credit_line import CreditLine, LineStatus


def setup_line() -> tuple[CreditLine, InMemoryJournal]:
    line = CreditLine.open("L1", "C1", default_product(), 50000, date(2024, 1, 5))
    line.purchase("b1", 10000, 1, date(2024, 1, 6))  # 100 yuan, pay next month: due 10 Feb 2024
    return line, InMemoryJournal()


def flush(line: CreditLine, journal: InMemoryJournal) -> None:
    journal.append(line.drain_entries())


def check_books(line: CreditLine, journal: InMemoryJournal) -> dict[Account, int]:
    flush(line, journal)
    tb = trial_balance(journal.entries())
    assert sum(tb.values()) == 0
    sub = line_balances(journal.entries())["L1"]
    for account, amount in line.sub_ledger().items():
        assert sub.get(account, 0) == amount
    return tb


def test_a_payment_recorded_late_re_derives_penalty_and_delinquency() -> None:
    line, journal = setup_line()
    line.close_through(date(2024, 2, 19))
    assert (line.dpd, line.penalty_minor) == (9, 45)  # 9 days × 100 yuan × 0.05 % = 0.45
    flush(line, journal)
    # The bank file arrives on 20 Feb: the customer paid on the due date.
    result = line.repay("p1", 10000, date(2024, 2, 10), posted=list(journal.entries()))
    assert result.allocation == (("DUE_PRINCIPAL", 10000),)
    assert (line.dpd, line.penalty_minor, line.balance_minor) == (0, 0, 0)
    corrections = line.pending_entries
    reversed_penalties = [e for e in corrections if e.code is EntryCode.REVERSAL]
    assert len(reversed_penalties) == 9  # one per wrongly accrued day, reversed, never deleted
    assert all(e.effective_on == date(2024, 2, 20) for e in corrections)  # booked on the open business date
    pay = next(e for e in corrections if e.code is EntryCode.REPAYMENT)
    assert "value_on:2024-02-10" in pay.links
    tb = check_books(line, journal)
    assert tb[Account.INCOME_PENALTY] == 0 and tb[Account.RECEIVABLE_PENALTY] == 0
    assert tb[Account.CASH_CLEARING] == 10000
    # A retry of the same correction changes nothing.
    assert line.repay("p1", 10000, date(2024, 2, 10), posted=list(journal.entries())) == result
    assert line.pending_entries == []


def test_a_bounced_payment_is_reversed_and_everything_after_it_re_derived() -> None:
    line, journal = setup_line()
    line.repay("p1", 10000, date(2024, 2, 8))
    line.close_through(date(2024, 3, 4))
    assert (line.dpd, line.balance_minor) == (0, 0)
    flush(line, journal)
    line.reverse_payment("bounce-1", "p1", date(2024, 3, 5), posted=list(journal.entries()))
    # As if never paid: 23 days past due on 4 Mar, penalty 23 × 0.05 yuan.
    assert (line.dpd, line.penalty_minor, line.principal_minor) == (23, 115, 10000)
    march = line.statements[-1]
    assert (march.statement_on, march.past_due_minor, march.penalty_minor, march.total_due_minor) == (
        date(2024, 3, 1),
        10000,
        95,
        10095,
    )  # 19 February days of penalty at the cut
    tb = check_books(line, journal)
    assert tb[Account.CASH_CLEARING] == 0
    assert tb[Account.RECEIVABLE_PRINCIPAL] == 10000 and tb[Account.INCOME_PENALTY] == -115
    entries = list(journal.entries())
    assert any(e.code is EntryCode.REVERSAL and e.reverses == "L1/pay/p1" for e in entries)
    with pytest.raises(DomainError) as e:
        line.reverse_payment("bounce-2", "p1", date(2024, 3, 5), posted=entries)
    assert e.value.code == "already_reversed"


def test_a_back_dated_payment_that_cures_the_line_resets_dpd_only_from_its_value_date() -> None:
    line, journal = setup_line()
    line.close_through(date(2024, 2, 29))
    flush(line, journal)
    line.repay("p-late", 5000, date(2024, 2, 15), posted=list(journal.entries()))
    # Half paid on 15 Feb (before that day's close): it first clears 11–14 Feb's penalty (4 × 0.05 yuan),
    # then 49.80 of principal. 50.20 stays past due from 10 Feb: 15 days × 2.51 fen = 37.65 → 37 posted.
    assert line.dpd == 19
    assert (line.principal_minor, line.penalty_minor) == (5020, 37)
    check_books(line, journal)


def test_restructure_undo_restores_the_schedule_and_reverses_the_concession() -> None:
    line = CreditLine.open("L1", "C1", default_product(), 50000, date(2024, 1, 5))
    line.purchase("b1", 30000, 3, date(2024, 1, 6))
    line.close_through(date(2024, 3, 20))
    journal = InMemoryJournal()
    before = (line.dpd, line.penalty_minor, line.principal_minor, line.status)
    rows_before = line.schedule_rows()
    restructure.term_extension(line, "h1", date(2024, 3, 21), 6)
    assert line.dpd == 0 and line.status is LineStatus.FROZEN and line.penalty_minor == 0
    flush(line, journal)
    line.undo("undo-1", "h1", date(2024, 3, 21), posted=list(journal.entries()))
    assert (line.dpd, line.penalty_minor, line.principal_minor, line.status) == before
    assert line.schedule_rows() == rows_before
    assert line.restructured_on is None
    tb = check_books(line, journal)
    assert tb.get(Account.EXPENSE_CONCESSIONS, 0) == 0  # the waiver was reversed


def test_undo_is_refused_once_something_happened_after_the_restructure() -> None:
    line = CreditLine.open("L1", "C1", default_product(), 50000, date(2024, 1, 5))
    line.purchase("b1", 30000, 3, date(2024, 1, 6))
    line.close_through(date(2024, 3, 20))
    restructure.term_extension(line, "h1", date(2024, 3, 21), 6)
    line.repay("p1", 1000, date(2024, 3, 22))
    journal = InMemoryJournal()
    flush(line, journal)
    with pytest.raises(DomainError) as e:
        line.undo("undo-1", "h1", date(2024, 3, 22), posted=list(journal.entries()))
    assert e.value.code == "not_undoable"


def test_a_late_payment_that_history_cannot_absorb_is_booked_on_the_open_date_not_refused() -> None:
    """Seed 5009 of the 10^6 fault run: a payment whose value date falls before a term extension it would have
    made impossible (nothing left to restructure) used to be refused as ``correction_conflict``; the money
    arrived, so it is booked on the open business date and keeps its value date in the event."""
    from creditloop.core.errors import IdempotencyConflict

    line, journal = setup_line()
    line.close_through(date(2024, 3, 20))
    restructure.term_extension(line, "h1", date(2024, 3, 21), 6)
    line.close_through(date(2024, 3, 25))
    flush(line, journal)
    owed = line.payoff_minor()
    result = line.repay("p1", 10000, date(2024, 2, 10), posted=list(journal.entries()))
    assert result.paid_on == date(2024, 3, 26)  # the open business date, not the value date
    assert result.amount_minor == 10000
    assert sum(a for _, a in result.allocation) + result.to_credit_balance_minor + result.recovery_minor == 10000
    assert line.payoff_minor() == max(0, owed - 10000)
    booked = next(e for e in line.events if e["id"] == "p1")
    assert (booked["on"], booked["value_on"]) == ("2024-03-26", "2024-02-10")
    assert any(e["id"] == "h1" for e in line.events)  # the term extension stands
    tb = check_books(line, journal)
    assert tb[Account.CASH_CLEARING] == 10000
    # A retry of the same payment returns the same answer and books nothing; another payload under its id is a
    # conflict.
    assert line.repay("p1", 10000, date(2024, 2, 10), posted=list(journal.entries())) == result
    assert line.pending_entries == []
    with pytest.raises(IdempotencyConflict):
        line.repay("p1", 9000, date(2024, 2, 10), posted=list(journal.entries()))
