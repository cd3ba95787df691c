"""Suite-wide fixtures.

- ``once_per_session``: build an expensive, read-only fixture once per test session, not once per xdist worker. A
  module- or session-scoped fixture is set up once per worker that runs a test needing it, and ``pytest -n auto``
  spreads a module's tests over every worker: the simulator's calibration runs, the strategy comparison and the
  demo were each built on both workers of a 2-core CI box. (``--dist loadgroup`` would keep them on one worker, but
  with pytest 9.2 it silently groups nothing: pytest-xdist issue #1386.)
- ``spark``: one local SparkSession for every Spark test (starting one costs 10-30 s, so each worker pays it once).
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A local[2] SparkSession (UI off, 2 shuffle partitions); skipped only when Java or PySpark is missing."""
    if shutil.which("java") is None:
        pytest.skip("Spark tests need Java 17+ on PATH (java not found)")
    pytest.importorskip("pyspark", reason="Spark tests need the 'spark' extra (pyspark)")
    from creditloop.adapters.analytics.engines import spark_session

    session = spark_session("local[2]", shuffle_partitions=2)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


# Three lines over Jan-May 2024 with known movements (tests/unit/test_portfolio_analytics.py works out every number):
# A: current throughout, paying down, last seen in April. B: M0, M1, M2, charged off in April (2200), 200 recovered
# in May. C: opened in February, M0, M1, cured to M0, closed in May.
# (line, month_end_on, vintage, mob, status, dpd, balance_minor, charged_off_minor, statement_due_minor)
BOOK_ROWS = [
    ("A", "2024-01-31", "2024-01", 1, "ACTIVE", 0, 1000, 0, 0),
    ("A", "2024-02-29", "2024-01", 2, "ACTIVE", 0, 900, 0, 300),
    ("A", "2024-03-31", "2024-01", 3, "ACTIVE", 0, 600, 0, 300),
    ("A", "2024-04-30", "2024-01", 4, "ACTIVE", 0, 300, 0, 300),
    ("B", "2024-01-31", "2024-01", 1, "ACTIVE", 0, 2000, 0, 0),
    ("B", "2024-02-29", "2024-01", 2, "ACTIVE", 10, 2000, 0, 500),
    ("B", "2024-03-31", "2024-01", 3, "FROZEN", 40, 2100, 0, 500),
    ("B", "2024-04-30", "2024-01", 4, "CHARGED_OFF", 70, 0, 2200, 0),
    ("B", "2024-05-31", "2024-01", 5, "CHARGED_OFF", 101, 0, 2000, 0),
    ("C", "2024-02-29", "2024-02", 1, "ACTIVE", 0, 500, 0, 0),
    ("C", "2024-03-31", "2024-02", 2, "ACTIVE", 5, 500, 0, 100),
    ("C", "2024-04-30", "2024-02", 3, "ACTIVE", 0, 400, 0, 100),
    ("C", "2024-05-31", "2024-02", 4, "CLOSED", 0, 0, 0, 0),
]


@pytest.fixture(scope="session")
def analytics_book(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A directory holding BOOK_ROWS as ``snapshots.parquet`` (the columns a simulation writes, int64 money)."""
    from datetime import date

    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    names = ["line_id", "month_end_on", "vintage", "mob", "status", "dpd", "balance_minor", "charged_off_minor",
             "statement_due_minor"]  # fmt: skip
    columns = list(zip(*BOOK_ROWS, strict=True))
    types = [pa.string(), pa.date32(), pa.string(), pa.int64(), pa.string(), pa.int64(), pa.int64(), pa.int64(),
             pa.int64()]  # fmt: skip
    arrays = [
        pa.array([date.fromisoformat(v) for v in col] if name == "month_end_on" else list(col), type=typ)
        for name, col, typ in zip(names, columns, types, strict=True)
    ]
    directory = tmp_path_factory.mktemp("analytics_book")
    pq.write_table(pa.table(arrays, names=names), directory / "snapshots.parquet")
    return directory


try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: every worker builds its own, as before
    fcntl = None  # type: ignore[assignment]

OncePerSession = Callable[[str, Callable[[Path], Any]], Any]


@pytest.fixture(scope="session")
def once_per_session(tmp_path_factory: pytest.TempPathFactory) -> OncePerSession:
    """``once_per_session(name, build)``: ``build(directory)``'s result, built by the first worker that asks, in a
    directory every worker of this run shares; the others wait on a lock and read the pickled result. Tests must
    only read what ``build`` made (as they already must for any shared fixture). A failed build is retried by the
    next worker in a fresh directory."""

    def get(name: str, build: Callable[[Path], Any]) -> Any:
        if os.environ.get("PYTEST_XDIST_WORKER") is None or fcntl is None:
            return build(tmp_path_factory.mktemp(name))
        root = tmp_path_factory.getbasetemp().parent / f"once-{name}"  # pytest-N/: this run's, shared by workers
        root.mkdir(exist_ok=True)
        with (root / "lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            done = root / "result.pickle"
            if done.exists():
                return pickle.loads(done.read_bytes())
            result = build(Path(tempfile.mkdtemp(dir=root)))
            done.write_bytes(pickle.dumps(result))
            return result

    return get
