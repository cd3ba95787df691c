"""A scorecard file (``creditloop scorecard fit``) compiled to DuckDB SQL: points, PD and the top reason codes
of every row of a table in one query, equal to ``scoring.runtime.ScorecardRuntime.score_one`` on the same rows
(a test holds them equal). The nightly early-warning run scores a million accounts this way.

Each characteristic's bin is a CASE in the runtime's order (missing — NULL or NaN —, special codes, point
masses, then ``bisect_right`` over the splits); points and lost points are list look-ups by bin. The score is
summed in characteristic order from 0.0 as the runtime sums it, so the doubles agree exactly; the reasons are
the characteristics that lost points, most lost first, ties in characteristic order, at most ``n_reasons``.
Only numeric characteristics compile (behaviour features are numbers); a categorical one is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from creditloop.adapters.warehouse.behaviour_sql import lit, q
from creditloop.core.errors import ValidationError
from creditloop.scoring.runtime import ScorecardRuntime


def _list(values: list[float]) -> str:
    return "[" + ", ".join(lit(v) for v in values) + "]"


def _text(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _bin(c: Mapping[str, Any]) -> tuple[str, int]:
    """(SQL of the bin index, number of bins) of one numeric characteristic."""
    x = f"CAST({q(str(c['name']))} AS DOUBLE)"
    splits = [float(v) for v in c.get("splits", [])]
    masses = [float(v) for v in c.get("point_masses", [])]
    specials = [float(v) for v in c.get("special_codes", [])]
    special_bin = len(splits) + 1 + len(masses)
    whens = [f"WHEN {x} IS NULL OR isnan({x}) THEN {special_bin + 1}"]
    if specials:
        whens.append(f"WHEN {x} IN ({', '.join(lit(v) for v in specials)}) THEN {special_bin}")
    whens += [f"WHEN {x} = {lit(v)} THEN {len(splits) + 1 + k}" for k, v in enumerate(masses)]
    whens += [f"WHEN {x} < {lit(s)} THEN {k}" for k, s in enumerate(splits)]
    return f"CASE {' '.join(whens)} ELSE {len(splits)} END", special_bin + 2


def score_query(document: Mapping[str, Any], source: str, *, prefix: str = "") -> str:
    """SQL: every column of ``source`` plus ``{prefix}score``, ``{prefix}pd`` and ``{prefix}reasons`` (a list of
    reason codes). ``source`` must hold a column per characteristic (NULL scores as missing)."""
    runtime = ScorecardRuntime(document)  # the runtime's checks: a damaged file fails here, the same way
    chars = list(document["characteristics"])
    bins, points, reasons = [], [], []
    for j, c in enumerate(chars):
        if c["kind"] != "numeric":
            raise ValidationError(f"characteristic {c['name']!r} is categorical: only numeric ones compile to SQL",
                                  field="model")  # fmt: skip
        sql, _ = _bin(c)
        bins.append(f"{sql} AS __b{j}")
        pts = [float(p) for p in c["points"]]
        best = max(pts)
        points.append(f"{_list(pts)}[__b{j} + 1]")
        lost = _list([best - p for p in pts])
        reasons.append(f"{{'k': -({lost}[__b{j} + 1]), 'j': {j}, 'code': {_text(str(c['reason_code']))}}}")
    score = "(" * len(points) + "CAST(0.0 AS DOUBLE)" + "".join(f" + {p})" for p in points)
    a, b = runtime.calibration
    z = f"({lit(a)} + {lit(b)} * (({lit(runtime.offset)} - __score) / {lit(runtime.factor)}))"
    ranked = f"list_sort(list_filter([{', '.join(reasons)}], lambda r: r.k < 0))"
    top = f"list_transform({ranked}, lambda r: r.code)[1:{runtime.n_reasons}]"
    drop = ", ".join([*(f"__b{j}" for j in range(len(chars))), "__score"])
    inner = f"SELECT *, {score} AS __score FROM (SELECT *, {', '.join(bins)} FROM {source})"
    return (
        f"SELECT * EXCLUDE ({drop}), __score AS {q(prefix + 'score')}, "
        f"1.0 / (1.0 + exp(-{z})) AS {q(prefix + 'pd')}, {top} AS {q(prefix + 'reasons')} FROM ({inner})"
    )


__all__ = ["score_query"]
