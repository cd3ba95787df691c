"""The day-end's stored behaviour panel (``behaviour_panel``) read straight into an Arrow table, for ``ewi run``.

At a million lines × 13 months a Python dict per row would cost tens of gigabytes and most of the run; here the
driver's rows are read in partitions and turned into typed Arrow columns, never into per-row objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pyarrow as pa

from creditloop.monitoring.panel import PANEL_COLUMNS

_ARROW = {"str": pa.string(), "date": pa.date32(), "int": pa.int64(), "bool": pa.bool_()}
SCHEMA = pa.schema([pa.field(c.name, _ARROW[c.kind], nullable=not c.required) for c in PANEL_COLUMNS])
PARTITION = 200_000


def stored_panel_table(connection: Any, months: Sequence[date]) -> pa.Table:
    """The stored rows of ``months`` (a SQLAlchemy connection to SQLite or PostgreSQL), typed by ``PANEL_COLUMNS``."""
    if not months:
        return SCHEMA.empty_table()
    listed = ", ".join(f"'{m.isoformat()}'" for m in sorted(months))  # dates we made: ISO text, nothing to escape
    names = ", ".join(SCHEMA.names)
    sql = f"SELECT {names} FROM behaviour_panel WHERE month_end_on IN ({listed})"
    result = connection.exec_driver_sql(sql)
    batches = [_batch(part) for part in result.partitions(PARTITION)]
    return pa.Table.from_batches(batches, schema=SCHEMA)


def _batch(rows: Sequence[Sequence[Any]]) -> pa.RecordBatch:
    columns = zip(*rows, strict=True)
    arrays = []
    for field, values in zip(SCHEMA, columns, strict=True):
        array = pa.array(values)  # SQLite gives dates as ISO text and booleans as 0/1: cast to the panel's types
        arrays.append(array if array.type == field.type else array.cast(field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)
