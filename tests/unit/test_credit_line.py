"""The CreditLine aggregate, with every number worked out by hand."""

from datetime import date, timedelta

import pytest

from creditloop.core.errors import DomainError, IdempotencyConflict, ValidationError
from creditloop.ledger import Account, InMemoryJournal, trial_balance
from creditloop.ledger.journal import line_balances
from creditloop.products.terms import default_product
from creditloop.servicing.credit_line import CreditLine, LineStatus
from creditloop.servicing.restructure import apply_term_extension, preview_term_extension

PRODUCT = default_product()


def new_line(limit: int = 35000, opened: date = date(2024, 1, 5)) -> CreditLine:
    return CreditLine.open("L1", "C1", PRODUCT, limit, opened)


def books(line: CreditLine, journal: InMemoryJournal) -> dict[Account, int]:
    journal.append(line.drain_entries())
    tb = trial_balance(journal.entries())
    assert sum(tb.values()) == 0
    mine = line_balances(journal.entries())["L1"]
    for account, amount in line.sub_ledger().items():
        assert mine.get(account, 0) == amount, account
    return tb


def test_seed_story_laptop_missed_payments_hardship_and_full_repayment() -> None:
    """A 350-yuan line, a laptop on 12 installments, income falls, periods missed, term extension, repaid."""
    j = InMemoryJournal()
    line = new_line()
    line.purchase("laptop", 30000, 12, date(2024, 1, 6))
    assert line.open_to_buy_minor == 5000
    line.close_through(date(2024, 2, 7))
    feb = line.statements[-1]
    assert (feb.statement_on, feb.due_on) == (date(2024, 2, 1), date(2024, 2, 10))
    assert (feb.installments_principal_minor, feb.installments_fee_minor, feb.total_due_minor) == (2500, 180, 2680)
    assert feb.new_purchases_minor == 30000
    line.repay("pay-feb", 2680, date(2024, 2, 8))
    assert line.open_to_buy_minor == 7500

    # Income falls: March and April are missed. DPD counts from the March due date (10 Mar).
    line.close_through(date(2024, 3, 11))
    assert (line.dpd, line.bucket) == (1, "M1")
    line.close_through(date(2024, 3, 31))
    assert line.penalty_minor == 28  # 21 days × 26.80 × 0.05 % = 28.14 → 28 posted, 0.14 carried
    line.close_through(date(2024, 4, 1))
    apr = line.statements[-1]
    assert (apr.past_due_minor, apr.penalty_minor, apr.total_due_minor) == (2680, 28, 2680 + 2680 + 28)
    line.close_through(date(2024, 4, 10))
    assert (line.dpd, line.bucket) == (31, "M2")
    line.close_through(date(2024, 5, 20))
    assert (line.dpd, line.bucket) == (71, "M3")
    # 31 days × 1.34 + 30 days × 2.68 + 10 days × 4.02 = 162.14 fen
    assert line.penalty_minor == 162
    assert line.past_due_minor(date(2024, 5, 21)) == 3 * 2680

    # Hardship: 12-month term extension, fee-free, penalty waived. Preview first, then apply.
    preview = preview_term_extension(line, date(2024, 5, 21), 12)
    assert preview.principal_minor == 27500
    assert preview.concession_minor == 162  # the waived penalty is booked as a concession
    assert preview.forgone_fee_minor == 8 * 180  # 8 unbilled monthly fees are never charged
    assert [r["principal_minor"] for r in preview.after] == [2291] * 11 + [2299]
    assert preview.after[0]["fee_minor"] == 540  # the three owed fees ride on the first new installment
    assert preview.dpd_after == 0
    assert line.penalty_minor == 162  # a preview changes nothing
    apply_term_extension(line, "hardship-1", date(2024, 5, 21), 12)
    assert (line.dpd, line.status, line.restructured_on) == (0, LineStatus.FROZEN, date(2024, 5, 21))
    assert line.penalty_minor == 0

    paid = 2680
    due_on = date(2024, 6, 10)
    for k in range(12):
        line.close_through(due_on - timedelta(days=1))
        st = line.statements[-1]
        expected = 2291 + 540 if k == 0 else (2299 if k == 11 else 2291)
        assert st.total_due_minor == expected, k
        line.repay(f"plan-{k}", expected, due_on)
        paid += expected
        due_on = date(due_on.year + (due_on.month == 12), due_on.month % 12 + 1, 10)
    line.close_through(date(2025, 6, 1))
    assert line.balance_minor == 0 and line.dpd == 0
    assert paid == 30720  # 300.00 principal + 7.20 fees (1.80 paid + 5.40 carried); 1.62 penalty waived

    tb = books(line, j)
    assert tb[Account.CASH_CLEARING] == 30720
    assert tb[Account.INCOME_FEE] == -720
    assert tb[Account.INCOME_PENALTY] == -162
    assert tb[Account.EXPENSE_CONCESSIONS] == 162
    assert tb[Account.RECEIVABLE_PRINCIPAL] == tb[Account.RECEIVABLE_FEE] == tb[Account.RECEIVABLE_PENALTY] == 0


