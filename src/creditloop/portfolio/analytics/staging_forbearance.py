"""Forbearance and unlikely-to-pay in the columnar IFRS 9 staging (:mod:`.staging`), as window functions.

Read when the panel has a ``restructured`` column (and/or ``unlikely_to_pay``). The snapshot's ``restructured`` is
a line's state ("restructured on some date"), so **forbearance granted** is the first month it is true — the same
mapping as ``ecl.panel_staging`` — and a line is granted forbearance at most once (month ``f``). The rules are those
of ``ifrs9_staging.next_state``; with one grant they have a closed form over a line's rows (``C3`` =
``max(cure_months, 1)``, ``C12`` = ``max(forborne_cure_months, 1)``, ``P`` = ``forborne_probation_months``):

- default trigger ``B`` at ``m``: ``dpd > default_dpd`` on a material amount, or unlikely to pay (charge-off is
  stage 3 for good, as before);
- before ``f``, or without a grant: stage 3 while ``n - lastB < C3`` (the plain closed form);
- at ``f`` the line may still be in a cure probation from ``p``, the last trigger before ``f``; its forborne
  performing probation starts at ``a0 = max(f, p + C3)`` (the probation restarts when that cure ends);
- a trigger while forborne (the first ``e`` with ``f <= e <= a0 + P``) opens a *forborne default*: stage 3 while
  ``n - lastD < C12``, then the non-performing forborne probation, stage 2, while ``n - lastD < C12 + P``, where
  ``lastD`` is the last default: a trigger, or a *probation re-default* (more than ``sicr_dpd`` DPD below the trigger
  in that probation, ``forborne_probation_dpd`` in ``next_state``), whose own cure and probation start from it; the
  next trigger within that (gap ``<= C12 + P``) is forborne again, a longer gap ends forbearance for good (plain
  rules after it);
- without such a trigger: stage 2 from ``a0`` while ``n < a0 + P`` (a performing forborne exposure), then plain.

The re-defaults are a chain (each depends on when the last cure ended), resolved exactly by pointer doubling in
:mod:`.staging_redefaults`; it and ``p``/``e`` run on the few rows that matter (the forborne lines' triggers and
breaches) and come back by two hash joins, so the panel itself takes three window passes. ``needs_per_account`` is
true only past the doubling depth: a chain of more than ``2**levels - 1`` re-defaults after one trigger, which needs
a line longer than ``staging_redefaults.HORIZON_MONTHS`` (a century); every other row equals ``next_state``.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from creditloop.portfolio.analytics.panel import indicator
from creditloop.portfolio.analytics.staging_redefaults import forborne_marks
from creditloop.portfolio.ifrs9_staging import StagingRules

FORBEARANCE_COLUMNS = ("restructured", "unlikely_to_pay")


def with_forbearance(
    t: ir.Table, material: ir.BooleanValue, co: ir.IntegerValue, rules: StagingRules, levels: int | None = None
) -> ir.Table:
    """``t`` (``line_id``, ``month_no``, ``dpd``, optional ``restructured``/``unlikely_to_pay``) with ``_co`` (charged
    off so far: ``co`` is 1 in a charged-off month), ``_d`` (a default trigger's month, probation re-defaults
    included, else null), ``_in3`` (in default or cure probation), ``_fb`` (in a forborne probation: at least stage 2)
    and ``needs_per_account`` (only past ``levels`` doubling levels, :mod:`.staging_redefaults`). Three window passes
    over the panel (running and line aggregates, the running last default, the caller's lag); the rest runs on the
    forborne lines' trigger and breach rows and comes back by two hash joins."""
    c3, c12, p = max(rules.cure_months, 1), max(rules.forborne_cure_months, 1), rules.forborne_probation_months
    null = ibis.null("int64")
    line = ibis.window(group_by="line_id")
    so_far = ibis.cumulative_window(group_by="line_id", order_by="month_no")
    trig = (t.dpd > rules.default_dpd) & material
    if "unlikely_to_pay" in t.columns:
        trig = trig | t.unlikely_to_pay.fill_null(False)
    t = t.mutate(_b=ibis.ifelse(trig.fill_null(False), t.month_no, null), _q=(t.dpd > rules.sicr_dpd).fill_null(False))
    granted = t.restructured.fill_null(False) if "restructured" in t.columns else ibis.literal(False)
    t = t.mutate(
        _co=co.max().over(so_far),
        _f=ibis.ifelse(granted, t.month_no, null).min().over(line),
        _lb=t._b.max().over(so_far),
    )
    lines, marks = forborne_marks(t, rules, levels)
    t = _drop_right(t.left_join(lines, "line_id"))
    t = _drop_right(t.left_join(marks, ["line_id", "month_no"]))
    t = t.mutate(
        _a0=ibis.ifelse(t._p.isnull(), t._f, ibis.greatest(t._f, t._p + c3)),
        _d=ibis.ifelse(t._b.notnull() | t._r.fill_null(False), t.month_no, null),
        _brk=ibis.ifelse(t._brk.fill_null(False), t.month_no, null),
        _open=indicator(t._open),
    )
    t = t.mutate(_l=t._d.max().over(so_far), _brk=t._brk.max().over(so_far), _open=t._open.max().over(so_far))
    since = t.month_no - t._l  # since the last default, probation re-defaults included
    session = (t._l >= t._e).fill_null(False) & t._brk.isnull()  # a forborne default, or its probation
    pending = (t.month_no >= t._f) & (t._lb.isnull() | (t._lb < t._f)) & ~session  # granted, no trigger since
    plain_in3 = (t.month_no - t._lb < c3).fill_null(False)
    in3 = ibis.cases((session, since < c12), (pending.fill_null(False), (t.month_no - t._p < c3).fill_null(False)),
                     else_=plain_in3)  # fmt: skip
    fb = ibis.cases(
        (session, (since >= c12) & (since < c12 + p)),
        (pending.fill_null(False), (t.month_no >= t._a0) & (t.month_no < t._a0 + p)),
        else_=False,
    )
    t = t.mutate(_in3=in3, _fb=fb & rules.forborne_is_sicr, needs_per_account=t._open == 1)
    return t.drop("_b", "_q", "_f", "_lb", "_p", "_e", "_r", "_open", "_brk", "_a0", "_l")


def _drop_right(joined: ir.Table) -> ir.Table:
    """An ibis left join keeps the right side's copy of each key (``<name>_right``): not needed here."""
    return joined.drop(*(c for c in joined.columns if c.endswith("_right")))
