"""UCI Taiwan and Credit Card Approval as behaviour panels (issue 14), read in place from ../shared/datasets
(skipped when absent): the documented mapping on known rows, checked panels, no protected attribute."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from creditloop.adapters.datasets.credit_card_approval import approval_panel
from creditloop.adapters.datasets.uci_taiwan import taiwan_panel, taiwan_target
from creditloop.adapters.warehouse.behaviour_labels import behaviour_labels

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
TAIWAN = DATASETS / "uci_taiwan_default.csv"
APPROVAL = DATASETS / "credit_card_approval_credit_record.csv.gz"
PROTECTED = {"X2", "X3", "X4", "X5", "SEX", "MARRIAGE", "AGE", "CODE_GENDER", "NAME_FAMILY_STATUS", "DAYS_BIRTH"}


def need(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"real data set {path.name} not found in {DATASETS} (shared datasets folder absent)")
    return path


def test_taiwan_client_one_maps_as_documented() -> None:
    panel = taiwan_panel(need(TAIWAN))
    assert panel.num_rows == 30_000 * 6 and not PROTECTED & set(panel.column_names)
    rows = [r for r in panel.slice(0, 6).to_pylist()]
    assert [r["account_id"] for r in rows] == ["tw-1"] * 6
    assert [r["month_end_on"] for r in rows] == [date(2005, m, d) for m, d in
                                                 ((4, 30), (5, 31), (6, 30), (7, 31), (8, 31), (9, 30))]  # fmt: skip
    # ID 1: PAY Sep..Apr = 2, 2, -1, -1, -2, -2; BILL = 3913, 3102, 689, 0, 0, 0; PAY_AMT = 0, 689, 0, 0, 0, 0.
    assert [r["dpd"] for r in rows] == [0, 0, 0, 0, 60, 60]
    assert [r["balance_minor"] for r in rows] == [0, 0, 0, 68_900, 310_200, 391_300]
    assert [r["statement_due_minor"] for r in rows] == [None, 0, 0, 0, 68_900, 310_200]
    assert [r["paid_minor"] for r in rows] == [0, 0, 0, 0, 68_900, 0]
    assert rows[5]["spend_minor"] == (3913 - 3102 + 0) * 100
    assert {r["limit_minor"] for r in rows} == {2_000_000}
    assert rows[5]["last_payment_on"] == date(2005, 8, 31) and rows[3]["last_payment_on"] is None
    target = taiwan_target(TAIWAN)
    assert target.num_rows == 30_000 and abs(sum(target["default_next_month"].to_pylist()) / 30_000 - 0.2212) < 1e-3


def test_approval_panel_maps_status_to_dpd() -> None:
    panel = approval_panel(need(APPROVAL))
    assert panel.num_rows == 1_048_575 and set(panel.column_names) == {"account_id", "month_end_on", "dpd", "status"}
    first = panel.slice(0, 200).to_pylist()
    by_status = {r["status"]: r["dpd"] for r in panel.slice(0, 200_000).to_pylist()}
    assert by_status == {"0": 15, "1": 45, "2": 75, "3": 105, "4": 135, "5": 180, "C": 0, "X": 0}
    assert max(r["month_end_on"] for r in first) <= date(2020, 12, 31)
    labels = behaviour_labels(panel, horizon_months=6, dpd_threshold=60)
    rate = sum(labels["bad"].to_pylist()) / labels.num_rows
    assert 0.001 < rate < 0.02  # ever-60+ within six months is rare in this panel (README: 2.18 % by MOB 24)
