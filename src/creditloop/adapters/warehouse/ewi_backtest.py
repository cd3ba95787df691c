"""Early-warning back-test on a simulation's outputs (issue 14): the alert rules replayed month by month over the
behaviour panel, measured against what happened, side by side with the run's own single rule (alerts.parquet).

Per alert policy, over the lines that reach 30+ DPD (``ewi_outcomes``): the share whose first alert came at least
``EARLY_DAYS`` before their first missed due date, the lead-time distribution, precision (first alerts followed
by 30+ within the horizon), the alert rate per month as a share of open lines, and alert volumes by month with
the declared shock marked. Thresholds of the rules that list a ``sweep`` are tried one rule at a time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from creditloop.adapters.files.panel import ARROW_TYPES
from creditloop.adapters.warehouse.behaviour_sql import history_query, panel_relation
from creditloop.adapters.warehouse.ewi_outcomes import LineOutcome, line_outcomes
from creditloop.adapters.warehouse.scorecard_sql import score_query
from creditloop.adapters.warehouse.sim_panel import DeclaredShock, Panel, active_lines_by_month, sim_panel
from creditloop.core.dates import month_end
from creditloop.monitoring.alert_rules import AlertRuleSet, Candidate, RuleState, evaluate_rules, within_budget
from creditloop.monitoring.features import FeatureSet, account_features
from creditloop.monitoring.panel import PANEL_COLUMNS

EARLY_DAYS = 30
# The episode window: some alert 30-120 days before the first missed due date. Any alert, however old, counts
# for ``warned_early`` (the target), which a rotation of random alerts meets (docs/early_warning.md,
# "Is the 60 % / 30-day target attainable?"); the window counts only warnings about this episode.
WINDOW_DAYS = 120
LEAD_BINS: tuple[tuple[str, int | None, int | None], ...] = (
    ("after missed", None, 0),
    ("0-29", 0, 30),
    ("30-59", 30, 60),
    ("60-89", 60, 90),
    ("90-179", 90, 180),
    ("180+", 180, None),
)
Features = dict[str, list[dict[str, float | None]]]  # account_id -> features as of each of its panel rows
Scores = dict[str, list[float]]  # account_id -> the behaviour score's PD as of each of its panel rows
ScoreFn = Callable[[Mapping[str, float | None]], float]
PD = "__pd"


def panel_table(panel: Panel) -> pa.Table:
    """The panel rows as an Arrow table in the contract's column types (an all-null column keeps its type)."""
    schema = pa.schema([(c.name, ARROW_TYPES[c.kind]) for c in PANEL_COLUMNS])
    return pa.Table.from_pylist([row for rows in panel.values() for row in rows], schema=schema)


def panel_features(
    panel: Panel, fs: FeatureSet, model: Mapping[str, Any] | None = None
) -> tuple[Features, Scores | None]:
    """Every feature as of every month of every line, and the behaviour score's PD when a model is given: the one
    place features come from. The feature set compiled to DuckDB window SQL (``behaviour_sql``, equal to the
    reference evaluator: tests/property/test_behaviour_sql_parity.py), the scorecard compiled to SQL on top."""
    names = fs.names
    with duckdb.connect() as con:
        rel = panel_relation(panel_table(panel), con)
        sql = history_query(fs)
        if model is not None:
            sql = score_query(model, f"({sql})", prefix="__")
        result = rel.query("panel", sql + " ORDER BY account_id, month_end_on")
        assert result is not None
        cols = result.columns
        rows = result.fetchall()
    at = {c: i for i, c in enumerate(cols)}
    feats: Features = {a: [] for a in panel}
    scores: Scores | None = {a: [] for a in panel} if model is not None else None
    for r in rows:
        feats[r[0]].append({n: r[at[n]] for n in names})
        if scores is not None:
            scores[r[0]].append(r[at[PD]])
    return feats, scores


def reference_features(panel: Panel, fs: FeatureSet) -> Features:
    """The same features from the reference evaluator, one account at a time (the speed comparison, and parity)."""
    return {account: account_features(rows, fs) for account, rows in panel.items()}


@dataclass(frozen=True, slots=True)
class AlertHit:
    account_id: str
    on: date  # when the lender knew: the month end the features describe, or the current rule's run day
    rule_id: str


