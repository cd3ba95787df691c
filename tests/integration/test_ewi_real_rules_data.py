"""The rule sets for real panels on slices of the real data (issue 14), read in place from ../shared/datasets
(skipped when absent): on UCI Taiwan's revolving cards the revolving rules alert far less than the installment
rules and more precisely than the base rate; on Credit Card Approval (status only) the back-test picks the status
rules by itself and they warn well above the base rate. The full figures: tools/ewi_real_backtest.py."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from creditloop.adapters.datasets.credit_card_approval import approval_panel
from creditloop.adapters.datasets.uci_taiwan import taiwan_panel
from creditloop.adapters.warehouse.ewi_panel_backtest import STATUS_ONLY, panel_backtest
from creditloop.monitoring.alert_rules import AlertRuleSet, packaged_alert_rules
from creditloop.monitoring.features import default_feature_set

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
TAIWAN = DATASETS / "uci_taiwan_default.csv"
APPROVAL = DATASETS / "credit_card_approval_credit_record.csv.gz"


def need(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"real data set {path.name} not found in {DATASETS} (shared datasets folder absent)")
    return path


def first_accounts(table: pa.Table, n: int) -> pa.Table:
    """The rows of the first ``n`` accounts in file order (every month of each)."""
    ids = pc.unique(table["account_id"]).slice(0, n)
    return table.filter(pc.is_in(table["account_id"], value_set=ids))


def no_sweep(name: str) -> AlertRuleSet:
    """A packaged rule set without its sweep (one replay instead of one per threshold: the test stays quick)."""
    rules = packaged_alert_rules(name)
    return rules.with_rules(tuple(replace(r, sweep=()) for r in rules.rules))


def test_revolving_rules_on_uci_taiwan_revolvers() -> None:
    panel = first_accounts(taiwan_panel(need(TAIWAN)), 3_000)
    fs = default_feature_set()
    installment = panel_backtest(panel, "tw", no_sweep("ewi"), fs).policies[0]
    revolving = panel_backtest(panel, "tw", no_sweep("ewi_revolving"), fs)
    main = revolving.policies[0]
    assert main.policy == "ewi_revolving@1" and main.first_alerts > 150
    assert main.rate_mean <= 0.12 < installment.rate_mean  # the pay-ratio rule fires on ordinary revolvers
    assert main.precision > 1.4 * revolving.base_rate


def test_status_rules_picked_for_card_approval() -> None:
    panel = first_accounts(approval_panel(need(APPROVAL)), 4_000)
    result = panel_backtest(panel, "ca", None, default_feature_set(), horizon_days=180)
    main = result.policies[0]
    assert main.policy == "ewi_status@1" and STATUS_ONLY in result.notes
    assert main.first_alerts > 300 and main.precision > 2 * result.base_rate
