"""Issue 15, the cap bug: "on a 3-period line at 40 DPD, ``line restructure --kind penalty_waiver`` fails with
``pricing_cap_exceeded 40.03%``: the cap is applied to the existing 19-day stub".

The handler used to disclose every open installment due after the restructure date as if their principal were
advanced that day, so the running period's whole fee (0.70 % of the purchase) over the 19 days left of it read as
40.03 % a year. The cap is now checked on what a restructure creates or re-prices, each plan over its own
contract; a concession never raises what the customer pays and is never refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from restructure_world import book, line

from creditloop.app import commands as c
from creditloop.app import handlers
from creditloop.app.bus import MessageBus
from creditloop.app.memory import MemoryUnitOfWork
from creditloop.bootstrap import default_policies
from creditloop.core.errors import DomainError
from creditloop.products.caps import check_restructured
from creditloop.products.disclosure import disclose_schedule
from creditloop.products.pricing import PricingMethod
from creditloop.products.schedule import ScheduledInstallment


def issue_book() -> MessageBus:
    """The issue's line: baitiao-standard, 1,000.00 over 3 periods bought 2024-01-06, unpaid, closed to 40 DPD."""
    policies = default_policies()
    bus = MessageBus(MemoryUnitOfWork({policies.product.key: policies.product}.__getitem__), policies)
    bus.handle(c.OpenLine("L", "C", 1_000_000, date(2024, 1, 5)))
    bus.handle(c.Purchase("b", "L", 100_000, 3, date(2024, 1, 6)))
    bus.handle(c.RunDayEnd(date(2024, 3, 21)))
    return bus


def test_a_penalty_waiver_at_40_dpd_on_a_3_period_line_is_booked_not_refused() -> None:
    bus = issue_book()
    assert (line(bus).dpd, line(bus).penalty_minor) == (40, 867)
    shown = bus.handle(c.Restructure("w", "L", "penalty_waiver", date(2024, 3, 22), preview=True))
    done = bus.handle(c.Restructure("w", "L", "penalty_waiver", date(2024, 3, 22)))
    assert done == shown and done.concession_minor == 867
    assert done.priced == () and done.disclosure is None  # nothing created or re-priced: nothing to cap
    assert line(bus).penalty_minor == 0 and line(bus).dpd == 40  # a waiver does not cure the arrears


def test_the_old_measure_read_the_stub_as_40_03_percent_the_plan_costs_11_77() -> None:
    """The root cause, measured: the rest of the plan annualised from the restructure date vs the plan itself."""
    bus = issue_book()
    plan = line(bus).plans[0]
    stub = [i for i in plan.installments if i.due_on > date(2024, 3, 22)]  # the one left: due 2024-04-10
    old = disclose_schedule(
        sum(i.principal_minor for i in stub),
        date(2024, 3, 22),
        PricingMethod.FLAT_MONTHLY_FEE,
        [ScheduledInstallment(1, i.due_on, i.due_on, i.principal_minor, i.fee_minor) for i in stub],
    )
    assert str(old.rate.to_dict()["nominal_percent"]) == "40.03"
    rows = [
        ScheduledInstallment(i.seq, i.statement_on, i.due_on, i.principal_minor, i.fee_minor) for i in plan.installments
    ]
    own = disclose_schedule(100_000, date(2024, 1, 6), PricingMethod.FLAT_MONTHLY_FEE, rows)
    assert str(own.rate.to_dict()["nominal_percent"]) == "11.77"  # what the plan costs: well under 24 %


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("fee_reduction", (("monthly_fee_bps", 30), ("include_billed", True))),
        ("payment_holiday", (("from_due_on", "2024-04-10"), ("months", 2))),
        ("reamortise", ()),
    ],
)
def test_other_reshapings_of_the_stub_line_are_not_refused(kind: str, params: tuple[tuple[str, object], ...]) -> None:
    bus = issue_book()
    done = bus.handle(c.Restructure("r", "L", kind, date(2024, 3, 22), params))
    assert done.priced == () and done.total_after_minor <= done.total_before_minor


def test_a_term_extension_is_capped_on_the_new_plan_alone() -> None:
    bus = issue_book()
    on = date(2024, 3, 22)
    done = bus.handle(c.Restructure("t", "L", "term_extension", on, (("periods", 6), ("monthly_fee_bps", 50))))
    (priced,) = done.priced
    new_plan = next(p for p in line(bus).plans if p.purchase_id == "t")
    assert (priced.plan_id, priced.start_on, priced.amount_minor) == (new_plan.plan_id, on, new_plan.principal_minor)
    # Fees already owed ride on the first installment but are no new cost: the disclosure holds the new fees only.
    assert done.disclosure is not None and done.disclosure["total_fee_minor"] == 6 * 500 == done.added_charges_minor
    assert new_plan.installments[0].carried_fee_minor == 1400
    with pytest.raises(DomainError) as e:  # 4 %/month on the new plan breaks the cap: refused, nothing written
        bus.handle(c.Restructure("t2", "L", "term_extension", on, (("periods", 6), ("monthly_fee_bps", 400))))
    assert e.value.code == "pricing_cap_exceeded"


def test_a_holiday_with_accrual_re_prices_its_plan_and_is_checked_without_it_is_not() -> None:
    seen: list[int] = []

    def spy(disclosures: object, on: date, regime: str) -> None:
        seen.append(len(disclosures))  # type: ignore[arg-type]
        check_restructured(disclosures, on, regime)  # type: ignore[arg-type]

    monkey = pytest.MonkeyPatch()
    monkey.setattr(handlers, "check_restructured", spy)
    try:
        for accrue in (False, True):
            bus, on = book(24, "current")
            params = (("from_due_on", on.isoformat()), ("months", 3), ("accrue", accrue))
            done = bus.handle(c.Restructure("h", "L", "payment_holiday", on, params))
            assert done.added_charges_minor == (3 * 6325 if accrue else 0)  # 0.55 % of the deferred 1,150,000
            assert len(done.priced) == int(accrue)
            if accrue:
                assert done.priced[0].start_on == date(2024, 1, 6)  # the plan's own contract, from the purchase
                assert float(done.disclosure["rate"]["nominal_percent"]) < 24  # type: ignore[index]
    finally:
        monkey.undo()
    assert seen == [0, 1]


def test_cap_regime_none_checks_nothing() -> None:
    policies = replace(default_policies(), cap_regime=None)
    bus = MessageBus(MemoryUnitOfWork({policies.product.key: policies.product}.__getitem__), policies)
    bus.handle(c.OpenLine("L", "C", 1_000_000, date(2024, 1, 5)))
    bus.handle(c.Purchase("b", "L", 100_000, 3, date(2024, 1, 6)))
    done = bus.handle(
        c.Restructure("t", "L", "term_extension", date(2024, 3, 22), (("periods", 6), ("monthly_fee_bps", 400)))
    )
    assert done.added_charges_minor == 6 * 4000
