"""LOAN_ENGINE.md §2 vectors run through the servicing engine (not just the schedule builder).

V1/V2 pay-in-4 with a down payment, V10 re-age, V11 re-amortise, V14 installment-level delinquency,
V15 term extension and payment holiday. Fineract rounds these products to whole yuan (multiples of 1).
"""

from __future__ import annotations

import json
from datetime import date
from importlib import resources

from creditloop.ledger import InMemoryJournal, trial_balance
from creditloop.products.terms import Product
from creditloop.servicing import restructure
from creditloop.servicing.credit_line import CreditLine

PAY_IN_4 = {
    "method": "interest_free",
    "periods": 3,
    "frequency": "daily",
    "every": 15,
    "down_payment_bps": 2500,
    "installment_multiple_minor": 100,
}
MONTHLY_DP = {"method": "interest_free", "periods": 3, "down_payment_bps": 2500, "installment_multiple_minor": 100}
MONTHLY_3 = {"method": "interest_free", "periods": 3, "installment_multiple_minor": 100}


def bnpl_product() -> Product:
    doc = json.loads(
        resources.files("creditloop.products.catalog").joinpath("baitiao_standard_v1.json").read_text("utf-8")
    )
    doc |= {
        "product_id": "bnpl-test",
        "delinquency_grace_days": 3,  # LP2's graceOnArrearsAgeing
        "installment_options": [
            {"periods": 4, "monthly_fee_bps": 0, "terms": PAY_IN_4, "auto_down_payment": True},
            {"periods": 40, "monthly_fee_bps": 0, "terms": PAY_IN_4},  # same, down payment not auto-collected
            {"periods": 41, "monthly_fee_bps": 0, "terms": MONTHLY_DP, "auto_down_payment": True},
            {"periods": 3, "monthly_fee_bps": 0, "terms": MONTHLY_3},
        ],
    }
    return Product.from_dict(doc)


def schedule(line: CreditLine) -> list[tuple[date, int]]:
    """Open installments as (due date, principal still owed) — Fineract's view of the outstanding schedule."""
    return sorted(
        (i.due_on, i.unpaid_principal_minor) for p in line.plans for i in p.installments if i.unpaid_principal_minor
    )


def new_line(opened: date, limit: int = 1_000_000) -> CreditLine:
    return CreditLine.open("L", "C", bnpl_product(), limit, opened)


def test_v1_pay_in_4_down_payment_collected_at_checkout() -> None:
    line = new_line(date(2024, 1, 1))
    line.purchase("b", 100_000, 4, date(2024, 1, 1))
    inst = line.plans[0].installments
    assert [(i.due_on, i.principal_minor) for i in inst] == [
        (date(2024, 1, 1), 25_000),
        (date(2024, 1, 16), 25_000),
        (date(2024, 1, 31), 25_000),
        (date(2024, 2, 15), 25_000),
    ]
    assert inst[0].paid_principal_minor == 25_000 and line.principal_minor == 75_000
    j = InMemoryJournal()
    j.append(line.drain_entries())
    assert sum(trial_balance(j.entries()).values()) == 0


def test_v2_prepayment_goes_to_the_next_installments() -> None:
    line = new_line(date(2022, 1, 1))
    line.purchase("b", 100_000, 41, date(2022, 1, 1))
    assert [d for d, _ in schedule(line)] == [date(2022, 2, 1), date(2022, 3, 1), date(2022, 4, 1)]
    line.repay("p1", 25_000, date(2022, 2, 1))
    line.repay("p2", 40_000, date(2022, 2, 15))
    assert schedule(line) == [(date(2022, 4, 1), 10_000)]  # inst 3 paid in advance, inst 4 150 of 250
    assert line.principal_minor == 10_000


def v10_line() -> CreditLine:
    line = new_line(date(2024, 1, 1))
    line.purchase("b", 100_000, 4, date(2024, 1, 1))
    line.close_through(date(2024, 2, 19))
    return line


def test_v10_delinquency_before_the_re_age() -> None:
    line = v10_line()
    assert line.delinquent_since == date(2024, 1, 16)
    assert line.dpd_on(date(2024, 2, 20)) == 35  # past due 35 days on business date 20 Feb
    line.close_through(date(2024, 2, 20))
    assert (line.dpd, line.delinquent_days, line.bucket) == (35, 32, "M2")  # delinquent 32 d: RANGE_30 (31-60)


