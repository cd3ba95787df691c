"""Behaviour features compiled to DuckDB window queries: the batch engine of the ONE definition in
``monitoring/features.py`` (the reference evaluator there is what the parity tests hold this to).

A feature set becomes a chain of SELECTs over the panel, all windowed ``PARTITION BY account_id ORDER BY
month_end_on`` with ``ROWS`` frames (an account's months are contiguous, so rows are months):

- stage 0 adds the derived columns that need no ``lag``; stage k adds those whose ``lag`` reads a column of
  stage k-1 (a window cannot nest inside another, so each lag level is materialised first). Every feature's
  ``expr``/``where`` becomes a hidden derived column, so the last stage only aggregates named columns;
- the last SELECT computes every feature with one window aggregate each.

Expressions carry a kind (num, bool, str, date). Numbers are DOUBLE; booleans are never null where the
reference says so (``COALESCE(cmp, FALSE)``, ``x IS TRUE``); a non-boolean in a boolean position is false, as
``v is True`` is in Python. Mixed kinds the reference would treat by Python's duck typing (``least`` of a bool and
a number, ``coalesce`` of a string and a number, a comparison of a date with a number) are refused when
compiling, naming the column or feature: no feature set uses them and SQL would need a type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from creditloop.core.errors import ValidationError
from creditloop.monitoring.features import ARITHMETIC, COMPARISONS, Expr, Feature, FeatureSet
from creditloop.monitoring.panel import PANEL_COLUMNS

WINDOW = "PARTITION BY account_id ORDER BY month_end_on"
_SQL_TYPES = {"str": "VARCHAR", "date": "DATE", "int": "BIGINT", "bool": "BOOLEAN"}
_KIND = {"str": "str", "date": "date", "int": "num", "bool": "bool"}
_CMP = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "=", "ne": "<>"}
_BIN = {"add": "+", "sub": "-", "mul": "*"}
_AGG_SQL = {"mean": "AVG", "sum": "SUM", "min": "MIN", "max": "MAX"}


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(x: float) -> str:
    """A DOUBLE literal that round-trips exactly (a bare 1.05 would be a DECIMAL in DuckDB)."""
    return f"CAST('{float(x)!r}' AS DOUBLE)"


@dataclass
class _Derived:
    name: str
    kind: str
    depth: int
    sql: str  # over the columns materialised before its stage; same-stage references inlined


@dataclass
class _Plan:
    stages: list[list[_Derived]] = field(default_factory=list)
    features: list[str] = field(default_factory=list)  # SQL of each feature, in fs order


class _Compiler:
    def __init__(self, fs: FeatureSet) -> None:
        self.fs = fs
        self.kind: dict[str, str] = {c.name: _KIND[c.kind] for c in PANEL_COLUMNS}
        self.depth: dict[str, int] = {c.name: 0 for c in PANEL_COLUMNS}
        self.derived: dict[str, _Derived] = {}

    # ---------------------------------------------------------------------------------------- expressions

    def expr_depth(self, e: Expr) -> int:
        if isinstance(e, str):
            return self.depth[e]
        if not isinstance(e, dict):
            return 0
        if e["op"] == "lag":
            return self.depth[e["args"][0]] + 1
        return max(self.expr_depth(a) for a in e["args"])

    def compile(self, e: Expr, stage: int, where: str) -> tuple[str, str]:
        """(SQL, kind) of an expression evaluated at ``stage``."""
        if isinstance(e, str):
            d = self.derived.get(e)
            if d is not None and d.depth == stage:
                return f"({d.sql})", d.kind  # same stage: inline (a SELECT list cannot read its own aliases)
            return q(e), self.kind[e]
        if isinstance(e, int | float):
            return lit(e), "num"
        op, args = e["op"], e["args"]
        if op == "lag":
            return f"LAG({q(args[0])}, {int(e.get('n', 1))}) OVER w", self.kind[args[0]]
        parts = [self.compile(a, stage, where) for a in args]
        if op in ("and", "or"):
            return "(" + f" {op.upper()} ".join(truth(s, k) for s, k in parts) + ")", "bool"
        if op == "not":
            return f"(NOT {truth(*parts[0])})", "bool"
        if op == "if":
            kind = same_kind([parts[1][1], parts[2][1]], where, op)
            return f"(CASE WHEN {truth(*parts[0])} THEN {parts[1][0]} ELSE {parts[2][0]} END)", kind
        if op == "coalesce":
            kind = same_kind([k for _, k in parts], where, op)
            return f"COALESCE({', '.join(s for s, _ in parts)})", kind
        (a, ka), (b, kb) = parts
        if op in COMPARISONS:
            a, b = comparable(a, ka, b, kb, where, op)
            return f"COALESCE({a} {_CMP[op]} {b}, FALSE)", "bool"
        assert op in ARITHMETIC
        if op in ("least", "greatest"):
            kind = same_kind([ka, kb], where, op)
            return f"(CASE WHEN {a} IS NULL OR {b} IS NULL THEN NULL ELSE {op.upper()}({a}, {b}) END)", kind
        a, b = number(a, ka, where, op), number(b, kb, where, op)
        if op == "div":
            return f"(CASE WHEN {b} = 0 THEN NULL ELSE {a} / {b} END)", "num"
        return f"({a} {_BIN[op]} {b})", "num"

    def add(self, name: str, e: Expr, where: str) -> _Derived:
        depth = self.expr_depth(e)
        sql, kind = self.compile(e, depth, where)
        d = _Derived(name, kind, depth, sql)
        self.derived[name], self.kind[name], self.depth[name] = d, kind, depth
        return d

    # ------------------------------------------------------------------------------------------ features

    def plan(self) -> _Plan:
        derived = [self.add(r.name, r.expr, f"rows.{r.name}") for r in self.fs.rows]
        features = []
        for i, f in enumerate(self.fs.features):
            e = self.add(f"__e{i}", f.expr, f"features.{f.name}")
            w = self.add(f"__w{i}", f.where, f"features.{f.name}.where") if f.agg == "first_where" else None
            derived += [e] if w is None else [e, w]
            features.append(aggregate(f, e, w))
        top = max((d.depth for d in derived), default=0)
        plan = _Plan([[d for d in derived if d.depth == s] for s in range(max(top, 1) + 1)], features)
        return plan


def truth(sql: str, kind: str) -> str:
    """Python's ``v is True``: only a true boolean."""
    return f"({sql} IS TRUE)" if kind == "bool" else "FALSE"


