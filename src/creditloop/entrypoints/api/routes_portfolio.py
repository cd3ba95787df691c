"""``/portfolio``: portfolio analytics and IFRS 9 ECL of the server's book (issue 17 item 5, issue 18 item 1).

``source=book`` (the default) is the behaviour panel the server's own day-end stores at each month's close: the
embedded demo book's, or the PostgreSQL book's. ``source=data_dir`` is a simulation's data directory
(``snapshots.parquet``) the operator names with ``CREDITLOOP_API_PORTFOLIO_DIR``; a client never names a path.
Reads only; the same views as ``creditloop risk ecl`` (``app.portfolio_views``). The ECL of a data directory is
cached per snapshots file version, reporting date, parameter versions and options (``ecl_cache``); the stored
book's is computed on every request (its panel grows at each month's close and has no cheap version stamp). The
options ``segment_by``, ``own_lgd`` and ``own_ccf`` are the CLI's ``--segment-by``, ``--own-lgd`` and ``--own-ccf``
on the same code path (``adapters.analytics.ecl_options``); they need a data directory (the stored panel carries
no charge-off amounts).
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from creditloop.app.portfolio_views import Inputs, LossAt, analytics_view, ecl_view, stored_inputs
from creditloop.entrypoints.api.deps import Be, Caller, caller
from creditloop.entrypoints.api.ecl_cache import EclKey, LruCache, file_stamp
from creditloop.entrypoints.api.problems import Problem
from creditloop.entrypoints.api.routes_dashboard import chart_events

router = APIRouter(prefix="/portfolio", tags=["portfolio"], dependencies=[Depends(caller)])
Source = Annotated[
    Literal["book", "data_dir"],
    Query(description="`book`: the server's stored panel; `data_dir`: the configured simulation's snapshots."),
]
OnQuery = Annotated[date | None, Query(description="Reporting month end (default: the last one stored).")]
SegmentQuery = Annotated[
    Literal["auto", "none", "utilisation", "payment"],  # app.portfolio_views.SEGMENT_BY
    Query(description="PD per segment (`risk ecl --segment-by`): `auto` (the default: `payment` when the snapshots "
          "carry payments, else `none`; the stored book has none), `payment` (lines that have / have never paid, "
          "each with its own chain), `utilisation` (the current row per u<30/u30-70/u70+; source=data_dir) or "
          "`none` (one count chain). The chain used is `parameters.segment_by`."),
]  # fmt: skip
OwnLgdQuery = Annotated[
    bool, Query(description="Blend the book's own LGD at `on` with the packaged prior (`--own-lgd`; source=data_dir).")
]
OwnCcfQuery = Annotated[
    bool,
    Query(description="Blend the book's own CCF at `on` (drawdowns before charge-off) with the packaged one "
          "(`--own-ccf`; source=data_dir)."),
]  # fmt: skip
_lock = threading.Lock()
# (data dir, segment_by) -> (mtime, size) of its snapshots, its inputs
_cache: dict[tuple[str, str], tuple[tuple[int, int], Inputs]] = {}


def _dir_inputs(request: Request, segment_by: str = "none") -> Inputs:
    """The configured data directory's panel, read once per version of ``snapshots.parquet``."""
    configured: Path | None = request.app.state.portfolio_dir
    if configured is None:
        raise Problem(404, "not_found", "source: no data directory is configured on this server "
                      "(CREDITLOOP_API_PORTFOLIO_DIR)", field="source")  # fmt: skip
    path = configured / "snapshots.parquet"
    try:
        stat = path.stat()
    except OSError:
        raise Problem(404, "not_found", "source: the configured data directory has no snapshots.parquet",
                      field="source") from None  # fmt: skip
    stamp = (stat.st_mtime_ns, stat.st_size)
    with _lock:
        hit = _cache.get((str(configured), segment_by))
        if hit is not None and hit[0] == stamp:
            return hit[1]
        from creditloop.adapters.analytics.ecl_inputs import read_inputs
        from creditloop.adapters.analytics.engines import connect

        inputs = read_inputs(connect("duckdb", None), configured, None if segment_by == "none" else segment_by)
        _cache[(str(configured), segment_by)] = (stamp, inputs)
        return inputs


def _ecl_cache(request: Request) -> LruCache:
    with _lock:
        cache: LruCache | None = getattr(request.app.state, "ecl_cache", None)
        if cache is None:
            cache = request.app.state.ecl_cache = LruCache()
        return cache


