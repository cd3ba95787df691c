"""Features (and the behaviour score) of the ledger's behaviour panel in DuckDB, for ``creditloop ewi run``.

The panel rows come from ``jobs.ewi_panel`` as plain dicts; here they become an Arrow table typed by
``PANEL_COLUMNS``, the feature set is compiled to SQL (``behaviour_sql.history_query``: every month, since closing
an alert as cured reads the months after it) and, given a scorecard file, each row is scored in the same query
(``scorecard_sql.score_query``): the score's PD is the ``behaviour_score`` indicator of the alert rules.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from creditloop.adapters.warehouse.behaviour_sql import history_query, panel_relation
from creditloop.adapters.warehouse.scorecard_sql import score_query
from creditloop.adapters.warehouse.stored_panel import stored_panel_table
from creditloop.app.panel_rows import StoredPanel
from creditloop.monitoring.alert_rules import SCORE
from creditloop.monitoring.features import FeatureSet
from creditloop.monitoring.panel import PANEL_COLUMNS

_ARROW = {"str": pa.string(), "date": pa.date32(), "int": pa.int64(), "bool": pa.bool_()}
SCHEMA = pa.schema([pa.field(c.name, _ARROW[c.kind], nullable=not c.required) for c in PANEL_COLUMNS])
Features = dict[tuple[str, date], dict[str, float | None]]


def panel_table(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist([dict(r) for r in rows], schema=SCHEMA)


def ledger_features(
    rows: Sequence[Mapping[str, Any]] | StoredPanel,
    fs: FeatureSet,
    model: Mapping[str, Any] | None,
    keep: Collection[str] | None = None,
) -> Features:
    """Every feature of every (line, month end), plus ``behaviour_score`` (the PD) when ``model`` is given. With
    ``keep``: every month of those lines (closing reads the months after an alert) and each other line's latest
    month only (raising reads that), so a million lines do not become 13 million Python dicts."""
    table = stored_panel_table(rows.connection, rows.months) if isinstance(rows, StoredPanel) else panel_table(rows)
    if not table.num_rows:
        return {}
    con = duckdb.connect()
    try:
        panel = panel_relation(table, con)
        if keep is None:
            result = _query(panel, history_query(fs), model)
        else:
            result = _query(panel, history_query(fs, last_only=True), model)
            if keep:
                con.register("__keep", pa.table({"account_id": sorted(keep)}))
                mine = panel.query("p", "SELECT * FROM p WHERE account_id IN (SELECT account_id FROM __keep)")
                result += _query(mine, history_query(fs), model)
    finally:
        con.close()
    out: Features = {}
    for r in result:
        values: dict[str, float | None] = {n: _number(r[n]) for n in fs.names}
        if model is not None:
            values[SCORE] = _number(r["__pd"])
        out[(r["account_id"], r["month_end_on"])] = values
    return out


def _query(rel: Any, sql: str, model: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    if model is not None:
        sql = score_query(model, f"({sql})", prefix="__")
    relation = rel.query("panel", sql)
    assert relation is not None  # a SELECT always gives a relation
    rows: list[dict[str, Any]] = relation.to_arrow_table().to_pylist()
    return rows


def _number(v: Any) -> float | None:
    return None if v is None else float(v)