def number(sql: str, kind: str, where: str, op: str) -> str:
    if kind not in ("num", "bool"):
        raise ValidationError(f"{where}: op {op!r} needs numbers, got a {kind}", field=where)
    return f"CAST({sql} AS DOUBLE)"


def same_kind(kinds: list[str], where: str, op: str) -> str:
    if len(set(kinds)) != 1:
        raise ValidationError(f"{where}: op {op!r} mixes kinds {sorted(set(kinds))}", field=where)
    return kinds[0]


def comparable(a: str, ka: str, b: str, kb: str, where: str, op: str) -> tuple[str, str]:
    if ka == kb and ka != "num":
        return a, b
    return number(a, ka, where, op), number(b, kb, where, op)


def aggregate(f: Feature, e: _Derived, w: _Derived | None) -> str:
    """One feature's window aggregate over its hidden column(s), as DOUBLE (the reference's table)."""
    col, agg, m = q(e.name), f.agg, f.months or 1
    where = f"features.{f.name}"
    if agg in ("latest", "mean", "sum", "min", "max", "change", "spike", "mean_change", "first_where"):
        number("", e.kind, where, agg)  # refuse a str/date column where the reference needs a number
    x = f"CAST({col} AS DOUBLE)"
    end = "CURRENT ROW" if f.offset == 0 else f"{f.offset} PRECEDING"
    frame = f"(w ROWS BETWEEN {f.offset + m - 1} PRECEDING AND {end})"
    if agg == "latest":
        return x
    if agg in _AGG_SQL:
        return f"{_AGG_SQL[agg]}({x}) OVER {frame}"
    if agg == "count":
        return f"CAST(COALESCE(SUM(CASE WHEN {truth(col, e.kind)} THEN 1 ELSE 0 END) OVER {frame}, 0) AS DOUBLE)"
    if agg == "streak":
        span = "UNBOUNDED" if f.months is None else str(f.months - 1)
        sframe = f"(w ROWS BETWEEN {span} PRECEDING AND CURRENT ROW)"
        broken = f"MAX(CASE WHEN NOT {truth(col, e.kind)} THEN __rn END) OVER {sframe}"
        return f"CAST(CASE WHEN {broken} IS NULL THEN COUNT(*) OVER {sframe} ELSE __rn - {broken} END AS DOUBLE)"
    if agg == "change":
        return f"({x} - LAG({x}, {m}) OVER w)"
    if agg == "spike":
        prior = f"AVG({x}) OVER (w ROWS BETWEEN {m} PRECEDING AND 1 PRECEDING)"
        return f"(CASE WHEN {prior} = 0 THEN NULL ELSE {x} / {prior} END)"
    if agg == "mean_change":
        last = f"AVG({x}) OVER (w ROWS BETWEEN {m - 1} PRECEDING AND CURRENT ROW)"
        return f"({last} - AVG({x}) OVER (w ROWS BETWEEN {2 * m - 1} PRECEDING AND {m} PRECEDING))"
    if agg == "days_since":
        return f"CAST(date_diff('day', {col}, month_end_on) AS DOUBLE)"
    assert agg == "first_where" and w is not None
    first = f"CASE WHEN {truth(q(w.name), w.kind)} THEN [{x}] END"
    return f"FIRST_VALUE({first} IGNORE NULLS) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)[1]"


