"""IRB capital beyond the printed table: PD = 0 and PD = 1, floors, clamps, correlations, refusals naming the
field, and the segment/portfolio summary in minor units."""

from __future__ import annotations

from decimal import Decimal

import pytest

from creditloop.core.errors import ValidationError
from creditloop.portfolio.capital import Segment, portfolio_capital, segment_from_dict
from creditloop.portfolio.irb import AssetClass, correlation, irb_capital
from creditloop.portfolio.vasicek import BASEL_Z, conditional_pd, default_rate_cdf, default_rate_quantile


def test_correlations_at_the_ends_of_the_pd_range() -> None:
    assert correlation(AssetClass.QRRE, 0.3) == (0.04, None)
    assert correlation(AssetClass.MORTGAGE, 0.3) == (0.15, None)
    assert correlation(AssetClass.OTHER_RETAIL, 0.0)[0] == pytest.approx(0.16)
    assert correlation(AssetClass.OTHER_RETAIL, 1.0)[0] == pytest.approx(0.03)
    assert correlation(AssetClass.CORPORATE, 0.0)[0] == pytest.approx(0.24)
    assert correlation(AssetClass.CORPORATE, 1.0)[0] == pytest.approx(0.12)


def test_sme_adjustment_is_clamped_to_sales_5_to_50() -> None:
    r_large = correlation(AssetClass.CORPORATE, 0.01)[0]
    assert correlation(AssetClass.CORPORATE, 0.01, 5.0) == pytest.approx((r_large - 0.04, 0.04))
    assert correlation(AssetClass.CORPORATE, 0.01, 1.0) == correlation(AssetClass.CORPORATE, 0.01, 5.0)
    assert correlation(AssetClass.CORPORATE, 0.01, 27.5)[1] == pytest.approx(0.02)
    assert correlation(AssetClass.CORPORATE, 0.01, 50.0)[1] == 0.0
    assert correlation(AssetClass.CORPORATE, 0.01, 500.0)[1] == 0.0
    assert irb_capital("corporate", 0.01, 0.45, sales_m=1).sales_m_used == 5.0


def test_maturity_defaults_to_2_5_and_is_clamped_to_1_to_5() -> None:
    base = irb_capital("corporate", 0.01, 0.45)
    assert base.maturity_used == 2.5
    assert irb_capital("corporate", 0.01, 0.45, maturity="0.25").k == irb_capital("corporate", 0.01, 0.45, maturity=1).k
    assert irb_capital("corporate", 0.01, 0.45, maturity=30).maturity_used == 5.0
    longer = irb_capital("corporate", 0.01, 0.45, maturity=5)
    assert longer.k > base.k
    b = base.maturity_b
    assert b is not None and longer.maturity_adjustment == pytest.approx((1 + 2.5 * b) / (1 - 1.5 * b))
    assert irb_capital("mortgage", 0.01, 0.45).maturity_adjustment is None


def test_pd_zero_holds_no_capital() -> None:
    for cls in AssetClass:
        r = irb_capital(cls, 0, 0.45)
        assert r.k == 0.0 and r.risk_weight_percent == 0.0 and r.expected_loss_rate == 0.0 and not r.defaulted


def test_defaulted_exposure_holds_lgd_less_best_estimate_el() -> None:
    plain = irb_capital("qrre", 1, 0.6)
    assert plain.defaulted and plain.el_best == 0.6 and plain.k == 0.0  # ELbest defaults to LGD
    r = irb_capital("qrre", "1", "0.6", el_best="0.45")
    assert r.k == pytest.approx(0.15) and r.risk_weight_percent == pytest.approx(187.5)
    assert r.expected_loss_rate == 0.45
    assert irb_capital("other_retail", 1, 0.3, el_best=0.5).k == 0.0  # max(0, ...)
    corp = irb_capital("corporate", 1, 0.45, el_best=0.40, maturity=5)
    assert corp.k == pytest.approx(0.05) and corp.maturity_adjustment is None  # no maturity scaling in default


def test_k_approaches_zero_as_pd_approaches_one() -> None:
    assert irb_capital("qrre", 0.999999, 0.45).k < 1e-4


def test_floors_raise_pd_and_lgd_and_say_so() -> None:
    r = irb_capital("qrre", 0.0003, 0.45, floors=True)
    assert (r.pd_used, r.lgd_used) == (0.001, 0.5)
    assert [(f.field, f.given, f.floor) for f in r.floors_applied] == [("pd", 0.0003, 0.001), ("lgd", 0.45, 0.5)]
    assert irb_capital("qrre", 0.0003, 0.45, floors=True, transactor=True).pd_used == 0.0005
    assert irb_capital("other_retail", 0.0003, 0.2, floors=True).lgd_used == 0.3
    assert irb_capital("mortgage", 0.0003, 0.02, floors=True).lgd_used == 0.05
    assert irb_capital("corporate", 0.0003, 0.1, floors=True).pd_used == 0.0005
    above = irb_capital("mortgage", 0.02, 0.25, floors=True)
    assert above.floors_applied == () and above.k == irb_capital("mortgage", 0.02, 0.25).k
    assert irb_capital("qrre", 0.0003, 0.45).floors_applied == ()  # off by default


