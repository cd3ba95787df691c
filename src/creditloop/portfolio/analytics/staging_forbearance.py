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
:mod:`.staging_redefaults`; it, ``p``, ``e`` and the end of forbearance run on the few rows that matter (the
forborne lines' rows from the grant on) and come back by one hash join, so the panel itself takes two window passes
(the running and line aggregates, and ``prev_stage``'s lag). ``needs_per_account`` is
true only past the doubling depth: a chain of more than ``2**levels - 1`` re-defaults after one trigger, which needs
a line longer than ``staging_redefaults.HORIZON_MONTHS`` (a century); every other row equals ``next_state``.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from creditloop.portfolio.analytics.staging_redefaults import forborne_sessions
from creditloop.portfolio.ifrs9_staging import StagingRules

FORBEARANCE_COLUMNS = ("restructured", "unlikely_to_pay")


def with_forbearance(
    t: ir.Table, material: ir.BooleanValue, co: ir.IntegerValue, rules: StagingRules, levels: int | None = None
) -> ir.Table:
    """``t`` (``line_id``, ``month_no``, ``dpd``, optional ``restructured``/``unlikely_to_pay``) with ``_co`` (charged
    off so far: ``co`` is 1 in a charged-off month), ``_d`` (a default trigger's month, probation re-defaults
    included, else null), ``_in3`` (in default or cure probation), ``_fb`` (in a forborne probation: at least stage 2)
    and ``needs_per_account`` (only past ``levels`` doubling levels, :mod:`.staging_redefaults`). One window pass
    over the panel (the caller adds a lag); the forborne defaults, their sessions and re-defaults run on the forborne
    lines' rows from the grant on and come back by one hash join."""
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
    t = t.left_join(forborne_sessions(t, rules, levels), ["line_id", "month_no"])
    t = t.drop(*(c for c in t.columns if c.endswith("_right")))  # the join's copy of the keys
    session = t._sess.fill_null(False)  # a forborne default, or its probation (until forbearance ends)
    since = t.month_no - t._l  # since the last default, probation re-defaults included
    pending = (t.month_no >= t._f) & (t._lb.isnull() | (t._lb < t._f)) & ~session  # granted, no trigger since
    a0 = ibis.ifelse(t._lb.isnull(), t._f, ibis.greatest(t._f, t._lb + c3))  # pending: _lb is the last one before
    fb = ibis.cases(
        (session, (since >= c12) & (since < c12 + p)),
        (pending.fill_null(False), (t.month_no >= a0) & (t.month_no < a0 + p)),
        else_=False,
    )
    t = t.mutate(
        _d=ibis.ifelse(t._b.notnull() | t._r.fill_null(False), t.month_no, null),
        _in3=ibis.ifelse(session, since < c12, (t.month_no - t._lb < c3).fill_null(False)),
        _fb=fb & rules.forborne_is_sicr,
        needs_per_account=t._flag.fill_null(False),
    )
    return t.drop("_b", "_q", "_f", "_lb", "_sess", "_l", "_r", "_flag")
