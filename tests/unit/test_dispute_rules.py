"""Issue 16 part 2, in process: the investigation clock (jurisdiction as data), the outcome and value checks, the
correction overlay on a furnished grid, negative codes and the zh/en replies."""

from __future__ import annotations

from datetime import date

import pytest

from creditloop.app.dispute_store import CreditDispute
from creditloop.app.furnishing_corrections import apply_corrections
from creditloop.core.errors import ValidationError
from creditloop.reporting.dispute_text import reply_text
from creditloop.reporting.disputes import (
    OUTCOMES,
    Correction,
    check_corrected_value,
    check_outcome,
    dispute_clock,
    is_negative,
)

FILED = date(2024, 3, 5)


def _dispute(**kw: object) -> CreditDispute:
    args: dict[str, object] = dict(
        dispute_id="D1", line_id="L1", customer_id="C1", months=("2024-02",), field="status", channel="customer",
        jurisdiction="cn", filed_on=FILED, due_on=dispute_clock("cn").due_on(FILED), consent=False, claim=None,
        lang="zh", holds_collections=False,
    )  # fmt: skip
    args.update(kw)
    return CreditDispute(**args)  # type: ignore[arg-type]


def test_the_clock_is_20_days_in_china_and_30_under_the_fcra() -> None:
    assert dispute_clock("cn").due_on(FILED) == date(2024, 3, 25)
    assert dispute_clock("us").due_on(FILED) == date(2024, 4, 4)
    d = _dispute()
    assert d.days_left(date(2024, 3, 25)) == 0 and not d.overdue_on(date(2024, 3, 25))  # the deadline day itself
    assert d.days_left(date(2024, 3, 26)) == -1 and d.overdue_on(date(2024, 3, 26))
    closed = _dispute(status="closed", outcome="confirmed", closed_on=date(2024, 4, 30))
    assert closed.days_left(date(2024, 5, 1)) is None and not closed.overdue_on(date(2024, 5, 1))
    with pytest.raises(ValidationError) as e:
        dispute_clock("uk")
    assert e.value.field == "jurisdiction"


def test_an_open_dispute_marks_the_month_ends_from_its_filing_to_its_closing() -> None:
    d = _dispute(status="closed", outcome="confirmed", closed_on=date(2024, 3, 31))
    assert not d.open_on(date(2024, 3, 4)) and d.open_on(date(2024, 3, 5)) and d.open_on(date(2024, 3, 30))
    assert not d.open_on(date(2024, 3, 31))  # closed on the month end: March's file carries no XB


def test_outcomes_and_corrected_values() -> None:
    assert OUTCOMES == ("corrected", "confirmed", "undeterminable")
    for bad in ("withdrawn", "", "Corrected"):
        with pytest.raises(ValidationError) as e:
            check_outcome(bad)
        assert e.value.field == "outcome"
    assert check_corrected_value("status", "N") == "N" and check_corrected_value("overdue", "0012") == "12"
    for field, bad in [("status", "/"), ("status", "X"), ("balance", "-5"), ("overdue", "1.5"), ("balance", None)]:
        with pytest.raises(ValidationError) as e:
            check_corrected_value(field, bad)
        assert e.value.field == "corrected_value"


def test_corrections_overlay_only_from_their_day_and_the_latest_wins() -> None:
    days = [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31)]
    fixes = [
        Correction("D1", "L1", "2024-02", "status", "N", date(2024, 3, 20)),
        Correction("D2", "L1", "2024-03", "status", "1", date(2024, 3, 25)),
        Correction("D3", "L1", "2024-03", "status", "N", date(2024, 3, 28)),
        Correction("D4", "L1", "2024-03", "balance", "500", date(2024, 3, 28)),
        Correction("D5", "L1", "2023-01", "status", "N", date(2024, 3, 1)),  # outside the grid: ignored
    ]
    statuses, amounts = ["*", "1", "2"], [0, 100, 300]
    month = apply_corrections(days, statuses, amounts, fixes, date(2024, 3, 31))
    assert statuses == ["*", "N", "N"] and month.month(40, 1000, 300) == (0, 500, 0)
    statuses = ["*", "1", "2"]
    month = apply_corrections(days, statuses, [0, 100, 300], fixes, date(2024, 3, 19))  # none effective yet
    assert statuses == ["*", "1", "2"] and month.month(40, 1000, 300) == (40, 1000, 300)


def test_negative_codes() -> None:
    assert [c for c in "N1234567CGDZBM*#/" if is_negative(c)] == list("1234567BM")


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_replies_say_the_outcome_and_the_rights_in_both_languages(outcome: str) -> None:
    value = "N" if outcome == "corrected" else None
    args = dict(dispute_id="D1", line_id="L1", months=("2024-02",), field="status", outcome=outcome, value=value,
                filed_on=FILED, closed_on=date(2024, 3, 20), clock=dispute_clock("cn"))  # fmt: skip
    en, zh = reply_text(lang="en", **args), reply_text(lang="zh", **args)  # type: ignore[arg-type]
    assert "D1" in en and "2024-02" in en and "People's Bank of China" in en and "30 days" in en and "court" in en
    assert "D1" in zh and "中国人民银行" in zh and "个人声明" in zh and "诉讼" in zh
    assert {"corrected": "corrected it to N", "confirmed": "accurate", "undeterminable": "could not verify"}[
        outcome
    ] in en
    assert {"corrected": "已更正", "confirmed": "准确无误", "undeterminable": "无法确认"}[outcome] in zh
    us = reply_text(lang="en", **{**args, "clock": dispute_clock("us")})  # type: ignore[arg-type]
    assert "Consumer Financial Protection Bureau" in us


def test_a_month_outside_the_calendar_is_refused_naming_the_field() -> None:
    """Found by schemathesis: ``0000-01`` matched the pattern and broke the date arithmetic (a 500)."""
    from creditloop.reporting.disputes import check_month

    assert check_month("2026-01") == "2026-01"
    for bad in ("0000-01", "0001-12", "1899-12", "2026-13", "26-01"):
        with pytest.raises(ValidationError) as err:
            check_month(bad)
        assert err.value.field == "months"
