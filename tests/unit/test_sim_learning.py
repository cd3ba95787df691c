"""The learning lender's training table knows only what was known at the fit date (no look-ahead)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from creditloop.simulate.learning import LearningPlan, training_table

PLAN = LearningPlan(fit_after_month=6, min_months_on_book=3)


def app(i: int, month: int, decision: str = "approve") -> dict[str, Any]:
    return {"application_id": f"A-C{i:07d}", "customer_id": f"C{i:07d}", "month_index": month, "decision": decision}


def snap(i: int, month: int, dpd: int = 0, status: str = "ACTIVE") -> dict[str, Any]:
    return {"line_id": f"L-C{i:07d}", "month_index": month, "dpd": dpd, "status": status}


def features(apps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {a["application_id"]: {"monthly_income_yuan": 1000.0 + i} for i, a in enumerate(apps)}


def test_only_approved_cohorts_old_enough_at_the_fit_date_are_rows() -> None:
    apps = [app(1, 1), app(2, 3), app(3, 4), app(4, 2, "decline"), app(5, 2, "refer"), app(6, 7)]
    table = training_table(apps, [], features(apps), 6, PLAN)
    assert table.application_ids == ("A-C0000001", "A-C0000002")  # month 4 is too young, 7 is in the future


def test_the_label_is_30_plus_dpd_or_charge_off_up_to_the_fit_month() -> None:
    apps = [app(1, 1), app(2, 1), app(3, 2), app(4, 2)]
    snaps = [snap(1, 3, dpd=31), snap(2, 4, dpd=29), snap(3, 6, status="CHARGED_OFF"), snap(4, 7, dpd=90)]
    table = training_table(apps, snaps, features(apps), 6, PLAN)
    assert dict(zip(table.application_ids, table.bad, strict=True)) == {
        "A-C0000001": 1,
        "A-C0000002": 0,
        "A-C0000003": 1,
        "A-C0000004": 0,  # went bad in month 7: after the fit date, unknown at it
    }


@settings(max_examples=60, deadline=None)
@given(
    later=st.lists(st.tuples(st.integers(1, 30), st.integers(7, 24), st.integers(0, 180), st.booleans()), max_size=40),
    later_apps=st.lists(st.tuples(st.integers(31, 60), st.integers(4, 24)), max_size=10),
)
def test_adding_later_events_leaves_the_training_table_unchanged(
    later: list[tuple[int, int, int, bool]], later_apps: list[tuple[int, int]]
) -> None:
    apps = [app(i, 1 + i % 3) for i in range(1, 31)]
    snaps = [snap(i, m, dpd=(40 if i % 7 == 0 and m >= 4 else 0)) for i in range(1, 31) for m in range(1, 7)]
    feats = features(apps)
    before = training_table(apps, snaps, feats, 6, PLAN)
    more_snaps = snaps + [snap(i, m, dpd, "CHARGED_OFF" if off else "ACTIVE") for i, m, dpd, off in later]
    more_apps = apps + [app(i, m) for i, m in later_apps]
    after = training_table(more_apps, more_snaps, feats | features(more_apps[30:]), 6, PLAN)
    assert after == before
    assert before.bads == sum(1 for i in range(1, 31) if i % 7 == 0)
