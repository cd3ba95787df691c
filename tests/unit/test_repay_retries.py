"""What a retried repayment answers (issue 11, item 10 follow-up; bench_faults seed 1186).

The documented guarantee (docs/servicing.md "Retries"): a retry moves nothing and returns the payment's id,
value date and amount unchanged, with its split (allocation, credit, recovery) as history now stands, which a
back-dated correction may have re-derived; the split always adds up to the amount, except for a payment
reversed since by re-derivation, whose split is empty (it moves nothing any more).
"""

from __future__ import annotations

from datetime import date, timedelta

from creditloop.app import commands as c
from creditloop.bootstrap import build_memory

D = date(2024, 1, 5)


def split(result: object) -> int:
    return (
        sum(a for _, a in result.allocation)  # type: ignore[attr-defined]
        + result.to_credit_balance_minor  # type: ignore[attr-defined]
        + result.recovery_minor  # type: ignore[attr-defined]
    )


def test_a_retry_after_a_back_dated_payment_returns_the_re_derived_split() -> None:
    bus = build_memory().bus
    bus.handle(c.OpenLine("L", "C", 1_000_000, D))
    bus.handle(c.Purchase("p1", "L", 10_000, 1, D))
    first = bus.handle(c.Repay("r1", "L", 6_000, D + timedelta(days=2)))
    assert (first.allocation, first.to_credit_balance_minor) == ((("FUTURE_PRINCIPAL", 6_000),), 0)
    bus.handle(c.RunDayEnd(D + timedelta(days=3)))
    bus.handle(c.Repay("r0", "L", 6_000, D + timedelta(days=1)))  # recorded late: history is re-derived
    again = bus.handle(c.Repay("r1", "L", 6_000, D + timedelta(days=2)))
    assert (again.payment_id, again.paid_on, again.amount_minor) == ("r1", D + timedelta(days=2), 6_000)
    assert again.allocation == (("FUTURE_PRINCIPAL", 4_000),)  # r0 paid first now: 40.00 was still owed
    assert again.to_credit_balance_minor == 2_000 and split(again) == 6_000
    with bus.uow:
        assert bus.uow.lines.get("L").credit_balance_minor == 2_000  # the retry moved nothing


def test_a_retry_of_a_reversed_payment_answers_with_an_empty_split_instead_of_a_key_error() -> None:
    bus = build_memory().bus
    bus.handle(c.OpenLine("L", "C", 1_000_000, D))
    bus.handle(c.Purchase("p1", "L", 120_000, 3, D))
    bus.handle(c.Repay("r1", "L", 10_000, D + timedelta(days=1)))
    bus.handle(c.RunDayEnd(D + timedelta(days=2)))
    bus.handle(c.ReversePayment("v1", "L", "r1", D + timedelta(days=3)))
    again = bus.handle(c.Repay("r1", "L", 10_000, D + timedelta(days=1)))  # used to raise KeyError 'r1'
    assert (again.payment_id, again.amount_minor, again.allocation, split(again)) == ("r1", 10_000, (), 0)
    with bus.uow:
        assert bus.uow.lines.get("L").principal_minor == 120_000  # still not applied
