"""One ECL run at a reporting month end, from a monthly panel and its transition counts (point in time).

The transition matrix pools the pairs (t, t + 1) with t + 1 on or before the reporting date and t within the
last ``transition_window_months`` months; stages come from the whole history up to the reporting date (with the
relative-PD SICR test, ``ecl.sicr``, on rows carrying the PD at origination, each month with the matrix known then); the
accounts are the lines on the book at the reporting date (not charged off, not closed).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from creditloop.core.errors import ValidationError
from creditloop.portfolio.ecl import payment_chain
from creditloop.portfolio.ecl.calc import AccountEcl, AccountInput, by_stage, portfolio_ecl
from creditloop.portfolio.ecl.panel_staging import PanelRow, movements_by_month, stage_history
from creditloop.portfolio.ecl.pd_prior import PdPrior
from creditloop.portfolio.ecl.scenarios import EclParameters
from creditloop.portfolio.ecl.sicr import TWELVE, PdNow
from creditloop.portfolio.ecl.term_structure import CO_INDEX, TermStructure, matrix_from_counts, term_structure
from creditloop.portfolio.ifrs9_staging import StagingRules


@dataclass(frozen=True, slots=True)
class TransitionCount:
    month_end_on: date  # t: the pair is (t, t + 1 month)
    segment: str
    from_index: int
    to_index: int
    lines: int
    # ``--segment-by payment`` only: the layer a month later, and the drawn and undrawn amounts at t (``payment_chain``)
    to_segment: str = ""
    drawn_minor: int = 0
    undrawn_minor: int = 0


@dataclass(frozen=True, slots=True)
class EclRun:
    on: date
    accounts: tuple[AccountEcl, ...]
    by_stage: dict[int, dict[str, int]]
    movements: list[dict[str, Any]]
    term_structures: dict[str, TermStructure]
    transition_months: tuple[date, ...]
    # line-months behind each row M0..M7 of the book's matrix: a young book's deep rows rest on a handful
    row_line_months: tuple[int, ...] = ()


def _month_no(day: date) -> int:
    return day.year * 12 + day.month


def pooled_counts(
    counts: Iterable[TransitionCount], on: date, window_months: int
) -> tuple[dict[str, dict[tuple[int, int], int]], tuple[date, ...]]:
    """Counts per segment of the pairs known at ``on`` within the window; segment ``""`` is the whole book (the
    caller passes the whole book's counts under ``""`` and, when segmenting, each segment's under its name)."""
    last = _month_no(on) - 1
    pooled: dict[str, dict[tuple[int, int], int]] = defaultdict(lambda: defaultdict(int))
    months = set()
    for c in counts:
        if last - window_months < _month_no(c.month_end_on) <= last:
            months.add(c.month_end_on)
            pooled[c.segment][(c.from_index, c.to_index)] += c.lines
    return {k: dict(v) for k, v in pooled.items()}, tuple(sorted(months))


def behavioural_pd(
    counts: Iterable[TransitionCount], month_ends: Iterable[date], window_months: int, prior: PdPrior | None = None
) -> PdNow:
    """The SICR PD-now lookup: at every month end the 12-month term structure of the book's matrix known then."""
    counts = list(counts)
    by_month = {}
    for m in month_ends:
        pooled, months = pooled_counts(counts, m, window_months)
        if months:
            by_month[m] = term_structure(matrix_from_counts(pooled[""], prior=prior), TWELVE)
    return PdNow(by_month)


def ecl_at(
    rows: Iterable[PanelRow],
    counts: Iterable[TransitionCount],
    on: date,
    params: EclParameters,
    lgd: float,
    rules: StagingRules = StagingRules(),
    *,
    segmented: bool = False,
    sicr_pd: bool = True,
    pd_prior: PdPrior | None = None,
) -> EclRun:
    """ECL of the lines on the book at ``on``; ``pd_prior`` (``ecl.pd_prior``) blends the book's matrix rows with
    outside roll rates by their line-months (every chain: the book's, the payment layers', the SICR PD)."""
    panel = [r for r in rows if r.month_end_on <= on]
    today = [r for r in panel if r.month_end_on == on]
    if not today:
        raise ValidationError(f"the panel has no month end {on}", field="on")
    counts = list(counts)
    pooled, months = pooled_counts(counts, on, params.transition_window_months)
    if not months:
        raise ValidationError(f"no month-to-month transitions are known at {on} (need two month ends)", field="on")
    book = matrix_from_counts(pooled[""], prior=pd_prior)
    layered = [c for c in counts if c.to_segment]
    if segmented and layered:
        structures = _payment_structures(layered, on, params, pd_prior)
        structures[""] = term_structure(book, params.lifetime_months)
    else:
        structures = _segment_structures(pooled, book, params.lifetime_months, segmented)
    pd_now = (
        behavioural_pd(counts, {r.month_end_on for r in panel}, params.transition_window_months, pd_prior)
        if sicr_pd
        else None
    )
    stages = stage_history(panel, rules, pd_now=pd_now)
    now = stages.get(on, {})
    accounts = [
        AccountInput(r.line_id, now[r.line_id], r.state_index, max(0, r.balance_minor), max(0, r.limit_minor),
                     r.segment if segmented else "")
        for r in sorted(today, key=lambda r: r.line_id)
        if r.line_id in now
    ]  # fmt: skip
    results = portfolio_ecl(accounts, structures, lgd, params)
    weights: dict[date, dict[str, int]] = defaultdict(dict)
    for r in panel:
        weights[r.month_end_on][r.line_id] = max(0, r.balance_minor)
    moves = movements_by_month(stages, weights)
    row_lines = tuple(sum(n for (i, _), n in pooled[""].items() if i == s) for s in range(CO_INDEX))
    return EclRun(on, tuple(results), by_stage(results), moves, structures, months, row_lines)


def _payment_structures(
    counts: list[TransitionCount], on: date, params: EclParameters, prior: PdPrior | None = None
) -> dict[str, TermStructure]:
    """The two payment layers' term structures from the layered counts known at ``on`` within the window."""
    last = _month_no(on) - 1
    window = [
        (c.segment, c.from_index, c.to_segment, c.to_index, c.lines, c.drawn_minor, c.undrawn_minor)
        for c in counts
        if last - params.transition_window_months < _month_no(c.month_end_on) <= last and c.from_index < CO_INDEX
    ]
    matrix = payment_chain.matrix(window, params.ccf, prior=prior)
    return payment_chain.term_structures(matrix, params.lifetime_months)


def _segment_structures(
    pooled: dict[str, dict[tuple[int, int], int]], book: list[list[float]], horizon: int, segmented: bool
) -> dict[str, TermStructure]:
    names = pooled if segmented else {"": pooled[""]}
    # A segment (utilisation band at t) changes as a line falls behind (limits are cut, lines frozen), so only the
    # current row (M0: the entry into delinquency) is the segment's own; the later rolls are the whole book's.
    return {
        k: term_structure(
            book if k == "" else matrix_from_counts({c: n for c, n in v.items() if c[0] == 0}, book), horizon
        )
        for k, v in names.items()
    }
