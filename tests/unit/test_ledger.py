from datetime import date

import pytest

from creditloop.core.errors import IdempotencyConflict, InvariantViolation
from creditloop.ledger import Account, EntryCode, InMemoryJournal, JournalEntry, Posting, Side, entry, trial_balance
from creditloop.ledger.journal import line_balances

D = date(2024, 1, 6)


def purchase(entry_id: str = "e1", amount: int = 30000) -> JournalEntry:
    return entry(
        entry_id,
        EntryCode.PURCHASE,
        D,
        "L1",
        [(Account.RECEIVABLE_PRINCIPAL, amount)],
        [(Account.MERCHANT_PAYABLE, amount)],
    )


def test_unbalanced_entry_is_refused_at_construction() -> None:
    with pytest.raises(InvariantViolation, match="unbalanced by 1"):
        JournalEntry(
            "x",
            EntryCode.FEE,
            D,
            "L1",
            (Posting(Account.RECEIVABLE_FEE, Side.DEBIT, 101), Posting(Account.INCOME_FEE, Side.CREDIT, 100)),
        )


def test_posting_amount_must_be_positive_integer() -> None:
    with pytest.raises(InvariantViolation):
        Posting(Account.RECEIVABLE_FEE, Side.DEBIT, 0)
    with pytest.raises(InvariantViolation):
        Posting(Account.RECEIVABLE_FEE, Side.DEBIT, 1.5)  # type: ignore[arg-type]


def test_entry_helper_drops_zero_legs_and_keeps_balance() -> None:
    e = entry(
        "r",
        EntryCode.REPAYMENT,
        D,
        "L1",
        [(Account.CASH_CLEARING, 500)],
        [(Account.RECEIVABLE_PENALTY, 0), (Account.RECEIVABLE_PRINCIPAL, 500)],
    )
    assert len(e.postings) == 2
    assert e.amount_minor == 500


def test_reversal_undoes_the_entry() -> None:
    j = InMemoryJournal()
    e = purchase()
    j.append([e, e.reversal("e1-rev", D)])
    assert all(v == 0 for v in trial_balance(j.entries()).values())
    rev = list(j.entries())[1]
    assert rev.code is EntryCode.REVERSAL and rev.reverses == "e1"


def test_journal_is_idempotent_by_entry_id() -> None:
    j = InMemoryJournal()
    j.append([purchase()])
    j.append([purchase()])  # a retry with the same payload is a no-op
    assert len(j) == 1
    with pytest.raises(IdempotencyConflict):
        j.append([purchase(amount=1)])


def test_trial_balance_and_sub_ledgers() -> None:
    j = InMemoryJournal()
    j.append(
        [
            purchase(),
            entry(
                "p",
                EntryCode.REPAYMENT,
                D,
                "L1",
                [(Account.CASH_CLEARING, 10000)],
                [(Account.RECEIVABLE_PRINCIPAL, 10000)],
            ),
        ]
    )
    tb = trial_balance(j.entries())
    assert tb[Account.RECEIVABLE_PRINCIPAL] == 20000
    assert tb[Account.MERCHANT_PAYABLE] == -30000
    assert sum(tb.values()) == 0
    assert line_balances(j.entries())["L1"][Account.CASH_CLEARING] == 10000
