"""Features (and the behaviour score) of the ledger's behaviour panel in DuckDB, for ``creditloop ewi run``.

The panel rows come from ``jobs.ewi_panel`` as plain dicts; here they become an Arrow table typed by
``PANEL_COLUMNS``, the feature set is compiled to SQL (``behaviour_sql.history_query``: every month, since closing
an alert as cured reads the months after it) and, given a scorecard file, each row is scored in the same query
(``scorecard_sql.score_query``): the score's PD is the ``behaviour_score`` indicator of the alert rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from creditloop.adapters.warehouse.behaviour_sql import history_query, panel_relation
from creditloop.adapters.warehouse.scorecard_sql import score_query
from creditloop.monitoring.alert_rules import SCORE
from creditloop.monitoring.features import FeatureSet
from creditloop.monitoring.panel import PANEL_COLUMNS

_ARROW = {"str": pa.string(), "date": pa.date32(), "int": pa.int64(), "bool": pa.bool_()}
SCHEMA = pa.schema([pa.field(c.name, _ARROW[c.kind], nullable=not c.required) for c in PANEL_COLUMNS])
Features = dict[tuple[str, date], dict[str, float | None]]


def panel_table(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist([dict(r) for r in rows], schema=SCHEMA)


def ledger_features(rows: Sequence[Mapping[str, Any]], fs: FeatureSet, model: Mapping[str, Any] | None) -> Features:
    """Every feature of every (line, month end), plus ``behaviour_score`` (the PD) when ``model`` is given."""
    if not rows:
        return {}
    con = duckdb.connect()
    try:
        rel = panel_relation(panel_table(rows), con)
        sql = history_query(fs)
        if model is not None:
            sql = score_query(model, f"({sql})", prefix="__")
        relation = rel.query("panel", sql)
        assert relation is not None  # a SELECT always gives a relation
        result = relation.to_arrow_table().to_pylist()
    finally:
        con.close()
    out: Features = {}
    for r in result:
        values: dict[str, float | None] = {n: _number(r[n]) for n in fs.names}
        if model is not None:
            values[SCORE] = _number(r["__pd"])
        out[(r["account_id"], r["month_end_on"])] = values
    return out


def _number(v: Any) -> float | None:
    return None if v is None else float(v)
