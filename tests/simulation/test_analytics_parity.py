"""Parity: every portfolio analytic gives the same rows on DuckDB and on Spark (local mode) from one ibis definition,
on the hand-made book (tests/conftest.py) and on the pandemic calibration run (tests/simulation/conftest.py).

Integers (counts, fen) must be equal; floats (shares, intervals) are computed from those integers by the same
expression on both engines and must agree within 1e-12. One SparkSession serves every test (tests/conftest.py)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("ibis", reason="the portfolio analytics need the 'analytics' extra (ibis)")

from creditloop.adapters.analytics.engines import connect, rows, snapshots
from creditloop.entrypoints.cli.risk_analytics_cli import COLUMNS, _metrics
from creditloop.portfolio.analytics.panel import monthly_state

pytestmark = pytest.mark.slow
TOLERANCE = 1e-12


def all_metrics(con: Any, data_dir: Path) -> dict[str, list[dict[str, Any]]]:
    state = monthly_state(snapshots(con, data_dir))
    return {name: rows(metric(state)) for name, metric in _metrics().items()}


def assert_same(duck: dict[str, list[dict[str, Any]]], spark: dict[str, list[dict[str, Any]]]) -> None:
    assert duck.keys() == spark.keys() == COLUMNS.keys()
    for name in duck:
        d, s = duck[name], spark[name]
        assert len(d) == len(s), name
        for i, (a, b) in enumerate(zip(d, s, strict=True)):
            assert a.keys() == b.keys(), (name, i)
            for col, x in a.items():
                y = b[col]
                if isinstance(x, float) or isinstance(y, float):
                    assert x is not None and y is not None, (name, i, col, x, y)
                    assert math.isclose(x, y, rel_tol=TOLERANCE, abs_tol=TOLERANCE), (name, i, col, x, y)
                else:
                    assert x == y and type(x) is type(y), (name, i, col, x, y)


def test_the_hand_made_book_is_identical_on_duckdb_and_spark(spark: Any, analytics_book: Path) -> None:
    duck = all_metrics(connect("duckdb"), analytics_book)
    assert_same(duck, all_metrics(connect("spark", session=spark), analytics_book))
    assert duck["transition_matrix"][0]["lines"] == 3  # the comparison saw real rows


def test_a_simulated_book_is_identical_on_duckdb_and_spark(spark: Any, runs: Path) -> None:
    data_dir = runs / "pandemic"
    duck = all_metrics(connect("duckdb"), data_dir)
    assert_same(duck, all_metrics(connect("spark", session=spark), data_dir))
    assert sum(r["lines"] for r in duck["transition_matrix"]) > 10_000
    assert any(r["gross_charge_off_minor"] > 0 for r in duck["net_charge_off"])
    assert any(r["fpd_lines"] > 0 for r in duck["first_payment_default"])


def test_the_cli_on_spark_prints_what_duckdb_prints(spark: Any, analytics_book: Path) -> None:
    """``--engine spark`` through the CLI (in process: it reuses the one SparkSession) gives DuckDB's JSON."""
    import json

    from typer.testing import CliRunner

    from creditloop.entrypoints.cli.main import app

    for command in ("transitions", "vintages"):  # one table; two (over the cached panel)
        docs = {}
        for engine in ("duckdb", "spark"):
            args = ["risk", command, "--data-dir", str(analytics_book), "--engine", engine, "--by", "both", "--json"]
            res = CliRunner().invoke(app, args)
            assert res.exit_code == 0, res.output
            docs[engine] = json.loads(res.output)
        assert docs["spark"]["engine"] == "spark"
        assert docs["spark"]["tables"] == docs["duckdb"]["tables"]


def test_the_payment_layers_are_identical_on_duckdb_and_spark(spark: Any, runs: Path) -> None:
    """``risk ecl --segment-by payment`` reads the same layered counts and row layers on both engines."""
    from dataclasses import astuple

    from creditloop.adapters.analytics.ecl_inputs import read_inputs

    data_dir = runs / "pandemic"
    duck_rows, duck_counts = read_inputs(connect("duckdb"), data_dir, "payment")
    spark_rows, spark_counts = read_inputs(connect("spark", session=spark), data_dir, "payment")
    assert sorted(map(astuple, duck_counts)) == sorted(map(astuple, spark_counts))
    assert sorted(map(astuple, duck_rows)) == sorted(map(astuple, spark_rows))
    layered = [c for c in duck_counts if c.to_segment]
    assert {c.segment for c in layered} == {"paid", "never_paid"}
    assert any(c.segment == "never_paid" and c.to_segment == "paid" for c in layered)  # first payments
    assert not any(c.segment == "paid" and c.to_segment == "never_paid" for c in layered)  # a payment stays made
