"""Portfolio analytics and IFRS 9 ECL of a book (issue 17 item 5, issue 18 item 1): read views for the API, the
dashboard and the report. Plain values; nothing is changed.

The inputs are the ECL's own (``portfolio.ecl.panel_staging.PanelRow`` rows and month-to-month
``TransitionCount`` s), from either source:

* **the server's book**: the behaviour panel its day-end stores (one row per line and closed month end,
  ``app.panel_rows``), turned into ``PanelRow`` s here by ``stored_inputs``. That panel carries no line status, no
  amount past due and no restructure flag, so: a line whose status now is CHARGED_OFF is charged off from its first
  month at or past ``CHARGE_OFF_DPD`` (every packaged product's); a line now CLOSED is closed in its trailing
  months with nothing owed; the amount past due is the month's statement due less what was paid by the due date
  (a line past due with no statement due that month is past due by its whole balance); no forbearance is seen;
* **a simulation's data directory** (``snapshots.parquet``): read by the analytics adapter
  (``adapters.analytics.ecl_inputs``), which has every column.

Staging, term structures and ECL are ``portfolio.ecl.run.ecl_at``, the code behind ``creditloop risk ecl``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from creditloop.app.dashboard_views import BUCKETS, delinquency_by_month
from creditloop.app.ports import UnitOfWork
from creditloop.core.errors import ValidationError
from creditloop.portfolio.ecl import lgd as lgd_file
from creditloop.portfolio.ecl import scenarios as scenario_file
from creditloop.portfolio.ecl.panel_staging import PanelRow
from creditloop.portfolio.ecl.run import TransitionCount, ecl_at
from creditloop.portfolio.ecl.scenarios import EclParameters

CHARGE_OFF_DPD = 180  # every packaged product charges off at 180 DPD (products/catalog/*.json)
CO_INDEX, CL_INDEX = len(BUCKETS), len(BUCKETS) + 1  # the roll states after M0..M7 (portfolio.metrics.ROLL_STATES)
Inputs = tuple[list[PanelRow], list[TransitionCount]]
SEGMENT_CHAINS = ("none", "utilisation", "payment")  # the PD chain's segmenting (``risk ecl --segment-by``)
SEGMENT_BY = ("auto", *SEGMENT_CHAINS)  # auto: payment where the snapshots carry payments (``ecl_inputs.AUTO``)
# (reporting date, parameters, packaged LGD) -> (parameters with the CCF used, the LGD used with its source and
# own-experience fields): ``adapters.analytics.ecl_options.with_own_experience`` bound to a data directory.
LossAt = Callable[[date, EclParameters, float], tuple[EclParameters, dict[str, Any]]]
OWN_LGD_KEYS = ("own_lgd", "lines", "credibility", "prior", "full_credibility_lines")


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 6)


def _bucket_index(dpd: int) -> int:
    return 0 if dpd <= 0 else min(7, (dpd + 29) // 30)


def _month_no(day: date) -> int:
    return day.year * 12 + day.month


def _status(history: Sequence[Mapping[str, Any]], k: int, now: str) -> str:
    row = history[k]
    if now == "CHARGED_OFF" and int(row["dpd"]) >= CHARGE_OFF_DPD:
        return "CHARGED_OFF"
    if now == "CLOSED" and all(int(r["balance_minor"] or 0) == 0 for r in history[k:]):
        return "CLOSED"
    return "ACTIVE"


def _past_due(row: Mapping[str, Any]) -> int:
    if int(row["dpd"]) <= 0:
        return 0
    owed = int(row.get("statement_due_minor") or 0) - int(row.get("paid_minor") or 0)
    return owed if owed > 0 else max(0, int(row["balance_minor"] or 0))


def panel_rows_of(stored: Iterable[Mapping[str, Any]], statuses: Mapping[str, str]) -> list[PanelRow]:
    """The stored panel's rows as ``PanelRow`` s (``statuses``: each line's status now)."""
    by_line: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in stored:
        by_line[str(r["account_id"])].append(r)
    out: list[PanelRow] = []
    for line_id, rows in sorted(by_line.items()):
        history = sorted(rows, key=lambda r: r["month_end_on"])
        for k, r in enumerate(history):
            status = _status(history, k, statuses.get(line_id, "ACTIVE"))
            index = {"CHARGED_OFF": CO_INDEX, "CLOSED": CL_INDEX}.get(status, _bucket_index(int(r["dpd"])))
            out.append(PanelRow(line_id, r["month_end_on"], status, index, max(0, int(r["dpd"])), _past_due(r),
                                int(r["balance_minor"] or 0), int(r["limit_minor"] or 0)))  # fmt: skip
    return out


def transition_counts(rows: Iterable[PanelRow]) -> list[TransitionCount]:
    """Lines per (month t, state at t, state at t + 1 month), over the lines with a row at both."""
    at = {(r.line_id, _month_no(r.month_end_on)): r for r in rows}
    counts: dict[tuple[date, int, int], int] = defaultdict(int)
    for (line_id, month), r in at.items():
        nxt = at.get((line_id, month + 1))
        if nxt is not None:
            counts[(r.month_end_on, r.state_index, nxt.state_index)] += 1
    return [TransitionCount(m, "", a, b, n) for (m, a, b), n in sorted(counts.items())]


def stored_inputs(uow: UnitOfWork) -> Inputs:
    """``PanelRow`` s and transition counts of the book's stored panel (empty when nothing is stored)."""
    with uow:
        store = getattr(uow, "panel", None)
        if store is None:
            return [], []
        stored = store.rows(sorted(store.months()))
        statuses = {line_id: status for line_id, status, _ in store.line_states()}
    rows = panel_rows_of(stored, statuses)
    return rows, transition_counts(rows)