def test_dpd_grows_by_one_per_unpaid_day_and_resets_on_cure() -> None:
    line = new_line()
    line.purchase("b", 10000, 1, date(2024, 1, 6))
    seen = []
    for day in range(11, 20):
        line.close_through(date(2024, 2, day))
        seen.append(line.dpd)
    assert seen == list(range(1, 10))
    line.repay("cure", line.balance_minor, date(2024, 2, 20))
    line.close_through(date(2024, 2, 20))
    assert line.dpd == 0 and line.bucket == "M0"


def test_charge_off_at_180_dpd_and_recovery() -> None:
    j = InMemoryJournal()
    line = new_line()
    line.purchase("b", 10000, 1, date(2024, 1, 6))
    line.close_through(date(2024, 8, 7))  # due 10 Feb 2024 + 179 days
    assert line.dpd == 179 and line.status is LineStatus.ACTIVE
    line.close_through(date(2024, 8, 8))
    assert line.status is LineStatus.CHARGED_OFF
    penalty = line.charged_off_minor - 10000
    assert penalty == 180 * 5  # 100 yuan × 0.05 % = 0.05 a day for 180 days
    tb = books(line, j)
    assert tb[Account.EXPENSE_CREDIT_LOSS] == 10000 + penalty
    line.repay("late", 3000, date(2024, 9, 1))
    assert line.charged_off_minor == 10000 + penalty - 3000
    assert books(line, j)[Account.INCOME_RECOVERIES] == -3000


def test_repayment_is_idempotent_and_conflicts_on_other_payload() -> None:
    line = new_line()
    line.purchase("b", 10000, 1, date(2024, 1, 6))
    first = line.repay("p1", 4000, date(2024, 1, 20))
    assert line.repay("p1", 4000, date(2024, 1, 20)) == first
    assert len(line.drain_entries()) == 2  # purchase + one repayment
    with pytest.raises(IdempotencyConflict):
        line.repay("p1", 5000, date(2024, 1, 20))


def test_refused_purchase_changes_nothing() -> None:
    line = new_line()
    line.purchase("b", 30000, 3, date(2024, 1, 6))
    line.close_through(date(2024, 1, 6))  # the day-end catch-up a later command would run anyway
    before = (line.version, len(line.pending_entries), line.principal_minor)
    with pytest.raises(DomainError) as e:
        line.purchase("too-big", 6000, 1, date(2024, 1, 7))
    assert e.value.code == "insufficient_open_to_buy"
    assert (line.version, len(line.pending_entries), line.principal_minor) == before
    with pytest.raises(ValidationError) as v:
        line.purchase("zero", 0, 1, date(2024, 1, 7))
    assert v.value.field == "amount_minor"
    with pytest.raises(ValidationError):
        line.purchase("early", 100, 1, date(2024, 1, 1))  # before the line opened
    line.freeze("f1", date(2024, 1, 8))
    with pytest.raises(DomainError) as f:
        line.purchase("frozen", 100, 1, date(2024, 1, 9))
    assert f.value.code == "line_not_active"


def test_waterfall_pays_past_due_penalty_fee_principal_then_future() -> None:
    line = new_line(100000)
    line.purchase("b", 30000, 3, date(2024, 1, 6))  # 100.00 + 2.10 fee a month
    line.close_through(date(2024, 2, 20))  # February's 102.10 is 10 days late
    assert line.penalty_minor == 51  # 10 days × 102.10 × 0.05 % = 5.105 fen a day → 51.05, 0.05 carried
    result = line.repay("p", 20000, date(2024, 2, 21))
    assert result.allocation == (
        ("PAST_DUE_PENALTY", 51),
        ("PAST_DUE_FEE", 210),
        ("PAST_DUE_PRINCIPAL", 10000),
        ("FUTURE_PRINCIPAL", 9739),
    )
    assert line.principal_minor == 30000 - 10000 - 9739


def test_prepaying_an_installment_cancels_its_unbilled_fee_and_overpayment_becomes_credit() -> None:
    j = InMemoryJournal()
    line = new_line(100000)
    line.purchase("b", 30000, 3, date(2024, 1, 6))
    result = line.repay("all", 40000, date(2024, 1, 10))
    assert result.to_credit_balance_minor == 10000
    assert line.principal_minor == 0 and line.fee_minor == 0
    line.close_through(date(2024, 4, 30))
    assert all(st.installments_fee_minor == 0 for st in line.statements)  # no fee for months never used
    assert books(line, j)[Account.CUSTOMER_CREDIT] == -10000


def test_refund_reduces_the_plan_from_its_last_installments() -> None:
    j = InMemoryJournal()
    line = new_line(100000)
    line.purchase("b", 30000, 3, date(2024, 1, 6))
    assert line.refund("r1", "b", 15000, date(2024, 1, 12)) == 0
    inst = line.plans[0].installments
    assert [i.principal_minor for i in inst] == [10000, 5000, 0]
    assert inst[2].fee_minor == 0  # the refunded period's fee is not owed
    with pytest.raises(DomainError) as e:
        line.refund("r2", "b", 15001, date(2024, 1, 12))
    assert e.value.code == "refund_exceeds_purchase"
    tb = books(line, j)
    assert tb[Account.MERCHANT_PAYABLE] == -15000