def replay_rules(
    panel: Panel, feats: Features, rules: AlertRuleSet, score: ScoreFn | None, scores: Scores | None = None
) -> list[AlertHit]:
    """The rules month by month per line, with de-duplication and cool-down (an alert stays open, blocking its
    rule on the line, until its cool-down ends: the back-test has no actions to close it earlier) and the rule
    set's budget, if any. The score's PD comes from ``scores`` (computed with the features) or ``score`` (a
    function of them)."""
    return replay(panel, feats, rules, score, scores).hits


@dataclass(frozen=True, slots=True)
class ReplayResult:
    hits: list[AlertHit]
    suppressed_alerts: int = 0  # alerts the budget kept back
    suppressed_lines: int = 0  # line-months the budget kept back


def replay(
    panel: Panel, feats: Features, rules: AlertRuleSet, score: ScoreFn | None, scores: Scores | None = None
) -> ReplayResult:
    """``replay_rules`` with what the budget suppressed. Month by month over every line at once: the budget is a
    share of the month's active lines (those with a panel row, ``active_lines_by_month``)."""
    months: dict[date, list[tuple[str, int]]] = {}
    for account, rows in panel.items():
        for i, row in enumerate(rows):
            months.setdefault(row["month_end_on"], []).append((account, i))
    states: dict[str, dict[str, RuleState]] = {a: {} for a in panel}
    hits: list[AlertHit] = []
    suppressed_alerts = suppressed_lines = 0
    for on in sorted(months):
        candidates = []
        for account, i in months[on]:
            pd = None
            if rules.uses_score:
                pd = scores[account][i] if scores is not None else score(feats[account][i]) if score else None
            alerts = evaluate_rules(rules, feats[account][i], pd, on, states[account])
            if alerts:
                candidates.append(Candidate(account, tuple(alerts), pd))
        chosen = within_budget(rules, candidates, len(months[on]))
        for c in chosen.kept:
            for alert in c.alerts:
                states[c.account_id][alert.rule_id] = RuleState(on, False)  # cool-down does the de-duplication
                hits.append(AlertHit(c.account_id, on, alert.rule_id))
        suppressed_alerts += chosen.suppressed_alerts
        suppressed_lines += len(chosen.suppressed)
    return ReplayResult(hits, suppressed_alerts, suppressed_lines)


def current_rule_alerts(data_dir: Path, known_after_days: int) -> list[AlertHit]:
    """The run's own alerts (alerts.parquet, read as it is). ``raised_on`` is the statement date of the cycle;
    the job ran ``known_after_days`` later (the day after the due date), which is when the lender knew."""
    path = data_dir / "alerts.parquet"
    with duckdb.connect() as con:
        rows = con.execute(f"SELECT line_id, raised_on, rule_id FROM read_parquet('{path}')").fetchall()
    return [AlertHit(line, on + timedelta(days=known_after_days), rule) for line, on, rule in rows]


@dataclass(frozen=True, slots=True)
class PolicyMeasure:
    policy: str
    bad_lines: int  # lines that reach 30+
    warned_early: int  # of them, first alert >= EARLY_DAYS before the first missed due date
    early_share: float
    lead_quantiles: dict[str, float]  # p10 p25 p50 p75 p90 of days, lines alerted before their first 30+
    lead_bins: dict[str, int]  # LEAD_BINS plus "after 30+" and "no alert"
    first_alerts: int  # lines alerted while not yet 30+
    precision: float  # of those first alerts, the share followed by 30+ within the horizon
    alerts: int
    rate_mean: float  # alerts in a month / open lines that month
    rate_max: float
    by_month: dict[date, int]
    line_rate_mean: float = 0.0  # lines with a new alert in a month / open lines that month (the budget's measure)
    line_rate_max: float = 0.0
    suppressed_alerts: int = 0  # kept back by the rule set's budget
    suppressed_lines: int = 0  # line-months kept back by the budget
    warned_window: int = 0  # lines that reach 30+ with some alert EARLY_DAYS..WINDOW_DAYS before the first miss
    window_share: float = 0.0