def test_v10_re_age_six_months_and_undo() -> None:
    line = v10_line()
    before = schedule(line)
    restructure.reage(line, "r1", date(2024, 2, 20), 6, date(2024, 3, 1), multiple_minor=100)
    assert schedule(line) == [(date(2024, m, 1), 12_500) for m in range(3, 9)]
    assert line.dpd == 0 and line.delinquent_since is None
    line.close_through(date(2024, 2, 29))
    assert line.dpd == 0  # no delinquency until the first new due date passes
    j = InMemoryJournal()
    j.append(line.drain_entries())
    line.undo("u1", "r1", date(2024, 2, 20), posted=list(j.entries()))
    assert schedule(line) == before and line.delinquent_since == date(2024, 1, 16)


def test_v10_re_age_every_30_days() -> None:
    line = v10_line()
    restructure.reage(line, "r1", date(2024, 2, 20), 2, date(2024, 3, 10), every=30, unit="days", multiple_minor=100)
    assert schedule(line) == [(date(2024, 3, 10), 37_500), (date(2024, 4, 9), 37_500)]


def test_v11_re_amortise_past_due_over_the_remaining_installments() -> None:
    line = new_line(date(2024, 1, 1))
    line.purchase("b", 50_000, 4, date(2024, 1, 1))
    line.close_through(date(2024, 1, 24))
    restructure.reamortise(line, "ra1", date(2024, 1, 25), multiple_minor=100)
    assert schedule(line) == [(date(2024, 1, 31), 18_700), (date(2024, 2, 15), 18_800)]
    assert line.dpd == 0

    other = new_line(date(2024, 1, 1))
    other.purchase("b", 50_000, 4, date(2024, 1, 1))
    other.close_through(date(2024, 1, 31))
    restructure.reamortise(other, "ra1", date(2024, 2, 1), multiple_minor=100)
    assert schedule(other) == [(date(2024, 2, 15), 37_500)]


def ranges(line: CreditLine, on: date) -> dict[str, int]:
    """Fineract's installment-level ranges: 1-3, 4-30, 31-60, 61-90 days, by amount."""
    out: dict[str, int] = {}
    owed = {(p.plan_id, i.seq): i.unpaid_minor for p in line.plans for i in p.installments}
    for plan_id, seq, dpd, _bucket in line.installment_delinquency(on):
        name = "RANGE_1" if dpd <= 3 else "RANGE_3" if dpd <= 30 else "RANGE_30" if dpd <= 60 else "RANGE_60"
        out[name] = out.get(name, 0) + owed[(plan_id, seq)]
    return out


def test_v14_installment_level_delinquency() -> None:
    line = new_line(date(2023, 10, 1))
    line.purchase("b", 100_000, 40, date(2023, 10, 1))  # the down payment is left unpaid
    line.close_through(date(2023, 11, 15))
    assert ranges(line, date(2023, 11, 16)) == {"RANGE_1": 25_000, "RANGE_3": 25_000, "RANGE_30": 50_000}
    line.close_through(date(2023, 12, 15))
    assert ranges(line, date(2023, 12, 16)) == {"RANGE_30": 50_000, "RANGE_60": 50_000}


def v15_line() -> CreditLine:
    line = new_line(date(2023, 7, 1))
    line.purchase("b", 300_000, 3, date(2023, 7, 1))
    assert schedule(line) == [(date(2023, 8, 1), 100_000), (date(2023, 9, 1), 100_000), (date(2023, 10, 1), 100_000)]
    return line


def test_v15_term_extension_of_the_remaining_installments() -> None:
    line = v15_line()
    restructure.term_extension(line, "x1", date(2023, 7, 15), 4, from_due_on=date(2023, 9, 1), freeze=False)
    assert schedule(line) == [(date(2023, 8, 1), 100_000)] + [(date(2023, m, 1), 50_000) for m in (9, 10, 11, 12)]


def test_v15_payment_holiday_of_one_month() -> None:
    line = v15_line()
    restructure.payment_holiday(line, "g1", date(2023, 7, 15), date(2023, 9, 1), months=1)
    assert schedule(line) == [(date(2023, 8, 1), 100_000), (date(2023, 10, 1), 100_000), (date(2023, 11, 1), 100_000)]
