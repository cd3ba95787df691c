"""``/portfolio``: portfolio analytics and IFRS 9 ECL of the server's book (issue 17 item 5, issue 18 item 1).

``source=book`` (the default) is the behaviour panel the server's own day-end stores at each month's close: the
embedded demo book's, or the PostgreSQL book's. ``source=data_dir`` is a simulation's data directory
(``snapshots.parquet``) the operator names with ``CREDITLOOP_API_PORTFOLIO_DIR``; a client never names a path.
Reads only; the same views as ``creditloop risk ecl`` (``app.portfolio_views``). The ECL of a data directory is
cached per snapshots file version, reporting date and parameter versions (``ecl_cache``); the stored book's is
computed on every request (its panel grows at each month's close and has no cheap version stamp).
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from creditloop.app.portfolio_views import Inputs, analytics_view, ecl_view, stored_inputs
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
_lock = threading.Lock()
_cache: dict[str, tuple[tuple[int, int], Inputs]] = {}  # data dir -> (mtime, size) of its snapshots, its inputs


def _dir_inputs(request: Request) -> Inputs:
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
        hit = _cache.get(str(configured))
        if hit is not None and hit[0] == stamp:
            return hit[1]
        from creditloop.adapters.analytics.ecl_inputs import read_inputs
        from creditloop.adapters.analytics.engines import connect

        inputs = read_inputs(connect("duckdb", None), configured)
        _cache[str(configured)] = (stamp, inputs)
        return inputs


def _ecl_cache(request: Request) -> LruCache:
    with _lock:
        cache: LruCache | None = getattr(request.app.state, "ecl_cache", None)
        if cache is None:
            cache = request.app.state.ecl_cache = LruCache()
        return cache


def _dir_ecl(request: Request, on: date | None) -> dict[str, Any]:
    """The data directory's ECL view, from the cache when its snapshots, ``on`` and the versions are unchanged."""
    from creditloop.portfolio.ecl import lgd as lgd_file
    from creditloop.portfolio.ecl import scenarios as scenario_file

    configured: Path | None = request.app.state.portfolio_dir
    try:
        stamp = file_stamp(configured / "snapshots.parquet") if configured is not None else None
    except OSError:
        stamp = None
    if stamp is None:
        return ecl_view(_dir_inputs(request), "data_dir", on)  # answers the 404 problem
    key = EclKey(*stamp, on, scenario_file.load(None).version, lgd_file.load().version)
    view: dict[str, Any] = _ecl_cache(request).get_or_compute(
        key, lambda: ecl_view(_dir_inputs(request), "data_dir", on)
    )
    return view


def _inputs(request: Request, be: Be, source: str) -> Inputs:
    return _dir_inputs(request) if source == "data_dir" else be.read(stored_inputs)


@router.get("/ecl", operation_id="portfolio_ecl", summary="IFRS 9 ECL by stage and the stage movements")
def ecl(request: Request, who: Caller, be: Be, source: Source = "book", on: OnQuery = None) -> dict[str, Any]:
    """Accounts, exposure (EAD), ECL and coverage per stage 1, 2, 3 and in total at the reporting month end, and
    the stage movements of every month up to it (accounts and exposure from stage to stage; docs/api.md)."""
    if source == "data_dir":
        return _dir_ecl(request, on)
    return ecl_view(_inputs(request, be, source), source, on)


@router.get("/analytics", operation_id="portfolio_analytics", summary="Delinquency and rolls by month (balance)")
def analytics(request: Request, who: Caller, be: Be, source: Source = "book") -> dict[str, Any]:
    """Balance-weighted 30+ delinquency by month and balance-weighted roll rates by month and bucket, with the
    months of a shock (``portfolio_events.json`` of the server's data directory) to mark."""
    shocks = sorted({str(e["month"]) for e in chart_events(be) if e.get("kind") == "shock"})
    return analytics_view(_inputs(request, be, source), source, shocks)