# ------------------------------------------------------------------------------------------------ queries


def history_query(fs: FeatureSet, source: str = "panel", *, last_only: bool = False) -> str:
    """SQL giving every feature of ``fs`` for every row of ``source`` (a table or a parenthesised query with
    the panel's columns), or only each account's last row when ``last_only``."""
    plan = _Compiler(fs).plan()
    sql = f"SELECT * FROM {source}"
    for s, stage in enumerate(plan.stages):
        cols = [f"{d.sql} AS {q(d.name)}" for d in stage]
        if s == 1:  # the first windowed stage also numbers each account's rows (streak reads it)
            cols += ["ROW_NUMBER() OVER w AS __rn", "COUNT(*) OVER (PARTITION BY account_id) AS __n"]
        sql = f"SELECT *{''.join(', ' + c for c in cols)} FROM ({sql}) WINDOW w AS ({WINDOW})"
    names = ", ".join(f"{body} AS {q(f.name)}" for body, f in zip(plan.features, fs.features, strict=True))
    sql = f"SELECT account_id, month_end_on, __rn, __n, {names} FROM ({sql}) WINDOW w AS ({WINDOW})"
    keep = ", ".join(q(n) for n in fs.names)
    return f"SELECT account_id, month_end_on, {keep} FROM ({sql})" + (" WHERE __rn = __n" if last_only else "")


def as_of_query(fs: FeatureSet, as_of: date, source: str = "panel") -> str:
    """SQL giving one row per account: its features as of its latest month on or before ``as_of``."""
    return history_query(
        fs, f"(SELECT * FROM {source} WHERE month_end_on <= DATE '{as_of.isoformat()}')", last_only=True
    )


# ------------------------------------------------------------------------------------------------ running

Panel = Any  # pa.Table | duckdb.DuckDBPyRelation | str | Path (a Parquet file or glob)


def panel_relation(panel: Panel, con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
    """The panel as a relation with every panel column (an optional column a source lacks is a typed NULL)."""
    if isinstance(panel, duckdb.DuckDBPyRelation):
        rel = panel
    elif isinstance(panel, str | Path):
        rel = con.read_parquet(str(panel))
    elif isinstance(panel, pa.Table):
        rel = con.from_arrow(panel)
    else:
        raise ValidationError(f"a panel is an Arrow table, a DuckDB relation or a Parquet path, not {type(panel)}")
    have = set(rel.columns)
    for c in PANEL_COLUMNS:
        if c.required and c.name not in have:
            raise ValidationError(f"the panel has no column {c.name!r}", field=c.name)
    cols = [
        q(c.name) if c.name in have else f"CAST(NULL AS {_SQL_TYPES[c.kind]}) AS {q(c.name)}" for c in PANEL_COLUMNS
    ]
    return rel.select(", ".join(cols))


def _run(panel: Panel, sql: str, con: duckdb.DuckDBPyConnection | None) -> pa.Table:
    con = con or duckdb.connect()
    rel = panel_relation(panel, con)
    result = rel.query("panel", sql)
    assert result is not None  # a SELECT always gives a relation
    return result.to_arrow_table()


def features_history(panel: Panel, fs: FeatureSet, *, con: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
    """One row per (account_id, month_end_on) with every feature (back-tests, training)."""
    return _run(panel, history_query(fs) + " ORDER BY account_id, month_end_on", con)


def features_as_of(
    panel: Panel, fs: FeatureSet, as_of: date, *, con: duckdb.DuckDBPyConnection | None = None
) -> pa.Table:
    """One row per account: its features as of its latest month on or before ``as_of`` (the nightly run)."""
    return _run(panel, as_of_query(fs, as_of) + " ORDER BY account_id", con)


__all__ = ["as_of_query", "features_as_of", "features_history", "history_query", "lit", "panel_relation", "q"]
