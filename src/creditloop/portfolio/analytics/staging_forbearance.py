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
  ``n - lastB < C12``, then the non-performing forborne probation, stage 2, while ``n - lastB < C12 + P``; the next
  trigger within that (gap ``<= C12 + P``) is forborne again, a longer gap ends forbearance for good (plain rules
  after it);
- without such a trigger: stage 2 from ``a0`` while ``n < a0 + P`` (a performing forborne exposure), then plain.

One rule is sequential and not in this closed form: during the probation after a forborne default, more than
``sicr_dpd`` DPD (below the default trigger) is a default again (``forborne_probation_dpd``), whose own 12-month cure
can end in the same probation, and so on. From the first month where that can happen, the row's
``needs_per_account`` is true: its stage is this module's, and only ``ifrs9_staging.next_state`` is exact there.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from creditloop.portfolio.ifrs9_staging import StagingRules

FORBEARANCE_COLUMNS = ("restructured", "unlikely_to_pay")


def with_forbearance(t: ir.Table, material: ir.BooleanValue, rules: StagingRules) -> ir.Table:
    """``t`` (``line_id``, ``month_no``, ``dpd``, ``state_index``, optional ``restructured``/``unlikely_to_pay``) with
    ``_b`` (a default trigger's month, else null), ``_in3`` (in default or cure probation), ``_fb`` (in a forborne
    probation: at least stage 2) and ``needs_per_account``."""
    c3, c12, p = max(rules.cure_months, 1), max(rules.forborne_cure_months, 1), rules.forborne_probation_months
    null = ibis.null("int64")
    line = ibis.window(group_by="line_id")
    so_far = ibis.cumulative_window(group_by="line_id", order_by="month_no")
    before = ibis.window(group_by="line_id", order_by="month_no", rows=(None, -1))
    trig = (t.dpd > rules.default_dpd) & material
    if "unlikely_to_pay" in t.columns:
        trig = trig | t.unlikely_to_pay.fill_null(False)
    t = t.mutate(_b=ibis.ifelse(trig.fill_null(False), t.month_no, null))
    granted = t.restructured.fill_null(False) if "restructured" in t.columns else ibis.literal(False)
    t = t.mutate(
        _f=ibis.ifelse(granted, t.month_no, null).min().over(line),
        _lb=t._b.max().over(so_far),
        _lb4=t._b.max().over(before),
    )
    t = t.mutate(_p=ibis.ifelse(t._b < t._f, t._b, null).max().over(line))
    t = t.mutate(_a0=ibis.ifelse(t._p.isnull(), t._f, ibis.greatest(t._f, t._p + c3)))
    t = t.mutate(_e=ibis.ifelse((t._b >= t._f) & (t._b <= t._a0 + p), t._b, null).min().over(line))
    brk = (t._b > t._e) & (t._b - t._lb4 > c12 + p)
    t = t.mutate(_brk=ibis.ifelse(brk.fill_null(False), t.month_no, null).max().over(so_far))
    since = t.month_no - t._lb
    session = (t._lb >= t._e).fill_null(False) & t._brk.isnull()  # a forborne default, or its probation
    pending = (t.month_no >= t._f) & (t._lb.isnull() | (t._lb < t._f)) & ~session  # granted, no trigger since
    plain_in3 = (since < c3).fill_null(False)
    in3 = ibis.cases((session, since < c12), (pending.fill_null(False), (t.month_no - t._p < c3).fill_null(False)),
                     else_=plain_in3)  # fmt: skip
    fb = ibis.cases(
        (session, (since >= c12) & (since < c12 + p)),
        (pending.fill_null(False), (t.month_no >= t._a0) & (t.month_no < t._a0 + p)),
        else_=False,
    )
    redefault = session & ~trig.fill_null(False) & (t.dpd > rules.sicr_dpd) & (since > c12) & (since <= c12 + p)
    t = t.mutate(_in3=in3, _fb=fb & rules.forborne_is_sicr, _r=ibis.ifelse(redefault, t.month_no, null))
    t = t.mutate(needs_per_account=(t.month_no >= t._r.min().over(line)).fill_null(False))
    return t.drop("_f", "_lb", "_lb4", "_p", "_a0", "_e", "_brk", "_r")
