"""Early-warning back-test on a behaviour panel file (issue 14): the same replay and measures as the simulation
back-test (``ewi_backtest``), with the outcomes taken from the panel's own rows (``ewi_outcomes.panel_outcomes``).

What differs from a simulation's outputs, and is said in the result's notes:
- there is no ``alerts.parquet``, so no single-rule comparison: only the rule set (and its sweep) is measured;
- outcomes end where an account's rows end: a 30+ after an account's last month is not seen;
- shock months are the months in which some row has ``shock`` true (none when the panel lacks the column);
- an account already past due at its first month missed before the panel began (left censored): no alert can
  precede that miss, so the rule set is measured a second time on the accounts current at their first month.

Which rules (docs/early_warning.md, "Rule sets for real panels"): the ones given, else the packaged ``ewi`` when the
panel carries an amount, else (every amount column null or absent: a status-only panel such as Credit Card
Approval) the packaged ``ewi_status``; the notes say which was picked and name the rules that cannot fire because
an indicator is null at every month of the panel.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from creditloop.adapters.warehouse.ewi_backtest import (
    BacktestResult,
    Features,
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
from creditloop.monitoring.alert_rules import SCORE, AlertRuleSet, default_alert_rules, packaged_alert_rules
from creditloop.monitoring.features import FeatureSet
from creditloop.monitoring.panel import PANEL_COLUMNS

NO_CURRENT_RULE = "no single-rule comparison: a panel file has no alerts.parquet (only a simulation's outputs do)"
AMOUNT_COLUMNS = ("limit_minor", "balance_minor", "statement_due_minor", "min_due_minor", "paid_minor", "spend_minor")
STATUS_ONLY = (
    "the panel carries no amount (every amount column is null): the status rules ewi_status@1 were used; "
    "--rules FILE or a packaged name (ewi, ewi_status, ewi_revolving) chooses others"
)


def has_amounts(table: pa.Table) -> bool:
    """Whether any amount column of the panel holds a value (a status-only panel holds none)."""
    return any(c in table.column_names and table[c].null_count < table.num_rows for c in AMOUNT_COLUMNS)


def choose_rules(table: pa.Table, rules: AlertRuleSet | None) -> tuple[AlertRuleSet, list[str]]:
    """The rules given, or the packaged set the panel's columns allow, with a note when it was picked here."""
    if rules is not None:
        return rules, []
    if has_amounts(table):
        return default_alert_rules(), []
    return packaged_alert_rules("ewi_status"), [STATUS_ONLY]


def silent_rules(rules: AlertRuleSet, feats: Features) -> list[str]:
    """The rules that cannot fire on this panel: one of their indicators is null at every month of every account
    (a null indicator never fires). A missing score has its own note."""
    seen: set[str] = {SCORE}
    for rows in feats.values():
        for values in rows:
            seen.update(k for k, v in values.items() if v is not None)
    return [r.rule_id for r in rules.rules if any(c.indicator not in seen for c in (r.condition, *r.also))]


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
    rules: AlertRuleSet | None,
    fs: FeatureSet,
    *,
    horizon_days: int = 90,
    score: ScoreFn | None = None,
    model: Mapping[str, Any] | None = None,
) -> BacktestResult:
    """``table``: a panel already read and checked; ``source``: its path, for the result; ``rules``: None picks
    them from the panel's columns (``choose_rules``). ``model`` / ``score`` as in ``ewi_backtest.backtest``; with
    neither the score rule is silent. The model is not run when no rule reads the score."""
    rules, notes = choose_rules(table, rules)
    panel = panel_rows(table)
    feats, scores = panel_features(panel, fs, model if rules.uses_score else None)
    outcomes = panel_outcomes(panel)
    active = active_lines_by_month(panel)
    replay = Replay(panel, feats, outcomes, active, horizon_days, score, scores)
    main, sweep = replay.rule_set(rules, score is not None or scores is not None)
    policies = [main]
    shocked = sorted({r["month_end_on"] for rows in panel.values() for r in rows if r["shock"] is True})
    notes += [NO_CURRENT_RULE]
    silent = silent_rules(rules, feats)
    if silent:
        notes.append(f"never fire here (an indicator is null at every month of the panel): {', '.join(silent)}")
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