def rolls_by_month(rows: Sequence[PanelRow]) -> list[dict[str, Any]]:
    """Per month t and bucket M0..M7 (lines on the book at t with a row at t + 1): the balance at t rolling to a
    worse state (charge-off included) by t + 1, staying and curing, as shares of the bucket's balance at t."""
    at = {(r.line_id, _month_no(r.month_end_on)): r for r in rows}
    sums: dict[tuple[date, int], list[int]] = defaultdict(
        lambda: [0, 0, 0, 0, 0]
    )  # lines, balance, worse, same, better
    for (line_id, month), r in at.items():
        nxt = at.get((line_id, month + 1))
        if nxt is None or r.state_index >= CO_INDEX or nxt.state_index == CL_INDEX:
            continue
        s, balance = sums[(r.month_end_on, r.state_index)], max(0, r.balance_minor)
        s[0] += 1
        s[1] += balance
        s[2 if nxt.state_index > r.state_index else 3 if nxt.state_index == r.state_index else 4] += balance
    return [
        {"month": m.isoformat()[:7], "month_end_on": m.isoformat(), "bucket": BUCKETS[b], "lines": s[0],
         "balance_minor": s[1], "roll_forward_rate": _share(s[2], s[1]), "stay_rate": _share(s[3], s[1]),
         "cure_rate": _share(s[4], s[1])}
        for (m, b), s in sorted(sums.items())
    ]  # fmt: skip


def analytics_view(inputs: Inputs, source: str, shock_months: Sequence[str] = ()) -> dict[str, Any]:
    """Balance-weighted delinquency by month and balance-weighted rolls by month."""
    rows, _ = inputs
    plain = [{"account_id": r.line_id, "month_end_on": r.month_end_on, "dpd": r.dpd, "balance_minor": r.balance_minor}
             for r in rows if r.status == "ACTIVE"]  # fmt: skip
    return {"schema": "creditloop.portfolio.analytics/1", "source": source, "delinquency": delinquency_by_month(plain),
            "rolls_by_month": rolls_by_month(rows), "shock_months": list(shock_months)}  # fmt: skip