def measure(
    policy: str,
    hits: Sequence[AlertHit],
    outcomes: Mapping[str, LineOutcome],
    active: Mapping[date, int],
    horizon_days: int,
    suppressed: tuple[int, int] = (0, 0),
) -> PolicyMeasure:
    first: dict[str, date] = {}
    by_month = dict.fromkeys(active, 0)
    lines_by_month: dict[date, set[str]] = {}
    for h in hits:
        lines_by_month.setdefault(month_end(h.on), set()).add(h.account_id)
        if h.account_id not in first or h.on < first[h.account_id]:
            first[h.account_id] = h.on
        key = month_end(h.on)
        by_month[key] = by_month.get(key, 0) + 1
    leads, bins = _leads(first, outcomes)
    eligible = [(a, on) for a, on in first.items() if not outcomes[a].bad_by(on)]
    hit = sum(1 for a, on in eligible if outcomes[a].bad_within(on, horizon_days))
    rates = [by_month.get(m, 0) / n for m, n in active.items() if n]
    bad = sum(1 for o in outcomes.values() if o.missed_on is not None)
    early = sum(1 for d in leads if d >= EARLY_DAYS)
    line_rates = [len(lines_by_month.get(m, ())) / n for m, n in active.items() if n]
    window = len(_window_lines(hits, outcomes))
    return PolicyMeasure(
        policy, bad, early, _ratio(early, bad), _quantiles(leads), bins, len(eligible), _ratio(hit, len(eligible)),
        len(hits), sum(rates) / len(rates) if rates else 0.0, max(rates, default=0.0), by_month,
        sum(line_rates) / len(line_rates) if line_rates else 0.0, max(line_rates, default=0.0), *suppressed,
        window, _ratio(window, bad),
    )  # fmt: skip


def _window_lines(hits: Sequence[AlertHit], outcomes: Mapping[str, LineOutcome]) -> set[str]:
    """Lines that reach 30+ with an alert EARLY_DAYS..WINDOW_DAYS before their first missed due date, raised
    before their first 30+ month end."""
    out = set()
    for h in hits:
        o = outcomes.get(h.account_id)
        if o is None or o.missed_on is None or o.first_bad_on is None or h.on >= o.first_bad_on:
            continue
        if EARLY_DAYS <= (o.missed_on - h.on).days <= WINDOW_DAYS:
            out.add(h.account_id)
    return out


def _leads(first: Mapping[str, date], outcomes: Mapping[str, LineOutcome]) -> tuple[list[int], dict[str, int]]:
    leads: list[int] = []
    bins = {name: 0 for name, _, _ in LEAD_BINS} | {"after 30+": 0, "no alert": 0}
    for o in outcomes.values():
        if o.missed_on is None or o.first_bad_on is None:
            continue
        on = first.get(o.line_id)
        if on is None:
            bins["no alert"] += 1
        elif on >= o.first_bad_on:
            bins["after 30+"] += 1
        else:
            lead = (o.missed_on - on).days
            leads.append(lead)
            bins[next(n for n, lo, hi in LEAD_BINS if (lo is None or lead >= lo) and (hi is None or lead < hi))] += 1
    return leads, bins


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def _quantiles(values: list[int]) -> dict[str, float]:
    if not values:
        return {}
    s = sorted(values)
    return {f"p{q}": float(s[min(len(s) - 1, int(q / 100 * len(s)))]) for q in (10, 25, 50, 75, 90)}


@dataclass(frozen=True, slots=True)
class SweepPoint:
    rule_id: str
    threshold: float
    measure: PolicyMeasure


@dataclass(frozen=True, slots=True)
class BacktestResult:
    data_dir: str
    horizon_days: int
    lines: int
    line_months: int
    base_rate: float  # open line-months not yet 30+ that reach 30+ within the horizon
    shock_months: tuple[date, ...]
    policies: tuple[PolicyMeasure, ...]  # the rule set, then the run's current rule (when there is one)
    sweep: tuple[SweepPoint, ...]
    source: str = "data_dir"  # what ``data_dir`` names: a simulation's directory, or a "panel" file
    notes: tuple[str, ...] = ()  # what the back-test could not measure, and why


