"""The book's own LGD at the reporting date (``adapters.analytics.own_lgd``) and ``creditloop risk ecl --own-lgd``
on a hand-built panel whose own LGD is known exactly (docs/risk.md, "Own-experience LGD")."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

pytest.importorskip("ibis", reason="the own LGD is read with the 'analytics' extra (ibis)")

ENDS = ("2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30")
# line: per month end (status, dpd, balance, charged_off_minor); None = no row that month
LINES: dict[str, list[tuple[str, int, int, int] | None]] = {
    "A": [("ACTIVE", 0, 100_000, 0)] * 4,
    "B": [("ACTIVE", 0, 200_000, 0), ("ACTIVE", 15, 210_000, 0), ("ACTIVE", 0, 200_000, 0), ("ACTIVE", 0, 190_000, 0)],
    "C": [("ACTIVE", 0, 50_000, 0)] * 4,
    "H": [("ACTIVE", 0, 60_000, 0), ("ACTIVE", 20, 62_000, 0), ("ACTIVE", 50, 64_000, 0), ("ACTIVE", 80, 66_000, 0)],
    # E charged off in March (100,000), 40,000 recovered by April
    "E": [("ACTIVE", 120, 90_000, 0), ("ACTIVE", 150, 95_000, 0), ("CHARGED_OFF", 180, 0, 100_000),
          ("CHARGED_OFF", 210, 0, 60_000)],
    # F charged off in April (50,000), nothing recovered yet
    "F": [("ACTIVE", 90, 45_000, 0), ("ACTIVE", 120, 48_000, 0), ("ACTIVE", 150, 50_000, 0),
          ("CHARGED_OFF", 180, 0, 50_000)],
    # G charged off in February (20,000): 10,000 back by March, all of it by April
    "G": [("ACTIVE", 150, 20_000, 0), ("CHARGED_OFF", 180, 0, 20_000), ("CHARGED_OFF", 210, 0, 10_000),
          ("CHARGED_OFF", 240, 0, 0)],
}  # fmt: skip
PRIOR = 0.9


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    recs = [(line, date.fromisoformat(ENDS[k]), *row) for line, rows in LINES.items()
            for k, row in enumerate(rows) if row is not None]  # fmt: skip
    cols = list(zip(*recs, strict=True))
    n = len(recs)
    table = pa.table(
        {
            "line_id": pa.array(cols[0]), "month_end_on": pa.array(cols[1], pa.date32()),
            "vintage": pa.array(["2024-01"] * n), "mob": pa.array([d.month for d in cols[1]], pa.int64()),
            "status": pa.array(cols[2]), "dpd": pa.array(cols[3], pa.int64()),
            "balance_minor": pa.array(cols[4], pa.int64()), "charged_off_minor": pa.array(cols[5], pa.int64()),
            "statement_due_minor": pa.array([0] * n, pa.int64()),
            "past_due_minor": pa.array([b if d > 0 else 0 for d, b in zip(cols[3], cols[4], strict=True)], pa.int64()),
            "limit_minor": pa.array([300_000] * n, pa.int64()), "restructured": pa.array([False] * n, pa.bool_()),
        }
    )  # fmt: skip
    directory = tmp_path_factory.mktemp("own_lgd_book")
    pq.write_table(table, directory / "snapshots.parquet")
    return directory


def test_charged_off_pairs_are_point_in_time(book: Path) -> None:
    from creditloop.adapters.analytics.engines import connect
    from creditloop.adapters.analytics.own_lgd import charged_off_pairs, own_lgd_at

    con = connect("duckdb")
    assert charged_off_pairs(con, book, date(2024, 1, 31)) == []
    assert charged_off_pairs(con, book, date(2024, 3, 31)) == [(100_000, 0), (20_000, 10_000)]  # E, G
    assert charged_off_pairs(con, book, date(2024, 4, 30)) == [(100_000, 40_000), (50_000, 0), (20_000, 20_000)]
    out = own_lgd_at(con, book, date(2024, 4, 30), PRIOR)
    own, z = 1 - 60_000 / 170_000, math.sqrt(3 / 1082)
    assert (out["lines"], out["own_lgd"], out["credibility"]) == (3, pytest.approx(own), pytest.approx(z))
    assert out["lgd"] == pytest.approx(z * own + (1 - z) * PRIOR)
    march = own_lgd_at(con, book, date(2024, 3, 31), PRIOR)  # recoveries after March unseen
    assert (march["lines"], march["own_lgd"]) == (2, pytest.approx(1 - 10_000 / 120_000))


def test_charged_off_pairs_on_spark_match_duckdb(book: Path, spark: Any) -> None:
    from creditloop.adapters.analytics.engines import connect
    from creditloop.adapters.analytics.own_lgd import charged_off_pairs

    on = date(2024, 4, 30)
    assert charged_off_pairs(connect("spark", session=spark), book, on) == charged_off_pairs(connect(), book, on)


def _ecl(*args: str) -> dict[str, Any]:
    from creditloop.entrypoints.cli.main import app

    res = CliRunner().invoke(app, ["risk", "ecl", *args, "--accounts", "--json"])
    assert res.exit_code == 0, res.stderr
    doc: dict[str, Any] = json.loads(res.stdout)
    return doc


def test_risk_ecl_own_lgd_reports_and_uses_the_blended_lgd(book: Path) -> None:
    base = _ecl("--data-dir", str(book))
    own = _ecl("--data-dir", str(book), "--own-lgd")
    prior = base["parameters"]["lgd"]
    assert (base["parameters"]["lgd_source"], base["parameters"]["own_lgd"]) == ("lending_club", None)
    z, own_lgd = math.sqrt(3 / 1082), 1 - 60_000 / 170_000
    p = own["parameters"]
    assert p["lgd_source"] == "own_experience" and p["own_lgd"]["lines"] == 3
    assert p["own_lgd"]["own_lgd"] == pytest.approx(own_lgd) and p["own_lgd"]["credibility"] == pytest.approx(z)
    assert p["own_lgd"]["prior"] == prior and p["lgd"] == pytest.approx(z * own_lgd + (1 - z) * prior)
    # The ECL is linear in the LGD (no scenario LGD reaches the cap of 1): each account's moves by the LGD ratio.
    assert {a["line_id"] for a in own["accounts"]} == {"A", "B", "C", "H"}  # charged-off lines are off the book
    scale = p["lgd"] / prior
    for a, b in zip(base["accounts"], own["accounts"], strict=True):
        assert b["ecl_minor"] == pytest.approx(a["ecl_minor"] * scale, abs=1)
    total, own_total = base["by_stage"][3]["ecl_minor"], own["by_stage"][3]["ecl_minor"]
    assert 0 < own_total < total and own_total == pytest.approx(total * scale, abs=3)  # own 0.647 < prior 0.908
