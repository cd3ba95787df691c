"""IFRS 9 staging over a whole panel at once (ibis): the rules of :mod:`creditloop.portfolio.ifrs9_staging`, run as
window functions instead of a Python loop per account.

The per-account state machine (``ifrs9_staging.next_state``) carries the cure probation from month to month; the
same outcome has a closed form over one line's rows in month order (row ``n``, counting observed months as the
Python loop counts calls):

- default trigger at ``n``: charged off now or before (charge-off never cures), or ``dpd > default_dpd`` on a
  material amount (``material``: ``past_due_minor`` above ``material_absolute_minor`` and 1 % of the exposure when
  a threshold is given, else every amount counts);
- stage 3 at ``n`` when the last trigger at or before ``n`` was at ``m`` with ``n - m < cure_months`` (the trigger
  month itself, then ``cure_months - 1`` months of probation, as ``next_state`` counts them);
- otherwise stage 2 on a SICR trigger: ``dpd > sicr_dpd``, or (with ``pd`` and ``pd_at_origination`` columns) the
  relative PD test ``pd >= sicr_pd_ratio x pd_at_origination`` and ``pd - pd_at_origination >= sicr_pd_abs``;
- otherwise stage 1.

Forbearance (the forborne probation, the 12-month forborne cure, re-forbearance in probation) and unlikely-to-pay
flags are not in this path: a panel's ``restructured`` column is not read. Those accounts need the per-account
path; the parity test (tests/unit/test_staging_columnar.py) checks the two agree on every history without them.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from creditloop.portfolio.analytics.panel import CO_INDEX, indicator
from creditloop.portfolio.ifrs9_staging import StagingRules

STAGE_COLUMNS = ("pd", "pd_at_origination", "past_due_minor")


def stages(state: ir.Table, rules: StagingRules = StagingRules(), material_absolute_minor: int | None = None) -> ir.Table:
    """``state`` (:func:`.panel.monthly_state`) with ``stage`` (1, 2, 3), ``prev_stage`` (null in a line's first
    observed month) and the trigger flags ``default_trigger`` and ``sicr_trigger``."""
    if material_absolute_minor is not None and material_absolute_minor < 0:
        raise ValueError(f"material_absolute_minor: must be non-negative, got {material_absolute_minor}")
    order = ibis.window(group_by="line_id", order_by="month_no")
    so_far = ibis.cumulative_window(group_by="line_id", order_by="month_no")
    t = state.mutate(_n=ibis.row_number().over(order))
    material: ir.BooleanValue = ibis.literal(True)
    if material_absolute_minor is not None and "past_due_minor" in t.columns:
        due = t.past_due_minor
        material = (due > material_absolute_minor) & (due * 10_000 > 100 * t.exposure_minor)
    charged = indicator(t.state_index == CO_INDEX).max().over(so_far) == 1
    trigger = charged | ((t.dpd > rules.default_dpd) & material)
    t = t.mutate(default_trigger=trigger)
    t = t.mutate(_last=ibis.ifelse(t.default_trigger, t._n, ibis.null("int64")).max().over(so_far))
    sicr = t.dpd > rules.sicr_dpd
    if "pd" in t.columns and "pd_at_origination" in t.columns:
        both = t.pd.notnull() & t.pd_at_origination.notnull()
        rel = (t.pd >= rules.sicr_pd_ratio * t.pd_at_origination) & (t.pd - t.pd_at_origination >= rules.sicr_pd_abs)
        sicr = sicr | (both & rel).fill_null(False)
    in_default = t._last.notnull() & (t._n - t._last < max(rules.cure_months, 1))
    t = t.mutate(
        sicr_trigger=sicr,
        stage=ibis.cases((in_default, 3), (sicr, 2), else_=1).cast("int64"),
    )
    t = t.mutate(prev_stage=t.stage.lag().over(order))
    return t.drop("_n", "_last")


def stage_summary(staged: ir.Table) -> ir.Table:
    """Per month end and stage: lines and exposure (int fen), and each stage's share of the month's lines."""
    g = staged.group_by(["month_end_on", "stage"]).aggregate(
        lines=staged.line_id.count(), exposure_minor=staged.exposure_minor.sum()
    )
    month = ibis.window(group_by="month_end_on")
    total_lines = g.lines.sum().over(month)
    total_exposure = g.exposure_minor.sum().over(month)
    g = g.mutate(
        line_share=g.lines.cast("float64") / total_lines.cast("float64"),
        exposure_share=ibis.ifelse(
            total_exposure == 0, ibis.null("float64"), g.exposure_minor.cast("float64") / total_exposure.cast("float64")
        ),
    )
    return g.order_by(["month_end_on", "stage"])


def stage_movements(staged: ir.Table) -> ir.Table:
    """Per month end, stage last observed month -> stage now (``from_stage`` null: first seen): lines, exposure."""
    g = staged.group_by(["month_end_on", "prev_stage", "stage"]).aggregate(
        lines=staged.line_id.count(), exposure_minor=staged.exposure_minor.sum()
    )
    g = g.rename(from_stage="prev_stage", to_stage="stage")
    return g.order_by([g.month_end_on, g.from_stage.asc(nulls_first=True), g.to_stage])