@dataclass(frozen=True, slots=True)
class Replay:
    """What a rule set is replayed over and measured against: shared by the simulation and panel-file back-tests."""

    panel: Panel
    feats: Features
    outcomes: Mapping[str, LineOutcome]
    active: Mapping[date, int]
    horizon_days: int
    score: ScoreFn | None = None
    scores: Scores | None = None

    def run(self, name: str, rules: AlertRuleSet) -> PolicyMeasure:
        r = replay(self.panel, self.feats, rules, self.score, self.scores)
        suppressed = (r.suppressed_alerts, r.suppressed_lines)
        return measure(name, r.hits, self.outcomes, self.active, self.horizon_days, suppressed)

    def rule_set(self, rules: AlertRuleSet, scored: bool) -> tuple[PolicyMeasure, tuple[SweepPoint, ...]]:
        """The whole rule set, then each rule with a ``sweep`` alone at each threshold (score rules only when
        there is a score)."""
        sweep = []
        for rule in rules.rules:
            if rule.condition.indicator == "behaviour_score" and not scored:
                continue
            for t in rule.sweep:
                one = replace(rule, condition=replace(rule.condition, threshold=t))
                sweep.append(SweepPoint(rule.rule_id, t, self.run(rule.rule_id, rules.with_rules((one,)))))
        return self.run(f"{rules.rule_set_id}@{rules.version}", rules), tuple(sweep)


def open_base_rate(panel: Panel, outcomes: Mapping[str, LineOutcome], horizon_days: int) -> float:
    n = hit = 0
    for account, rows in panel.items():
        o = outcomes[account]
        for row in rows:
            if not o.bad_by(row["month_end_on"]):
                n += 1
                hit += o.bad_within(row["month_end_on"], horizon_days)
    return _ratio(hit, n)


def backtest(
    data_dir: str | Path,
    rules: AlertRuleSet,
    fs: FeatureSet,
    *,
    horizon_days: int = 90,
    shock: DeclaredShock | None = None,
    score: ScoreFn | None = None,
    model: Mapping[str, Any] | None = None,
    current_known_after_days: int = 10,
) -> BacktestResult:
    """``model``: a behaviour-score file's document (``ewi score fit``), scored in SQL with the features; or
    ``score``, a Python function of the features. With neither, the score rule is silent."""
    d = Path(data_dir)
    panel = sim_panel(d, shock)
    feats, scores = panel_features(panel, fs, model)
    scored = score is not None or scores is not None
    outcomes = line_outcomes(d)
    active = active_lines_by_month(panel)

    replay = Replay(panel, feats, outcomes, active, horizon_days, score, scores)
    main, sweep = replay.rule_set(rules, scored)
    current = current_rule_alerts(d, current_known_after_days)
    policies = [main, measure("current single rule", current, outcomes, active, horizon_days)]
    start = date.fromisoformat(json.loads((d / "summary.json").read_text("utf-8"))["start_on"])
    months = tuple(m for m in active if shock is not None and _month_index(m, start) in shock.months())
    return BacktestResult(
        str(d), horizon_days, len(panel), sum(active.values()), open_base_rate(panel, outcomes, horizon_days),
        months, tuple(policies), sweep,
    )  # fmt: skip


def _month_index(on: date, start: date) -> int:
    """1-based simulated month of a month end."""
    return (on.year - start.year) * 12 + on.month - start.month + 1


def _measure_dict(m: PolicyMeasure) -> dict[str, object]:
    keys = ("policy", "bad_lines", "warned_early", "early_share", "lead_quantiles", "lead_bins", "first_alerts")
    out: dict[str, object] = {k: getattr(m, k) for k in keys}
    out |= {"precision": m.precision, "alerts": m.alerts, "rate_mean": m.rate_mean, "rate_max": m.rate_max}
    out |= {"line_rate_mean": m.line_rate_mean, "line_rate_max": m.line_rate_max}
    out |= {"suppressed_alerts": m.suppressed_alerts, "suppressed_lines": m.suppressed_lines}
    out |= {"warned_window": m.warned_window, "window_share": m.window_share}
    out["by_month"] = {d.isoformat(): n for d, n in m.by_month.items()}
    return out


def result_dict(r: BacktestResult) -> dict[str, object]:
    """The result as plain JSON values (dates as ISO strings)."""
    return {
        r.source: r.data_dir,
        "horizon_days": r.horizon_days,
        "early_days": EARLY_DAYS,
        "window_days": [EARLY_DAYS, WINDOW_DAYS],
        "lines": r.lines,
        "line_months": r.line_months,
        "base_rate": r.base_rate,
        "shock_months": [d.isoformat() for d in r.shock_months],
        "policies": [_measure_dict(m) for m in r.policies],
        "sweep": [{"rule_id": s.rule_id, "threshold": s.threshold} | _measure_dict(s.measure) for s in r.sweep],
        "notes": list(r.notes),
    }
