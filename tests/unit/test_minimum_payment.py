"""Huabei-style minimum payment: pay at least the minimum and the rest revolves with daily interest."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources

from creditloop.ledger import Account, InMemoryJournal, trial_balance
from creditloop.products.terms import Product
from creditloop.servicing.credit_line import CreditLine


def revolving_product() -> Product:
    doc = json.loads(
        resources.files("creditloop.products.catalog").joinpath("baitiao_standard_v1.json").read_text("utf-8")
    )
    doc["minimum_payment"] = {"percent_bps": 1000, "floor_minor": 1000, "revolving_daily_rate": "0.0005"}
    doc["waterfall"] = [
        "PAST_DUE_PENALTY",
        "PAST_DUE_INTEREST",
        "PAST_DUE_FEE",
        "PAST_DUE_PRINCIPAL",
        "DUE_INTEREST",
        "DUE_FEE",
        "DUE_PRINCIPAL",
        "FUTURE_PRINCIPAL",
    ]
    return Product.from_dict(doc)


def test_paying_the_minimum_keeps_the_line_current_and_the_rest_revolves() -> None:
    line = CreditLine.open("L", "C", revolving_product(), 500_000, date(2024, 1, 5))
    line.purchase("b", 100_000, 1, date(2024, 1, 6))  # 1,000 yuan, pay next month
    line.close_through(date(2024, 2, 7))
    feb = line.statements[-1]
    assert (feb.total_due_minor, feb.minimum_due_minor) == (100_000, 10_000)  # 10 % of the next-month balance
    line.repay("min", 10_000, date(2024, 2, 8))
    line.close_through(date(2024, 2, 29))
    assert line.dpd == 0  # the minimum was paid: not delinquent
    assert line.interest_minor == 19 * 45  # 900.00 × 0.05 % = 0.45 a day from 11 Feb
    line.close_through(date(2024, 3, 1))
    mar = line.statements[-1]
    assert mar.total_due_minor == 90_000 + 19 * 45  # the cut comes before that day's interest
    assert mar.minimum_due_minor == 19 * 45 + 9_000  # interest owed + 10 % of what may revolve again
    # Nothing paid by 10 Mar: the minimum is missed, the whole balance falls past due, penalty replaces interest.
    line.close_through(date(2024, 3, 12))
    assert line.dpd == 2
    assert line.interest_minor == 29 * 45  # revolving interest through 10 Mar only (29 days)
    # 0.05 % of 913.05 overdue (principal + interest) = 45.65 fen a day: 45 then 46 with the carry.
    assert line.penalty_minor == 91
    j = InMemoryJournal()
    j.append(line.drain_entries())
    tb = trial_balance(j.entries())
    assert sum(tb.values()) == 0 and tb[Account.INCOME_INTEREST] == -29 * 45


def test_without_a_minimum_payment_rule_the_whole_bill_is_due() -> None:
    product = revolving_product()
    doc_line = CreditLine.open("L", "C", product, 500_000, date(2024, 1, 5))
    doc_line.purchase("b", 30_000, 3, date(2024, 1, 6))  # installment plans never revolve
    doc_line.close_through(date(2024, 2, 7))
    st = doc_line.statements[-1]
    assert st.minimum_due_minor == st.total_due_minor == 10_000 + 210


def product_with(**changes: object) -> Product:
    doc = json.loads(
        resources.files("creditloop.products.catalog").joinpath("baitiao_standard_v1.json").read_text("utf-8")
    )
    return Product.from_dict(doc | changes)


def test_early_settlement_waives_or_charges_the_unbilled_fees_per_product() -> None:
    waive = CreditLine.open("L", "C", product_with(), 500_000, date(2024, 1, 5))
    waive.purchase("b", 120_000, 12, date(2024, 1, 6))  # 1,200 over 12 at 0.60 %: 7.20 fee a month
    assert waive.payoff_minor() == 120_000  # interest (fees) by actual term: nothing billed yet
    charge = CreditLine.open("L", "C", product_with(early_settlement="charge_remaining"), 500_000, date(2024, 1, 5))
    charge.purchase("b", 120_000, 12, date(2024, 1, 6))
    assert charge.payoff_minor() == 120_000 + 12 * 720
    charge.repay("all", charge.payoff_minor(), date(2024, 1, 10))
    charge.close_through(date(2025, 1, 31))
    assert charge.balance_minor == 0 and charge.credit_balance_minor == 0
    assert sum(st.installments_fee_minor for st in charge.statements) == 12 * 720  # billed as they fell due


def test_refund_allocation_rules() -> None:
    for rule, expected in [
        ("last", [30_000, 30_000, 0]),
        ("next", [0, 30_000, 30_000]),
        ("reamortise", [20_000, 20_000, 20_000]),
    ]:
        line = CreditLine.open("L", "C", product_with(refund_allocation=rule), 500_000, date(2024, 1, 5))
        line.purchase("b", 90_000, 3, date(2024, 1, 6))
        line.refund("r", "b", 30_000, date(2024, 1, 8))
        assert [i.principal_minor for i in line.plans[0].installments] == expected, rule


def test_prepayment_allocation_rules() -> None:
    for rule, expected in [
        ("next", [0, 0, 30_000]),
        ("last", [30_000, 0, 0]),
        ("reamortise", [10_000, 10_000, 10_000]),
    ]:
        line = CreditLine.open("L", "C", product_with(prepayment_allocation=rule), 500_000, date(2024, 1, 5))
        line.purchase("b", 90_000, 3, date(2024, 1, 6))
        line.repay("p", 60_000, date(2024, 1, 8))  # nothing billed yet: all of it is money for the future
        assert [i.unpaid_principal_minor for i in line.plans[0].installments] == expected, rule