def _unavailable(source: str, on: date | None, ends: Sequence[date], why: str) -> dict[str, Any]:
    return {"schema": "creditloop.portfolio.ecl/1", "source": source, "on": None if on is None else on.isoformat(),
            "month_ends": [d.isoformat() for d in ends], "available": False, "reason": why, "parameters": None,
            "stages": [], "stage_movements": []}  # fmt: skip


def loss_parameters(params: EclParameters, loss: Mapping[str, Any], segment_by: str) -> dict[str, Any]:
    """The LGD, CCF and segmenting an ECL run used, as ``risk ecl --json`` and ``GET /portfolio/ecl`` show them:
    ``lgd``, ``lgd_source``, ``own_lgd`` (``null`` or the book's own LGD, its lines and credibility), ``ccf``,
    ``own_ccf`` (``null`` or the own-CCF block) and ``segment_by``."""
    own = {k: loss[k] for k in OWN_LGD_KEYS if k in loss}
    return {"lgd": loss["lgd"], "lgd_source": loss["source"], "own_lgd": own or None, "ccf": str(params.ccf),
            "own_ccf": loss.get("own_ccf"), "segment_by": segment_by}  # fmt: skip


def ecl_view(
    inputs: Inputs, source: str, on: date | None = None, *, segment_by: str = "none", loss_at: LossAt | None = None
) -> dict[str, Any]:
    """ECL by stage (accounts, exposure, ECL, coverage) at ``on`` (default the last month end) and the stage
    movements of every month up to it (schema ``creditloop.portfolio.ecl/1``, docs/api.md). Without ``on``, a
    book with no month end or no month-to-month transition yet answers ``available: false`` and the reason; a named
    ``on`` the book cannot answer for is a ``ValidationError`` naming ``on``. ``segment_by`` (the inputs read
    segmented) and ``loss_at`` (own LGD / CCF) are the options of ``creditloop risk ecl``, run the same way."""
    if segment_by not in SEGMENT_CHAINS:  # resolved by the caller (``auto`` depends on the snapshots' columns)
        raise ValidationError(f"segment_by: must be one of {', '.join(SEGMENT_CHAINS)}, got {segment_by!r}",
                              field="segment_by")  # fmt: skip
    rows, counts = inputs
    ends = sorted({r.month_end_on for r in rows})
    if on is None and not ends:
        return _unavailable(source, None, ends, "the book has no stored month end yet (stored at each month's close)")
    day = ends[-1] if on is None else on
    if day not in ends:
        span = f"{ends[0]} .. {ends[-1]}" if ends else "none stored yet"
        raise ValidationError(f"on: {day} is not a stored month end ({span})", field="on")
    params, lgd = scenario_file.load(None), lgd_file.load()
    loss: dict[str, Any] = {"lgd": lgd.lgd, "source": "lending_club"}
    if loss_at is not None:
        params, loss = loss_at(day, params, lgd.lgd)
    try:
        result = ecl_at(rows, counts, day, params, loss["lgd"], segmented=segment_by != "none")
    except ValidationError as exc:
        if on is not None:
            raise
        return _unavailable(source, day, ends, str(exc))
    stages = [
        {"stage": s or "total", **result.by_stage[s],
         "coverage": _share(result.by_stage[s]["ecl_minor"], result.by_stage[s]["ead_minor"])}
        for s in (1, 2, 3, 0)
    ]  # fmt: skip
    return {
        "schema": "creditloop.portfolio.ecl/1", "source": source, "on": day.isoformat(),
        "month_ends": [d.isoformat() for d in ends if d <= day], "available": True, "reason": None,
        "parameters": {"version": params.version, "lgd_version": lgd.version,
                       **loss_parameters(params, loss, segment_by),
                       "scenarios": [{"name": s.name, "weight": s.weight} for s in params.scenarios]},
        "stages": stages,
        "stage_movements": [{**m, "month_end_on": m["month_end_on"].isoformat()} for m in result.movements],
    }  # fmt: skip
