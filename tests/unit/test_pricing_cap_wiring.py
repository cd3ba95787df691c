"""The pricing cap is enforced where plans are born: product definition, purchase, restructure with a fee."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from importlib import resources

import pytest

from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.memory import MemoryUnitOfWork
from creditloop.bootstrap import check_product_cycle, default_policies
from creditloop.core.errors import DomainError
from creditloop.products.caps import check_product
from creditloop.products.terms import Product


def greedy_product() -> Product:
    doc = json.loads(
        resources.files("creditloop.products.catalog").joinpath("baitiao_standard_v1.json").read_text("utf-8")
    )
    doc["installment_options"].append({"periods": 24, "monthly_fee_bps": 300})
    return Product.from_dict(doc)


def test_a_product_above_the_cap_is_refused_when_defined() -> None:
    with pytest.raises(DomainError) as e:
        check_product(greedy_product(), date(2024, 1, 1), "cn_licensed")
    assert e.value.code == "pricing_cap_exceeded"
    assert "24 periods" in e.value.message and "24" in e.value.message  # the computed rate and the cap


def test_a_purchase_on_an_option_above_the_cap_is_refused_and_nothing_is_written() -> None:
    policies = replace(default_policies(), product=greedy_product())
    bus = MessageBus(MemoryUnitOfWork({policies.product.key: policies.product}.__getitem__), policies)
    bus.handle(c.OpenLine("L", "C", 1_000_000, date(2024, 1, 5)))
    bus.handle(c.Purchase("ok", "L", 10_000, 12, date(2024, 1, 6)))  # 0.6 %/month flat: about 13 % a year
    with pytest.raises(DomainError) as e:
        bus.handle(c.Purchase("greedy", "L", 10_000, 24, date(2024, 1, 6)))  # 3 %/month flat: far above 24 %
    assert e.value.code == "pricing_cap_exceeded"
    with bus.uow:
        line = bus.uow.lines.get("L")
        assert [p.purchase_id for p in line.plans] == ["ok"]


def test_a_restructure_with_a_fee_above_the_cap_is_refused() -> None:
    policies = default_policies()
    bus = MessageBus(MemoryUnitOfWork({policies.product.key: policies.product}.__getitem__), policies)
    bus.handle(c.OpenLine("L", "C", 1_000_000, date(2024, 1, 5)))
    bus.handle(c.Purchase("b", "L", 100_000, 3, date(2024, 1, 6)))
    with pytest.raises(DomainError) as e:
        bus.handle(
            c.Restructure("h", "L", "term_extension", date(2024, 3, 20), (("periods", 6), ("monthly_fee_bps", 400)))
        )
    assert e.value.code == "pricing_cap_exceeded"
    ok = bus.handle(
        c.Restructure("h2", "L", "term_extension", date(2024, 3, 20), (("periods", 6), ("monthly_fee_bps", 50)))
    )
    assert ok.after and ok.after[0]["fee_minor"] > 0


def test_a_restructured_plan_is_disclosed_with_its_annualised_cost() -> None:
    policies = default_policies()
    bus = MessageBus(MemoryUnitOfWork({policies.product.key: policies.product}.__getitem__), policies)
    bus.handle(c.OpenLine("L", "C", 1_000_000, date(2024, 1, 5)))
    bus.handle(c.Purchase("b", "L", 100_000, 3, date(2024, 1, 6)))
    free = bus.handle(c.Restructure("p", "L", "term_extension", date(2024, 1, 20), (("periods", 6),), preview=True))
    assert free.disclosure["rate"]["nominal_percent"] == "0.00"  # fee-free extension: 0 %
    paid = bus.handle(
        c.Restructure("q", "L", "term_extension", date(2024, 1, 20), (("periods", 6), ("monthly_fee_bps", 50)))
    )
    assert 0 < float(paid.disclosure["rate"]["nominal_percent"]) < 24
    assert "年化" in paid.disclosure["text"]["zh"] and "annual" in paid.disclosure["text"]["en"].lower()


def test_the_cap_is_checked_on_the_real_purchase_day() -> None:
    """1.2 %/month over 3 periods: about 18.6 % bought on the 1st, but 32.5 % bought on the 31st."""
    doc = json.loads(
        resources.files("creditloop.products.catalog").joinpath("baitiao_standard_v1.json").read_text("utf-8")
    )
    doc["installment_options"][1] = {"periods": 3, "monthly_fee_bps": 120}
    product = Product.from_dict(doc)
    check_product(product, date(2024, 1, 1), "cn_licensed")  # fine on the 1st
    policies = replace(default_policies(), product=product)
    bus = MessageBus(MemoryUnitOfWork({product.key: product}.__getitem__), policies)
    bus.handle(c.OpenLine("L", "C", 1_000_000, date(2024, 1, 1)))
    bus.handle(c.Purchase("early", "L", 10_000, 3, date(2024, 1, 1)))
    with pytest.raises(DomainError) as e:
        bus.handle(c.Purchase("late", "L", 10_000, 3, date(2024, 1, 31)))
    assert e.value.code == "pricing_cap_exceeded" and "32.48%" in e.value.message
    with pytest.raises(DomainError):
        check_product_cycle(product, date(2024, 1, 1), "cn_licensed")  # the product itself is refused


def test_a_passed_check_is_remembered_per_product_object_never_for_another(monkeypatch: pytest.MonkeyPatch) -> None:
    from creditloop.app import handlers

    calls: list[int] = []
    real = handlers._option_checked
    monkeypatch.setattr(handlers, "_PASSED", {})
    monkeypatch.setattr(handlers, "_option_checked", lambda *a: calls.append(a[1]) or real(*a))
    fair = default_policies()
    bus = MessageBus(MemoryUnitOfWork({fair.product.key: fair.product}.__getitem__), fair)
    bus.handle(c.OpenLine("L", "C", 1_000_000, date(2024, 1, 5)))
    for k in range(3):
        bus.handle(c.Purchase(f"p{k}", "L", 10_000, 12, date(2024, 1, 6)))
    assert calls == [12]  # checked once; the same product, option and day pass from memory
    # Another product object (here the same key, pricier terms) is checked afresh, even for the same option and day.
    doc = json.loads(
        resources.files("creditloop.products.catalog").joinpath("baitiao_standard_v1.json").read_text("utf-8")
    )
    doc["installment_options"] = [{"periods": 12, "monthly_fee_bps": 300}]
    pricier = Product.from_dict(doc)
    assert pricier.key == fair.product.key
    # The check prices the plan on the line's own product (the one that bills it): a line on the other object.
    dear = replace(fair, product=pricier)
    bus = MessageBus(MemoryUnitOfWork({pricier.key: pricier}.__getitem__), dear)
    bus.handle(c.OpenLine("L", "C", 1_000_000, date(2024, 1, 5)))
    with pytest.raises(DomainError) as e:
        bus.handle(c.Purchase("p9", "L", 10_000, 12, date(2024, 1, 6)))
    assert e.value.code == "pricing_cap_exceeded" and calls == [12, 12]
