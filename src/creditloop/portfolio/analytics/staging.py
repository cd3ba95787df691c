"""IFRS 9 staging over a whole panel at once (ibis): the rules of :mod:`creditloop.portfolio.ifrs9_staging`, run as
window functions instead of a Python loop per account.

The per-account state machine (``ifrs9_staging.next_state``) carries the cure probation from month to month; the
same outcome has a closed form over one line's rows in month order (month ``n``):

- default trigger at ``n``: charged off now or before (charge-off never cures), or ``dpd > default_dpd`` on a
  material amount (``material``: ``past_due_minor`` above ``material_absolute_minor`` and 1 % of the exposure when
  a threshold is given, else every amount counts);
- stage 3 at ``n`` when the last trigger at or before ``n`` was at ``m`` with ``n - m < cure_months`` (the trigger
  month itself, then ``cure_months - 1`` months of probation, as ``next_state`` counts them; ``n`` and ``m`` are
  calendar month numbers, the same as row counts for a line observed every month);
- otherwise stage 2 on a SICR trigger: ``dpd > sicr_dpd``, or (with ``pd`` and ``pd_at_origination`` columns) the
  relative PD test ``pd >= sicr_pd_ratio x pd_at_origination`` and ``pd - pd_at_origination >= sicr_pd_abs``;
- otherwise stage 1.

With a ``restructured`` (or ``unlikely_to_pay``) column, forbearance and unlikely-to-pay join in
(:mod:`.staging_forbearance`: the forborne probation, the 12-month forborne cure, and the chain of probation
re-defaults by pointer doubling in :mod:`.staging_redefaults`; ``needs_per_account`` is false on every line shorter
than a century). The parity test (tests/unit/test_staging_columnar.py) checks the two paths agree on every row.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from creditloop.portfolio.analytics.panel import CO_INDEX, indicator
from creditloop.portfolio.analytics.staging_forbearance import FORBEARANCE_COLUMNS, with_forbearance
from creditloop.portfolio.ifrs9_staging import StagingRules

STAGE_COLUMNS = ("pd", "pd_at_origination", "past_due_minor", *FORBEARANCE_COLUMNS)
_KEEP = ("line_id", "month_end_on", "month_no", "state_index", "state", "dpd", "exposure_minor")


def stages(
    state: ir.Table, rules: StagingRules = StagingRules(), material_absolute_minor: int | None = None
) -> ir.Table:
    """One row per line and month end of ``state`` (:func:`.panel.monthly_state`): ``line_id``, ``month_end_on``,
    ``state``, ``dpd``, ``exposure_minor``, ``stage`` (1, 2, 3), ``prev_stage`` (the stage at the line's previous
    observed month end, null in its first), ``default_trigger`` and ``sicr_trigger``.

    One window pass over narrow rows: the stage of the month before is recomputed from the same running maxima
    over the rows before (``ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING``) instead of a second sort for a lag.
    The cure probation counts calendar months since the last trigger, which is what ``next_state`` counts when a
    line's month ends are contiguous (they are in a snapshot panel)."""
    if material_absolute_minor is not None and material_absolute_minor < 0:
        raise ValueError(f"material_absolute_minor: must be non-negative, got {material_absolute_minor}")
    extra = [c for c in STAGE_COLUMNS if c in state.columns]
    t = state.select(*_KEEP, *extra)
    order = ibis.window(group_by="line_id", order_by="month_no")
    so_far = ibis.cumulative_window(group_by="line_id", order_by="month_no")
    before = ibis.window(group_by="line_id", order_by="month_no", rows=(None, -1))
    material: ir.BooleanValue = ibis.literal(True)
    if material_absolute_minor is not None and "past_due_minor" in t.columns:
        due = t.past_due_minor
        material = (due > material_absolute_minor) & (due * 10_000 > 100 * t.exposure_minor)
    co = indicator(t.state_index == CO_INDEX)
    if any(c in t.columns for c in FORBEARANCE_COLUMNS):
        return _forborne_stages(t, material, rules)
    dpd_default = ibis.ifelse((t.dpd > rules.default_dpd) & material, t.month_no, ibis.null("int64"))
    has_pd = "pd" in t.columns and "pd_at_origination" in t.columns
    t = t.mutate(
        _co=co.max().over(so_far),
        _last=dpd_default.max().over(so_far),
        _pco=co.max().over(before),
        _plast=dpd_default.max().over(before),
        _pno=t.month_no.lag().over(order),
        _pdpd=t.dpd.lag().over(order),
        **({"_ppd": t.pd.lag().over(order), "_ppd0": t.pd_at_origination.lag().over(order)} if has_pd else {}),
    )
    sicr = _sicr(t.dpd, t.pd if has_pd else None, t.pd_at_origination if has_pd else None, rules)
    prev_sicr = _sicr(t._pdpd, t._ppd if has_pd else None, t._ppd0 if has_pd else None, rules)
    t = t.mutate(
        default_trigger=(t._co == 1) | (t._last == t.month_no).fill_null(False),
        sicr_trigger=sicr,
        stage=_stage(t._co, t._last, t.month_no, sicr, rules),
        prev_stage=ibis.ifelse(t._pno.isnull(), ibis.null("int64"), _stage(t._pco, t._plast, t._pno, prev_sicr, rules)),
    )
    return t.drop("_co", "_last", "_pco", "_plast", "_pno", "_pdpd", *(("_ppd", "_ppd0") if has_pd else ()))


def _forborne_stages(t: ir.Table, material: ir.BooleanValue, rules: StagingRules) -> ir.Table:
    """The stages with forbearance and unlikely-to-pay (:mod:`.staging_forbearance`); ``prev_stage`` by a lag."""
    has_pd = "pd" in t.columns and "pd_at_origination" in t.columns
    t = with_forbearance(t, material, indicator(t.state_index == CO_INDEX), rules)
    sicr = _sicr(t.dpd, t.pd if has_pd else None, t.pd_at_origination if has_pd else None, rules)
    in3 = (t._co == 1).fill_null(False) | t._in3.fill_null(False)
    t = t.mutate(
        default_trigger=(t._co == 1).fill_null(False) | t._d.notnull(),
        sicr_trigger=sicr,
        stage=ibis.cases((in3, 3), (sicr | t._fb.fill_null(False), 2), else_=1).cast("int64"),
    )
    order = ibis.window(group_by="line_id", order_by="month_no")
    t = t.mutate(prev_stage=t.stage.lag().over(order))
    return t.drop("_co", "_d", "_in3", "_fb")


def _sicr(
    dpd: ir.IntegerValue, pd: ir.FloatingValue | None, pd0: ir.FloatingValue | None, rules: StagingRules
) -> ir.BooleanValue:
    sicr = (dpd > rules.sicr_dpd).fill_null(False)
    if pd is not None and pd0 is not None:
        rel = (pd >= rules.sicr_pd_ratio * pd0) & (pd - pd0 >= rules.sicr_pd_abs)
        sicr = sicr | (pd.notnull() & pd0.notnull() & rel).fill_null(False)
    return sicr


def _stage(
    co: ir.IntegerValue, last: ir.IntegerValue, month_no: ir.IntegerValue, sicr: ir.BooleanValue, rules: StagingRules
) -> ir.IntegerValue:
    """3 when charged off so far or within the cure probation after the last DPD default, else 2 on SICR, else 1."""
    in_default = (co == 1).fill_null(False) | (last.notnull() & (month_no - last < max(rules.cure_months, 1)))
    return ibis.cases((in_default.fill_null(False), 3), (sicr, 2), else_=1).cast("int64")


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