def _own_experience(configured: Path, own_lgd: bool, own_ccf: bool) -> LossAt | None:
    """The CLI's ``--own-lgd`` / ``--own-ccf`` step over the configured data directory (``None``: neither)."""
    if not (own_lgd or own_ccf):
        return None

    def loss_at(day: date, params: Any, prior: float) -> tuple[Any, dict[str, Any]]:
        from creditloop.adapters.analytics.ecl_options import with_own_experience
        from creditloop.adapters.analytics.engines import connect

        return with_own_experience(connect("duckdb", None), configured, day, params, prior, own_lgd=own_lgd,
                                   own_ccf=own_ccf)  # fmt: skip

    return loss_at


def _dir_ecl(request: Request, on: date | None, segment_by: str, own_lgd: bool, own_ccf: bool) -> dict[str, Any]:
    """The data directory's ECL view, from the cache when its snapshots, ``on``, the versions and the options are
    unchanged (each option set is its own entry)."""
    from creditloop.portfolio.ecl import lgd as lgd_file
    from creditloop.portfolio.ecl import scenarios as scenario_file

    configured: Path | None = request.app.state.portfolio_dir
    try:
        stamp = file_stamp(configured / "snapshots.parquet") if configured is not None else None
    except OSError:
        stamp = None
    if stamp is None or configured is None:
        return ecl_view(_dir_inputs(request), "data_dir", on)  # answers the 404 problem
    options = (("segment_by", segment_by), ("own_lgd", own_lgd), ("own_ccf", own_ccf))
    key = EclKey(*stamp, on, scenario_file.load(None).version, lgd_file.load().version, options)
    loss_at = _own_experience(configured, own_lgd, own_ccf)

    def compute() -> dict[str, Any]:
        chain = _resolved(configured, segment_by)
        return ecl_view(_dir_inputs(request, chain), "data_dir", on, segment_by=chain, loss_at=loss_at)

    view: dict[str, Any] = _ecl_cache(request).get_or_compute(key, compute)
    return view


def _resolved(configured: Path, segment_by: str) -> str:
    """``auto`` resolved on the configured snapshots (``ecl_inputs.resolve_segment_by``); others as given, and
    ``payment`` on snapshots without payments a 422 naming ``segment_by``."""
    if segment_by not in ("auto", "payment"):
        return segment_by
    from creditloop.adapters.analytics.ecl_inputs import resolve_segment_by
    from creditloop.adapters.analytics.engines import connect

    chain = resolve_segment_by(connect("duckdb", None), configured, "auto")
    if segment_by == "payment" and chain != "payment":
        raise Problem(422, "invalid_input", "segment_by: payment needs payments, and the configured snapshots have "
                      "no paid_minor column (use auto or none)", field="segment_by")  # fmt: skip
    return chain


def _inputs(request: Request, be: Be, source: str) -> Inputs:
    return _dir_inputs(request) if source == "data_dir" else be.read(stored_inputs)


@router.get("/ecl", operation_id="portfolio_ecl", summary="IFRS 9 ECL by stage and the stage movements")
def ecl(
    request: Request,
    who: Caller,
    be: Be,
    source: Source = "book",
    on: OnQuery = None,
    segment_by: SegmentQuery = "auto",
    own_lgd: OwnLgdQuery = False,
    own_ccf: OwnCcfQuery = False,
) -> dict[str, Any]:
    """Accounts, exposure (EAD), ECL and coverage per stage 1, 2, 3 and in total at the reporting month end, and
    the stage movements of every month up to it (accounts and exposure from stage to stage; docs/api.md). The
    options are ``creditloop risk ecl``'s, over the configured data directory."""
    if source == "data_dir":
        return _dir_ecl(request, on, segment_by, own_lgd, own_ccf)
    # auto is the count chain on the stored book: its panel carries no payments (nor charge-off amounts).
    asked_for = (("segment_by", segment_by not in ("auto", "none")), ("own_lgd", own_lgd), ("own_ccf", own_ccf))
    for name, asked in asked_for:
        if asked:
            raise Problem(422, "invalid_input", f"{name}: only with source=data_dir (the stored book's panel has "
                          "no payments, no charge-off amounts and no utilisation segments)", field=name)  # fmt: skip
    return ecl_view(_inputs(request, be, source), source, on)


@router.get("/analytics", operation_id="portfolio_analytics", summary="Delinquency and rolls by month (balance)")
def analytics(request: Request, who: Caller, be: Be, source: Source = "book") -> dict[str, Any]:
    """Balance-weighted 30+ delinquency by month and balance-weighted roll rates by month and bucket, with the
    months of a shock (``portfolio_events.json`` of the server's data directory) to mark."""
    shocks = sorted({str(e["month"]) for e in chart_events(be) if e.get("kind") == "shock"})
    return analytics_view(_inputs(request, be, source), source, shocks)
