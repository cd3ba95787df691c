"""Connect ibis to DuckDB (embedded, the default) or Spark (local, or a cluster through a master URL), read the
panel's Parquet file there and bring results back as plain rows.

Spark settings chosen for a small local job: few shuffle partitions (the default 200 makes a 2-core run crawl),
no UI, no console progress bar, UTC session time zone (dates are calendar dates on both engines).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from creditloop._extras import require_extra

ENGINES = ("duckdb", "spark")
SNAPSHOTS = "snapshots.parquet"


class EngineError(ValueError):
    """Bad engine choice or input location; the message names the option."""


def spark_session(master: str = "local[2]", shuffle_partitions: int = 4) -> Any:
    """A SparkSession for the analytics (``getOrCreate``: an existing session in the process is reused)."""
    require_extra("spark")
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(master)
        .appName("creditloop-analytics")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )


def connect(engine: str = "duckdb", spark_master: str | None = None, session: Any = None) -> BaseBackend:
    """An ibis backend: DuckDB in memory, or Spark on ``session`` (else a new one on ``spark_master``)."""
    if engine not in ENGINES:
        raise EngineError(f"--engine: unknown engine {engine!r} (rule: one of {', '.join(ENGINES)})")
    if engine == "duckdb":
        if spark_master is not None:
            raise EngineError("--spark-master: only with --engine spark")
        require_extra("analytics")
        return ibis.duckdb.connect()
    require_extra("spark")
    if session is None:
        session = spark_session(spark_master or "local[2]")
    return ibis.pyspark.connect(session)


def snapshots(con: BaseBackend, data_dir: Path) -> ir.Table:
    """``data_dir/snapshots.parquet`` as a table on ``con``; a clear error when the directory has none."""
    path = Path(data_dir) / SNAPSHOTS
    if not path.is_file():
        raise EngineError(f"--data-dir: {data_dir} has no {SNAPSHOTS} (rule: a simulation's output directory)")
    return con.read_parquet(str(path.resolve()))


@contextmanager
def materialised(con: BaseBackend, table: ir.Table) -> Iterator[ir.Table]:
    """``table`` computed once (a temporary table on DuckDB, a persisted DataFrame on Spark) for several queries,
    dropped on exit. On DuckDB this does not use ibis ``cache()``: ibis 12 with sqlglot 30 renders its drop as
    ``DROP TABLE IF EXISTS`` without a name, which fails (and, left to the finaliser, prints a traceback at exit)."""
    if con.name != "duckdb":
        with table.cache() as cached:
            yield cached
        return
    name = f"creditloop_panel_{uuid.uuid4().hex}"
    temp = con.create_table(name, table, temp=True)
    try:
        yield temp
    finally:
        con.raw_sql(f'DROP TABLE IF EXISTS "{name}"')


def rows(expr: ir.Table) -> list[dict[str, Any]]:
    """Execute ``expr`` and return its rows as dicts: ints, floats (NaN as None), ISO date strings."""
    out = []
    for row in expr.to_pyarrow().to_pylist():
        out.append({k: _plain(v) for k, v in row.items()})
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    return value