def test_decimal_and_text_inputs_give_the_float_result() -> None:
    a = irb_capital("other_retail", Decimal("0.025"), Decimal("0.85"))
    b = irb_capital("other_retail", "0.025", " 0.85 ")
    assert a.k == b.k == irb_capital("other_retail", 0.025, 0.85).k


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"asset_class": "retail"}, "asset_class", "one of qrre, other_retail, mortgage, corporate"),
        ({"pd": -0.01}, "pd", "[0, 1]"),
        ({"pd": 1.01}, "pd", "[0, 1]"),
        ({"pd": "nan"}, "pd", "finite"),
        ({"pd": float("inf")}, "pd", "finite"),
        ({"pd": True}, "pd", "number"),
        ({"lgd": "45%"}, "lgd", "number"),
        ({"lgd": 45}, "lgd", "[0, 1]"),
        ({"sales_m": 10}, "sales_m", "corporate"),
        ({"maturity": 3}, "maturity", "corporate"),
        ({"asset_class": "corporate", "maturity": 0}, "maturity", "positive"),
        ({"asset_class": "corporate", "sales_m": -5}, "sales_m", "negative"),
        ({"el_best": 0.4}, "el_best", "defaulted"),
        ({"pd": 1, "el_best": 2}, "el_best", "[0, 1]"),
        ({"asset_class": "mortgage", "transactor": True}, "transactor", "qrre"),
    ],
)
def test_bad_input_is_refused_naming_the_field(kwargs: dict[str, object], field: str, words: str) -> None:
    args: dict[str, object] = {"asset_class": "qrre", "pd": 0.01, "lgd": 0.45, **kwargs}
    with pytest.raises(ValidationError) as exc:
        irb_capital(**args)  # type: ignore[arg-type]
    assert exc.value.field == field and words in exc.value.message


def test_vasicek_edges_and_refusals() -> None:
    assert conditional_pd(0.02, 0, -3) == pytest.approx(0.02)
    assert conditional_pd(0, 0.2, -5) == 0.0 and conditional_pd(1, 0.2, 5) == 1.0
    assert default_rate_cdf(0.02, 0.04, default_rate_quantile(0.02, 0.04, 0.95)) == pytest.approx(0.95)
    for kwargs, field in (({"rho": 1}, "rho"), ({"rho": -0.1}, "rho"), ({"z": "inf"}, "z"), ({"pd": 2}, "pd")):
        args: dict[str, object] = {"pd": 0.02, "rho": 0.04, "z": 0, **kwargs}
        with pytest.raises(ValidationError) as exc:
            conditional_pd(**args)  # type: ignore[arg-type]
        assert exc.value.field == field
    with pytest.raises(ValidationError):
        default_rate_cdf(0.02, 0, 0.1)


def test_portfolio_capital_in_minor_units_adds_up() -> None:
    segments = [
        Segment("cards", AssetClass.QRRE, 1_000_000_00, 0.02, 0.85),
        Segment("instalments", AssetClass.OTHER_RETAIL, 500_000_00, 0.01, 0.45),
        Segment("sme", AssetClass.CORPORATE, 200_000_00, 0.01, 0.45, sales_m=5),
    ]
    p = portfolio_capital(segments, stress_z=BASEL_Z)
    cards = p.segments[0]
    expected_rw = irb_capital("qrre", 0.02, 0.85).risk_weight
    assert cards.rwa_minor == round(expected_rw * 1_000_000_00)
    assert cards.capital_minor == round(cards.irb.k * 1_000_000_00)
    assert cards.expected_loss_minor == round(0.02 * 0.85 * 1_000_000_00)
    assert p.ead_minor == 1_700_000_00
    assert p.rwa_minor == sum(s.rwa_minor for s in p.segments)
    assert p.capital_minor == sum(s.capital_minor for s in p.segments)
    # capital is 8 % of RWA up to one rounding per segment
    assert abs(p.capital_minor - 0.08 * p.rwa_minor) <= len(segments)
    # the stressed loss at the Basel state is EL + K (before the maturity adjustment) for retail segments
    assert cards.stressed_loss_minor == pytest.approx(cards.expected_loss_minor + cards.capital_minor, abs=2)
    assert p.stressed_loss_minor is not None and p.stressed_loss_minor > p.expected_loss_minor


def test_portfolio_refusals_name_the_segment_and_field() -> None:
    with pytest.raises(ValidationError) as exc:
        portfolio_capital([Segment("a", AssetClass.QRRE, 100, 0.01, 0.4), Segment("b", AssetClass.QRRE, 100, 2, 0.4)])
    assert exc.value.field == "segments[1].pd" and "'b'" in exc.value.message
    with pytest.raises(ValidationError) as exc:
        portfolio_capital([])
    assert exc.value.field == "segments"
    with pytest.raises(ValidationError) as exc:
        segment_from_dict({"class": "qrre", "ead_minor": 10.5, "pd": 0.1, "lgd": 0.4}, 3)
    assert exc.value.field == "segments[3].ead_minor"
    with pytest.raises(ValidationError) as exc:
        segment_from_dict({"class": "qrre", "ead_minor": 10, "pd": 0.1}, 0)
    assert exc.value.field == "segments[0].lgd"
    with pytest.raises(ValidationError) as exc:
        segment_from_dict({"class": "qrre", "ead_minor": 10, "pd": 0.1, "lgd": 0.4, "pdd": 1}, 0)
    assert "pdd" in exc.value.message


def test_corporate_below_the_basel_ii_pd_floor_is_refused_not_extrapolated() -> None:
    """Below PD 0.03 % the corporate maturity adjustment breaks down (RW 46 % at PD 3e-6 but 3.4 % at 5e-6)."""
    with pytest.raises(ValidationError) as exc:
        irb_capital("corporate", 0.0001, 0.45)
    assert exc.value.field == "pd" and "0.0003" in exc.value.message
    assert irb_capital("corporate", 0.0001, 0.45, floors=True).pd_used == 0.0005  # the floors lift it
    assert irb_capital("corporate", 0.0003, 0.45).risk_weight_percent == pytest.approx(14.44, abs=0.011)
    assert irb_capital("corporate", 0, 0.45).k == 0.0  # PD = 0: no default, no capital
    assert irb_capital("qrre", 0.0001, 0.45).k > 0  # retail has no maturity adjustment: any PD works
