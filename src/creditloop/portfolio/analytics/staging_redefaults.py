"""The forborne probation re-defaults of the columnar IFRS 9 staging (:mod:`.staging_forbearance`), exactly.

During the non-performing forborne probation after a forborne default at ``t`` (months ``t + C12 + 1`` to
``t + C12 + P``), more than ``sicr_dpd`` DPD is a default again (``ifrs9_staging``: ``forborne_probation_dpd``), and
that default's own cure and probation start from it. So after an anchor (a default trigger ``B``) the re-defaults
are a chain: ``t0 = B``, ``t(k+1) = ptr(tk)``, where ``ptr(m)`` is the first month with ``dpd > sicr_dpd`` in
``[m + C12 + 1, m + C12 + P]`` (none: the chain ends), until the next ``B`` (a new anchor). The chain is greedy
(each step depends on the last), so no fixed window decides it: a month is a re-default iff it is reached from its
anchor.

It is resolved by pointer doubling (binary lifting) over the few rows that matter only (a forborne line's rows from
its first forborne default on), numbered per line: ``ptr`` is one range-window minimum, and
level ``k + 1`` (``2**(k+1)`` steps) is level ``k`` looked up in itself, through the line's array of level ``k``
(``collect`` over the line, then an index) rather than a self-join, so each level reads the one before once and the
plan grows linearly on DuckDB and Spark. Then each row walks from its anchor down the levels, taking a
jump while it lands at or before the row: it is a re-default iff the walk ends on it.

``levels`` levels reach ``2**levels - 1`` steps; steps are at least ``C12 + 1`` months apart, so the default depth
(:func:`levels_for`) covers any line shorter than ``HORIZON_MONTHS``. A row whose chain goes further (its next step
is still at or before it after the walk) is returned as ``open``: the caller flags it ``needs_per_account``.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from creditloop.portfolio.analytics.panel import indicator
from creditloop.portfolio.ifrs9_staging import StagingRules

HORIZON_MONTHS = 1200  # a century of month ends: no credit line's history is longer


def levels_for(rules: StagingRules, horizon_months: int = HORIZON_MONTHS) -> int:
    """Doubling levels so that ``2**levels - 1`` steps of at least ``C12 + 1`` months cover ``horizon_months``."""
    steps = horizon_months // (max(rules.forborne_cure_months, 1) + 1)
    return max(steps.bit_length(), 1)


def forborne_sessions(t: ir.Table, rules: StagingRules, levels: int | None = None) -> ir.Table:
    """From ``t`` (``line_id``, ``month_no``, ``_b`` a trigger's month, ``_q`` more than ``sicr_dpd`` DPD, ``_f`` the
    line's grant month), on the forborne lines' rows from the grant on only: per row from the first forborne default
    ``e`` on, ``_sess`` (before forbearance ended: a trigger more than ``C12 + P`` after the last default), ``_l`` (the
    last default so far, probation re-defaults included), ``_r`` (a probation re-default) and ``_flag`` (a row so far
    was not resolved at this depth); rows neither in a session nor flagged are left out."""
    c3, c12, p = max(rules.cure_months, 1), max(rules.forborne_cure_months, 1), rules.forborne_probation_months
    null = ibis.null("int64")
    line = ibis.window(group_by="line_id")
    so_far = ibis.cumulative_window(group_by="line_id", order_by="month_no")
    before = ibis.window(group_by="line_id", order_by="month_no", rows=(None, -1))
    k = t.filter(t._f.notnull() & (t._b.notnull() | (t.month_no >= t._f)))
    k = k.select("line_id", "month_no", "_b", "_q", "_f")
    k = k.mutate(_p=ibis.ifelse(k._b < k._f, k._b, null).max().over(line))  # the last trigger before the grant
    a0 = ibis.ifelse(k._p.isnull(), k._f, ibis.greatest(k._f, k._p + c3))  # the forborne probation's start
    k = k.mutate(_e=ibis.ifelse((k._b >= k._f) & (k._b <= a0 + p), k._b, null).min().over(line))
    c = k.filter(k.month_no >= k._e)  # from the first forborne default on: each line starts at its trigger
    c = redefaults(c, rules, levels) if p > 0 else c.mutate(_r=ibis.literal(False), _open=ibis.literal(False))
    c = c.mutate(_d=ibis.ifelse(c._b.notnull() | c._r, c.month_no, null))
    c = c.mutate(_l=c._d.max().over(so_far), _l4=c._d.max().over(before))
    brk = ((c._b > c._e) & (c._b - c._l4 > c12 + p)).fill_null(False)  # a trigger after the probation ended
    c = c.mutate(_sess=(c.month_no < ibis.ifelse(brk, c.month_no, null).min().over(line)).fill_null(True))
    c = c.mutate(_r=c._r & c._sess, _flag=indicator(c._open & c._sess).max().over(so_far) == 1)  # plain after
    return c.filter(c._sess | c._flag).select("line_id", "month_no", "_sess", "_l", "_r", "_flag")


def redefaults(candidates: ir.Table, rules: StagingRules, levels: int | None = None) -> ir.Table:
    """``candidates`` (``line_id``, ``month_no``, ``_b`` a trigger's month, ``_q`` more than ``sicr_dpd`` DPD, and
    any other columns: kept), one line's rows starting at a trigger, with ``_r`` (a probation re-default) and
    ``_open`` (the walk did not reach the row: not resolved at this depth)."""
    c12, p = max(rules.forborne_cure_months, 1), rules.forborne_probation_months
    depth = levels_for(rules) if levels is None else levels
    if depth < 1:
        raise ValueError(f"levels: must be at least 1, got {depth}")
    order = ibis.window(group_by="line_id", order_by="month_no")
    so_far = ibis.cumulative_window(group_by="line_id", order_by="month_no")
    whole = ibis.window(group_by="line_id", order_by="month_no", rows=(None, None))
    ahead = ibis.window(group_by="line_id", order_by="month_no", range=(c12 + 1, c12 + p))
    null = ibis.null("int64")
    cols = candidates.columns
    c = candidates.mutate(_i=ibis.row_number().over(order).cast("int32"))
    c = c.mutate(
        _j0=ibis.ifelse(c._q, c._i, null).min().over(ahead).fill_null(c._i).cast("int32"),  # no step: itself
        _cur=ibis.ifelse(c._b.notnull(), c._i, null).max().over(so_far).cast("int32"),  # the anchor
    )
    c = c.mutate(_arr0=c._j0.collect().over(whole))  # the line's level 0, by row number
    for k in range(1, depth):  # level k: level k - 1 looked up in itself; one select each
        jumps = c[f"_arr{k - 1}"][c[f"_j{k - 1}"]]
        c = c.mutate(**{f"_j{k}": jumps, f"_arr{k}": jumps.collect().over(whole)})
    for k in reversed(range(depth)):
        jump = c[f"_arr{k}"][c._cur]
        c = c.mutate(_cur=ibis.ifelse(jump <= c._i, jump, c._cur))
    step = c._arr0[c._cur]
    c = c.mutate(_r=c._q & c._b.isnull() & (c._cur == c._i), _open=(step != c._cur) & (step <= c._i))
    return c.select(*cols, "_r", "_open")
