"""Early-warning back-test on a behaviour panel file (issue 14): the same replay and measures as the simulation
back-test (``ewi_backtest``), with the outcomes taken from the panel's own rows (``ewi_outcomes.panel_outcomes``).

What differs from a simulation's outputs, and is said in the result's notes:
- there is no ``alerts.parquet``, so no single-rule comparison: only the rule set (and its sweep) is measured;
- outcomes end where an account's rows end: a 30+ after an account's last month is not seen;
- shock months are the months in which some row has ``shock`` true (none when the panel lacks the column);
- an account already past due at its first month missed before the panel began (left censored): no alert can
  precede that miss, so the rule set is measured a second time on the accounts current at their first month.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from creditloop.adapters.warehouse.ewi_backtest import (
    BacktestResult,
    PolicyMeasure,
    Replay,
    ScoreFn,
    measure,
    open_base_rate,
    panel_features,
    replay_rules,
)
from creditloop.adapters.warehouse.ewi_outcomes import panel_outcomes
from creditloop.adapters.warehouse.sim_panel import Panel, active_lines_by_month
from creditloop.monitoring.alert_rules import AlertRuleSet
from creditloop.monitoring.features import FeatureSet
from creditloop.monitoring.panel import PANEL_COLUMNS

NO_CURRENT_RULE = "no single-rule comparison: a panel file has no alerts.parquet (only a simulation's outputs do)"


def panel_rows(table: pa.Table) -> Panel:
    """A checked panel table (``adapters.files.panel.read_panel``: sorted, contiguous) as rows per account; an
    optional column the file lacks is null."""
    names = [c.name for c in PANEL_COLUMNS]
    have = [n for n in names if n in table.column_names]
    panel: Panel = {}
    for row in table.select(have).to_pylist():
        panel.setdefault(row["account_id"], []).append({n: row.get(n) for n in names})
    return panel


def panel_backtest(
    table: pa.Table,
    source: str,
    rules: AlertRuleSet,
    fs: FeatureSet,
    *,
    horizon_days: int = 90,
    score: ScoreFn | None = None,
    model: Mapping[str, Any] | None = None,
) -> BacktestResult:
    """``table``: a panel already read and checked; ``source``: its path, for the result. ``model`` / ``score`` as
    in ``ewi_backtest.backtest``; with neither the score rule is silent."""
    panel = panel_rows(table)
    feats, scores = panel_features(panel, fs, model)
    outcomes = panel_outcomes(panel)
    active = active_lines_by_month(panel)
    replay = Replay(panel, feats, outcomes, active, horizon_days, score, scores)
    main, sweep = replay.rule_set(rules, score is not None or scores is not None)
    policies = [main]
    shocked = sorted({r["month_end_on"] for rows in panel.values() for r in rows if r["shock"] is True})
    notes = [NO_CURRENT_RULE]
    late = {a for a, rows in panel.items() if rows[0]["dpd"] > 0}
    if late:  # their miss predates the panel: no alert in it can come before it
        policies.append(_current_at_entry(main.policy, replay, rules, late))
        notes.append(f"{len(late)} accounts are past due at their first month; '{policies[-1].policy}' leaves them out")
    if rules.uses_score and score is None and scores is None:
        notes.append("no behaviour score given (--model): the score rule stays silent")
    return BacktestResult(
        source, horizon_days, len(panel), sum(active.values()), open_base_rate(panel, outcomes, horizon_days),
        tuple(shocked), tuple(policies), sweep, source="panel", notes=tuple(notes),
    )  # fmt: skip


def _current_at_entry(name: str, replay: Replay, rules: AlertRuleSet, late: set[str]) -> PolicyMeasure:
    """The rule set measured on the accounts current at their first month only (left censoring removed)."""
    keep = {a: rows for a, rows in replay.panel.items() if a not in late}
    every = replay_rules(replay.panel, replay.feats, rules, replay.score, replay.scores)
    hits = [h for h in every if h.account_id in keep]
    outcomes = {a: o for a, o in replay.outcomes.items() if a in keep}
    return measure(f"{name}, current at entry", hits, outcomes, active_lines_by_month(keep), replay.horizon_days)
