"""The product catalog: what it offers, the cap every plan must respect, and lines opened on any product."""

from __future__ import annotations

from datetime import date

import pytest

from creditloop.app import commands as c
from creditloop.bootstrap import build_memory, check_product_cycle
from creditloop.core.errors import IdempotencyConflict, ValidationError
from creditloop.products.catalog import catalog_entries, catalog_names, catalog_product, describe
from creditloop.products.terms import default_product

OPENED = date(2024, 1, 5)


def offered(name: str) -> dict[int, int]:
    return {o.periods: o.monthly_fee_bps for o in catalog_product(name).installment_options}


def test_the_catalog_offers_installments_up_to_24_periods_and_a_revolving_product() -> None:
    assert [e.product.key for e in catalog_entries()] == [
        "baitiao-installment@1",
        "baitiao-revolving@1",
        "baitiao-standard@1",
    ]
    assert offered("baitiao-installment") == {1: 0, 3: 70, 6: 65, 12: 60, 24: 55}
    revolving = catalog_product("baitiao-revolving")
    assert revolving.minimum_payment is not None and revolving.minimum_payment.percent_bps == 1000
    assert {"DUE_INTEREST", "PAST_DUE_INTEREST"} <= set(revolving.waterfall)  # revolving interest is collectable
    assert catalog_product("baitiao-standard@1") == catalog_product("baitiao-standard")
    assert set(catalog_names()) >= {"baitiao-installment", "baitiao-revolving@1", "baitiao-standard"}
    for entry in catalog_entries():
        assert entry.name_zh and entry.name_en  # customer-facing names in both languages
        assert describe(entry)["product"] == entry.product.key


def test_the_default_product_keeps_its_terms() -> None:
    p = default_product()
    assert p == catalog_product("baitiao-standard")
    assert (p.key, offered("baitiao-standard"), p.minimum_payment) == (
        "baitiao-standard@1",
        {1: 0, 3: 70, 6: 65, 12: 60},
        None,
    )
    assert (p.statement_day, p.due_days_after_statement, str(p.penalty.daily_rate)) == (1, 9, "0.0005")


@pytest.mark.parametrize("name", ["baitiao-installment", "baitiao-revolving", "baitiao-standard"])
def test_every_plan_of_every_product_is_within_the_licensed_cap(name: str) -> None:
    for month in (date(2024, 1, 1), date(2024, 2, 1)):  # a 31-day and a 29-day cycle
        check_product_cycle(catalog_product(name), month, "cn_licensed")  # raises on a breach


def test_an_unknown_product_is_refused_naming_the_catalog() -> None:
    with pytest.raises(ValidationError) as exc:
        catalog_product("baitiao-gold")
    assert exc.value.field == "product"
    assert "'baitiao-gold'" in exc.value.message
    assert all(p in exc.value.message for p in ("baitiao-installment", "baitiao-revolving", "baitiao-standard"))
    with pytest.raises(ValidationError):
        catalog_product("baitiao-standard@2")


@pytest.mark.parametrize("name", ["baitiao-installment", "baitiao-revolving", "baitiao-standard"])
def test_a_line_opened_on_a_product_buys_over_its_plans_only(name: str) -> None:
    bus = build_memory().bus
    line = bus.handle(c.OpenLine("L", "C", 5_000_000, OPENED, product=name))
    assert line.product.key == f"{name}@1"
    for periods in (3, 6, 12, 24):
        buy = c.Purchase(f"p{periods}", "L", 120_000, periods, date(2024, 1, 6))
        if periods not in offered(name):
            with pytest.raises(ValidationError) as exc:
                bus.handle(buy)
            assert exc.value.field == "periods"
            continue
        plan = bus.handle(buy)
        assert len(plan.installments) == periods
        assert sum(i.principal_minor for i in plan.installments) == 120_000
        # a flat monthly fee on the original principal: 1,200 yuan x fee bps each month
        assert {i.fee_minor for i in plan.installments} == {120_000 * offered(name)[periods] // 10_000}


def test_a_revolving_line_bills_a_minimum_payment_and_a_default_line_does_not() -> None:
    bus = build_memory().bus
    for line_id, product in (("R", "baitiao-revolving"), ("S", None)):
        bus.handle(c.OpenLine(line_id, f"C-{line_id}", 500_000, OPENED, product=product))
        bus.handle(c.Purchase(f"b-{line_id}", line_id, 100_000, 1, date(2024, 1, 6)))  # pay next month
    bus.handle(c.RunDayEnd(date(2024, 2, 9)))
    with bus.uow:
        revolving, standard = bus.uow.lines.get("R").statements[-1], bus.uow.lines.get("S").statements[-1]
    assert (revolving.total_due_minor, revolving.minimum_due_minor) == (100_000, 10_000)  # 10 % may not revolve
    assert (standard.total_due_minor, standard.minimum_due_minor) == (100_000, 100_000)


def test_reopening_a_line_on_another_product_is_a_conflict() -> None:
    bus = build_memory().bus
    bus.handle(c.OpenLine("L", "C", 500_000, OPENED, product="baitiao-installment"))
    assert bus.handle(c.OpenLine("L", "C", 500_000, OPENED, product="baitiao-installment@1")).product.key == (
        "baitiao-installment@1"
    )  # the same request again
    with pytest.raises(IdempotencyConflict, match="product"):
        bus.handle(c.OpenLine("L", "C", 500_000, OPENED))
