"""Limit management rules: raises for clean lines that use their credit, cuts for risky ones, unfreezes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from creditloop.core.errors import ValidationError
from creditloop.servicing.credit_line import LineStatus
from creditloop.strategy.limit_management import (
    REASON_LIMIT_CUT_RISK,
    REASON_LIMIT_RAISE_GOOD_PAYER,
    REASON_UNFREEZE_CURED,
    LimitAction,
    LimitRule,
    LineReview,
    review,
)

CUT = LimitRule("cut", "1", review_every_months=3, cut_bps=5_000, unfreeze_when_clean=True)
GROW = LimitRule("grow", "1", review_every_months=6, min_months_on_book=6, raise_bps=2_500)
LINE = LineReview(
    line_id="L-1",
    months_on_book=6,
    status=LineStatus.ACTIVE,
    limit_minor=1_000_000,
    principal_minor=400_000,
    dpd=0,
    worst_dpd_recent=0,
    alerts_recent=0,
    restructured=False,
)


def test_a_risky_line_loses_half_its_limit_but_never_below_what_it_has_drawn() -> None:
    risky = replace(LINE, worst_dpd_recent=12)
    assert review(CUT, risky) == LimitAction("limit", 500_000, REASON_LIMIT_CUT_RISK)
    drawn = replace(risky, principal_minor=812_345)
    assert review(CUT, drawn) == LimitAction("limit", 820_000, REASON_LIMIT_CUT_RISK)  # rounded up to 100 yuan
    small = replace(risky, limit_minor=60_000, principal_minor=0)
    assert review(CUT, small) == LimitAction("limit", 50_000, REASON_LIMIT_CUT_RISK)  # the product minimum
    assert review(CUT, replace(risky, limit_minor=50_000, principal_minor=0)) is None  # nothing left to cut


def test_an_alert_alone_makes_a_line_risky_and_a_clean_line_is_left_alone_by_a_cut_only_rule() -> None:
    assert review(CUT, replace(LINE, alerts_recent=1)) is not None
    assert review(CUT, LINE) is None


def test_clean_lines_that_use_their_credit_get_a_quarter_more_up_to_the_maximum() -> None:
    assert review(GROW, LINE) == LimitAction("limit", 1_250_000, REASON_LIMIT_RAISE_GOOD_PAYER)
    assert review(GROW, replace(LINE, principal_minor=200_000)) is None  # 20 % used: below the 30 % floor
    top = replace(LINE, limit_minor=4_900_000, principal_minor=2_000_000)
    assert review(GROW, top) == LimitAction("limit", 5_000_000, REASON_LIMIT_RAISE_GOOD_PAYER)
    assert review(GROW, replace(LINE, limit_minor=5_000_000, principal_minor=2_000_000)) is None


def test_reviews_happen_on_their_schedule_only() -> None:
    risky = replace(LINE, dpd=3)
    assert review(CUT, replace(risky, months_on_book=4)) is None  # not a multiple of 3
    assert review(CUT, replace(risky, months_on_book=2)) is None  # too new
    assert review(GROW, replace(LINE, months_on_book=9)) is None


def test_frozen_lines_are_unfrozen_once_clean_and_workout_lines_are_never_touched() -> None:
    frozen = replace(LINE, status=LineStatus.FROZEN, months_on_book=7)
    assert review(CUT, frozen) == LimitAction("unfreeze", None, REASON_UNFREEZE_CURED)
    assert review(CUT, replace(frozen, worst_dpd_recent=5)) is None
    assert review(GROW, frozen) is None  # this rule does not unfreeze
    assert review(CUT, replace(LINE, dpd=40, restructured=True)) is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"cut_bps": 12_000}, "cut_bps"),
        ({"review_every_months": 0}, "review_every_months"),
        ({"max_limit_minor": 10_000}, "max_limit_minor"),
    ],
)
def test_a_malformed_rule_is_refused_naming_the_field(kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        LimitRule("bad", "1", **kwargs)
    assert exc.value.field == field
