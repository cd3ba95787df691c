"""Starter-line graduation (``limit_management.graduate``): clean statements raise a starter line toward the
affordability limit recorded at origination, in steps; the existing LimitRule review is unchanged."""

from __future__ import annotations

from dataclasses import replace

import pytest

from creditloop.core.errors import ValidationError
from creditloop.servicing.credit_line import LineStatus
from creditloop.strategy.limit_management import (
    REASON_STARTER_GRADUATION,
    StarterGraduation,
    StarterLine,
    graduate,
)

RULE = StarterGraduation("starter-graduation", "1", clean_statements=3, growth_bps=20_000)
LINE = StarterLine("L-1", LineStatus.ACTIVE, 35_000, 3, 2_170_000)


def test_three_clean_statements_double_the_starter_line() -> None:
    action = graduate(RULE, LINE)
    assert action is not None
    assert (action.action, action.limit_minor, action.reason) == ("limit", 70_000, REASON_STARTER_GRADUATION)


def test_growth_walks_up_in_steps_and_stops_at_the_target() -> None:
    limit, path = 35_000, []
    for _ in range(10):
        action = graduate(RULE, replace(LINE, limit_minor=limit))
        if action is None:
            break
        assert action.limit_minor is not None
        limit = action.limit_minor
        path.append(limit)
    assert path == [70_000, 140_000, 280_000, 560_000, 1_120_000, 2_170_000]
    assert graduate(RULE, replace(LINE, limit_minor=2_170_000)) is None


@pytest.mark.parametrize(
    "change",
    [
        {"clean_statements": 2},
        {"dpd": 1},
        {"alerts_recent": 1},
        {"restructured": True},
        {"status": LineStatus.FROZEN},
        {"affordable_limit_minor": 0},
        {"affordable_limit_minor": 35_000},
    ],
)
def test_no_raise_when_not_clean_or_no_room(change: dict[str, object]) -> None:
    assert graduate(RULE, replace(LINE, **change)) is None  # type: ignore[arg-type]


def test_a_small_growth_that_floors_to_no_raise_is_no_action() -> None:
    slow = StarterGraduation("slow", "1", growth_bps=11_000)
    assert graduate(slow, replace(LINE, limit_minor=35_000)) is None  # 38,500 floors to 30,000
    assert graduate(slow, replace(LINE, limit_minor=100_000)) is not None  # 110,000


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"clean_statements": 0}, "clean_statements"),
        ({"growth_bps": 10_000}, "growth_bps"),
        ({"step_minor": 0}, "step_minor"),
    ],
)
def test_rule_is_validated(kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        StarterGraduation("r", "1", **kwargs)
    assert err.value.field == field
