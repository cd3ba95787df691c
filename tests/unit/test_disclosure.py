"""Checkout disclosures (DOMAIN §2.1 worked examples) and pricing caps (DOMAIN §0.3, §2.2)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from creditloop.core.errors import DomainError, ValidationError
from creditloop.core.money import Rounding
from creditloop.products.apr import Regime, percent
from creditloop.products.caps import CapRegime, check_cap, check_plan, check_product, default_caps
from creditloop.products.daycount import Frequency
from creditloop.products.disclosure import disclose, disclose_option
from creditloop.products.pricing import PlanTerms, PricingMethod
from creditloop.products.terms import default_product

# Bought on 10 Jan → statement 1 Feb → due 10 Feb: exactly one month to the first installment.
ON = date(2024, 1, 10)


@pytest.mark.parametrize(
    ("periods", "nominal", "effective", "fee"),
    [(3, "12.56", "13.30", 2100), (12, "13.03", "13.84", 7200), (6, "13.25", "14.08", 3900)],
)
def test_packaged_product_options(periods: int, nominal: str, effective: str, fee: int) -> None:
    d = disclose_option(default_product(), periods, 100000, ON)
    assert (str(percent(d.rate.nominal)), str(percent(d.rate.effective))) == (nominal, effective)
    assert d.total_fee_minor == fee and d.total_cost_minor == fee and d.total_interest_minor == 0
    assert d.total_repayable_minor == 100000 + fee
    assert d.schedule[0].due_on == date(2024, 2, 10)


def test_domain_6000_over_12_at_075() -> None:
    terms = PlanTerms(PricingMethod.FLAT_MONTHLY_FEE, 12, monthly_fee_bps=75, principal_rounding=Rounding.DOWN)
    d = disclose(600000, terms, ON)
    assert {i.total_minor for i in d.schedule} == {54500}
    assert d.total_fee_minor == 54000
    assert (percent(d.rate.nominal), percent(d.rate.effective)) == (Decimal("16.22"), Decimal("17.48"))


def test_interest_free_next_month_and_pay_in_4_are_zero() -> None:
    nxt = disclose_option(default_product(), 1, 100000, ON)
    assert nxt.rate.nominal == 0 and nxt.total_cost_minor == 0
    assert nxt.text("zh").startswith("年化利率 0.00%（免息）")
    assert nxt.text("en").startswith("Annualised rate 0.00% (interest-free).")
    p4 = PlanTerms(PricingMethod.INTEREST_FREE, 3, Frequency.DAILY, 15, down_payment_bps=2500)
    d = disclose(100000, p4, date(2024, 1, 1))
    assert d.rate.effective == 0 and d.down_payment_minor == 25000
    assert "首付 250.00 元（下单时支付），分 3 期，每期应还 250.00 元" in d.text("zh")


def test_huabei_total_fee_rate() -> None:
    d = disclose(100000, PlanTerms(PricingMethod.TOTAL_FEE, 12, total_fee_bps=880), ON)
    assert d.total_fee_minor == 8800
    assert (percent(d.rate.nominal), percent(d.rate.effective)) == (Decimal("15.86"), Decimal("17.07"))


def test_emi_plan_discloses_its_contract_rate() -> None:
    terms = PlanTerms(PricingMethod.EMI, 12, annual_rate=Decimal("0.12"))
    d = disclose(1_000_000, terms, ON)
    assert percent(d.rate.nominal) == Decimal("12.00")  # declining balance at 1 % a month: IRR is the contract rate
    assert d.total_interest_minor == 661_86 and d.total_fee_minor == 0


def test_texts_lead_with_the_annualised_rate() -> None:
    d = disclose_option(default_product(), 12, 100000, ON)
    zh, en = d.text("zh"), d.text("en")
    assert zh.splitlines()[0] == "年化利率 13.03%（IRR 内部收益率法，月利率 × 12）；按复利计算的实际年化利率 13.84%。"
    assert "分 12 期，每期应还 89.33 元（末期 89.37 元）" in zh and "手续费合计 72.00 元" in zh
    assert (
        en.splitlines()[0] == "Annualised rate 13.03% (IRR method, monthly rate × 12); compounded annual rate 13.84%."
    )
    assert "12 installments of 89.33 (last 89.37)" in en and "total to repay 1072.00" in en
    with pytest.raises(ValidationError) as e:
        d.text("fr")
    assert e.value.field == "lang"


def test_other_regimes() -> None:
    reg_z = disclose_option(default_product(), 12, 100000, ON, regime=Regime.REG_Z)
    assert percent(reg_z.rate.headline) == Decimal("13.03")  # monthly unit period: same nominal as PBoC here
    assert reg_z.text("en").startswith("ANNUAL PERCENTAGE RATE 13.03%")
    eu = disclose_option(default_product(), 12, 100000, ON, regime=Regime.EU)
    assert percent(eu.rate.headline) == Decimal("13.84")
    assert eu.text("zh").startswith("年化总成本率 APRC 13.84%")


def test_to_dict_has_the_table_and_totals() -> None:
    doc = disclose_option(default_product(), 3, 100000, ON).to_dict()
    assert [i["total_minor"] for i in doc["installments"]] == [34033, 34033, 34034]
    assert doc["total_cost_minor"] == 2100 and doc["rate"]["nominal_percent"] == "12.56"
    assert set(doc["text"]) == {"zh", "en"}


# ------------------------------------------------------------------------------------------------ caps


def test_lpr_table_and_four_times_lpr() -> None:
    table = default_caps()
    assert table.lpr_on(date(2020, 7, 20)).rate == Decimal("0.0385")
    expected = {
        date(2020, 8, 20): "15.40",  # the SPC's own example
        date(2022, 9, 1): "14.60",
        date(2023, 7, 1): "14.20",
        date(2023, 9, 1): "13.80",
        date(2024, 8, 1): "13.40",
        date(2024, 12, 31): "12.40",
        date(2025, 6, 1): "12.00",
    }
    assert str(percent(table.lpr_on(date(2019, 8, 20)).rate * 4)) == "17.00"
    for on, cap in expected.items():
        found = table.cap_for(on, CapRegime.CN_PRIVATE_LENDING)
        assert found is not None and str(percent(found.annual_rate)) == cap, on
    old = table.cap_for(date(2019, 8, 20), CapRegime.CN_PRIVATE_LENDING)
    assert old is not None and old.rule.id == "cn-private-lending-2015"  # before 2020-08-20 the 24 % line applied
    assert table.cap_for(date(2016, 1, 1), CapRegime.CN_LICENSED) is None


def test_check_cap_message_shows_rate_and_cap() -> None:
    check_cap(Decimal("0.24"), date(2025, 6, 1), "cn_licensed")  # at the cap is allowed
    with pytest.raises(DomainError) as e:
        check_cap(Decimal("0.2401"), date(2025, 6, 1), "cn_licensed")
    assert e.value.code == "pricing_cap_exceeded"
    assert "24.01%" in e.value.message and "24.00% cap" in e.value.message
    with pytest.raises(ValidationError) as v:
        check_cap(Decimal("0.1"), date(2025, 6, 1), "mars")
    assert v.value.field == "cap"


def test_check_product_under_both_caps() -> None:
    product = default_product()
    checks = check_product(product, ON, CapRegime.CN_LICENSED)
    assert [(c.periods, str(c.rate_percent)) for c in checks] == [
        (1, "0.00"),
        (3, "12.56"),
        (6, "13.25"),
        (12, "13.03"),
    ]
    assert all(c.ok for c in checks)
    with pytest.raises(DomainError) as e:  # 4 × LPR 3.00 % = 12.00 % in June 2025 (first due 10 Jul: one month)
        check_product(product, date(2025, 6, 10), CapRegime.CN_PRIVATE_LENDING)
    assert e.value.code == "pricing_cap_exceeded"
    assert "3 periods 12.56%; 6 periods 13.25%; 12 periods 13.03% exceed the 12.00% cap" in e.value.message
    assert "4 × one-year LPR 3.00% published 2025-05-20" in e.value.message


def test_check_plan() -> None:
    huabei = PlanTerms(PricingMethod.TOTAL_FEE, 12, total_fee_bps=880)
    assert percent(check_plan(huabei, 100000, ON, "cn_licensed").nominal) == Decimal("15.86")
    steep = PlanTerms(PricingMethod.FLAT_MONTHLY_FEE, 12, monthly_fee_bps=200)
    with pytest.raises(DomainError) as e:
        check_plan(steep, 100000, ON, "cn_licensed")
    assert "(PBoC IRR × 12) 41.70% exceeds the 24.00% cap" in e.value.message
