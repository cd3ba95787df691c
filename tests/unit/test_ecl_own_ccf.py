"""The book's own CCF at the reporting date (``ead.own_ccf``, ``adapters.analytics.own_ccf``) and
``creditloop risk ecl --own-ccf`` on a hand-built panel whose drawdowns are known exactly (docs/risk.md, "EAD")."""

from __future__ import annotations

import calendar
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from creditloop.core.errors import ValidationError
from creditloop.portfolio.ecl.ead import own_ccf

ENDS = [date(2024 + (m - 1) // 12, (m - 1) % 12 + 1, calendar.monthrange(2024 + (m - 1) // 12, (m - 1) % 12 + 1)[1])
        for m in range(1, 16)]  # fmt: skip  # 2024-01-31 .. 2025-03-31 (month numbers 1..15)


def _line(first: int, co: int | None, drawn: dict[int, int], limit: int, exposure: int = 0) -> list[tuple]:
    """Rows (month, status, dpd, balance, limit, charged_off) from ``first`` to the end; ``drawn`` by month (the
    last value carries on), charged off at ``co`` with ``exposure``."""
    out, balance = [], 0
    for m in range(first, 16):
        balance = drawn.get(m, balance)
        if co is not None and m >= co:
            out.append((m, "CHARGED_OFF", 180, 0, limit, exposure))
        else:
            out.append((m, "ACTIVE", 0, balance, limit, 0))
    return out


LINES = {
    # X: opened in month 1, charged off in month 14: reference month 2 (14 - 12): drawn 120,000 of 300,000
    "X": _line(1, 14, {1: 100_000, 2: 120_000, 8: 200_000}, 300_000, 250_000),
    # Y: opened in month 3, charged off in month 10: younger than 12 months, reference its first month
    "Y": _line(3, 10, {3: 50_000, 6: 80_000}, 100_000, 90_000),
    # Z: fully drawn at its reference: no undrawn limit, no CCF to measure
    "Z": _line(1, 9, {1: 100_000}, 100_000, 110_000),
    # W: charged off in month 15, after the reporting date 2025-02-28
    "W": _line(1, 15, {1: 10_000}, 100_000, 100_000),
    "A": _line(1, None, {1: 30_000}, 100_000),
}


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pa = pytest.importorskip("pyarrow")
    pytest.importorskip("ibis", reason="the own CCF is read with the 'analytics' extra (ibis)")
    import pyarrow.parquet as pq

    recs = [(line, *row) for line, rows in LINES.items() for row in rows]
    n = len(recs)
    table = pa.table(
        {
            "line_id": pa.array([r[0] for r in recs]),
            "month_end_on": pa.array([ENDS[r[1] - 1] for r in recs], pa.date32()),
            "vintage": pa.array(["2024-01"] * n), "mob": pa.array([r[1] for r in recs], pa.int64()),
            "status": pa.array([r[2] for r in recs]), "dpd": pa.array([r[3] for r in recs], pa.int64()),
            "balance_minor": pa.array([r[4] for r in recs], pa.int64()),
            "limit_minor": pa.array([r[5] for r in recs], pa.int64()),
            "charged_off_minor": pa.array([r[6] for r in recs], pa.int64()),
            "statement_due_minor": pa.array([0] * n, pa.int64()), "past_due_minor": pa.array([0] * n, pa.int64()),
            "restructured": pa.array([False] * n, pa.bool_()),
        }
    )  # fmt: skip
    directory = tmp_path_factory.mktemp("own_ccf_book")
    pq.write_table(table, directory / "snapshots.parquet")
    return directory


def test_the_drawdowns_are_read_point_in_time_from_the_reference_month(book: Path) -> None:
    from creditloop.adapters.analytics.engines import connect
    from creditloop.adapters.analytics.own_ccf import charge_off_drawdowns

    con = connect("duckdb")
    assert charge_off_drawdowns(con, book, date(2024, 8, 31)) == []
    assert charge_off_drawdowns(con, book, date(2024, 10, 31)) == [
        (50_000, 100_000, 90_000),
        (100_000, 100_000, 110_000),
    ]
    assert charge_off_drawdowns(con, book, date(2025, 2, 28)) == [
        (120_000, 300_000, 250_000), (50_000, 100_000, 90_000), (100_000, 100_000, 110_000)]  # fmt: skip


def test_the_own_ccf_is_the_pooled_ratio_blended_by_precision() -> None:
    out = own_ccf([(120_000, 300_000, 250_000), (50_000, 100_000, 90_000), (100_000, 100_000, 110_000)],
                  Decimal("0.20"))  # fmt: skip
    # Z has no undrawn limit; X: 130,000 of 180,000, Y: 40,000 of 50,000 -> 170,000 / 230,000
    assert out["lines"] == 2
    assert out["own_ccf"] == pytest.approx(170_000 / 230_000)
    # two lines: the standard error is the floor 0.5 / sqrt(2); weight (1/12) / (1/12 + 1/8) = 0.4
    assert out["se"] == pytest.approx(0.5 / 2**0.5)
    assert out["weight"] == pytest.approx(0.4)
    assert out["ccf"] == Decimal("0.4157")  # 0.2 + 0.4 x (0.739130 - 0.2)


def test_many_alike_lines_move_the_ccf_almost_all_the_way() -> None:
    out = own_ccf([(0, 1_000, 600)] * 400 + [(0, 1_000, 700)] * 400, Decimal("0.20"))
    assert out["own_ccf"] == pytest.approx(0.65)
    assert out["se"] == pytest.approx(0.5 / 800**0.5)  # the floor: the lines are nearly alike
    assert out["weight"] > 0.99 and Decimal("0.645") < out["ccf"] <= Decimal("0.65")


def test_fewer_than_two_lines_keep_the_prior_and_bad_input_names_the_field() -> None:
    assert own_ccf([], Decimal("0.20"))["ccf"] == Decimal("0.20")
    assert own_ccf([(0, 100, 100)], Decimal("0.20"))["ccf"] == Decimal("0.20")
    with pytest.raises(ValidationError) as err:
        own_ccf([(0, -1, 0)], Decimal("0.20"))
    assert err.value.field == "limit_minor"
    with pytest.raises(ValidationError) as err:
        own_ccf([], Decimal("1.5"))
    assert err.value.field == "ccf"


@given(st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 10**7), st.integers(0, 2 * 10**7)), max_size=40))
def test_the_blended_ccf_stays_between_the_prior_and_the_own_ccf(lines: list[tuple[int, int, int]]) -> None:
    out = own_ccf(lines, Decimal("0.20"))
    assert Decimal(0) <= out["ccf"] <= Decimal(1)
    if out["own_ccf"] is not None:
        low, high = sorted((0.2, out["own_ccf"]))
        assert low - 1e-4 <= float(out["ccf"]) <= high + 1e-4


def test_risk_ecl_own_ccf_reports_and_uses_it(book: Path) -> None:
    from creditloop.entrypoints.cli.main import app

    runner = CliRunner()
    base = runner.invoke(app, ["risk", "ecl", "--data-dir", str(book), "--on", "2025-02-28", "--json"])
    own = runner.invoke(app, ["risk", "ecl", "--data-dir", str(book), "--on", "2025-02-28", "--own-ccf", "--json"])
    assert base.exit_code == 0, base.output
    assert own.exit_code == 0, own.output
    b, o = json.loads(base.stdout), json.loads(own.stdout)
    assert b["parameters"]["own_ccf"] is None and b["parameters"]["ccf"] == "0.20"
    assert o["parameters"]["ccf"] == "0.4157"
    assert o["parameters"]["own_ccf"]["lines"] == 2
    assert o["parameters"]["version"].endswith("+own-ccf")
    # on the book: A (30,000 of 100,000 drawn) and W (10,000 of 100,000); only their undrawn 160,000 moves
    ead = {s["stage"]: s["ead_minor"] for s in b["by_stage"]}
    ead_own = {s["stage"]: s["ead_minor"] for s in o["by_stage"]}
    assert ead["total"] == 40_000 + 32_000  # drawn + 0.20 x undrawn
    assert ead_own["total"] - ead["total"] + 72_000 == 72_000 + round(Decimal("0.2157") * 160_000)


def test_the_text_says_which_charged_off_lines_the_own_ccf_counts(book: Path) -> None:
    from creditloop.entrypoints.cli.main import app

    args = ["risk", "ecl", "--data-dir", str(book), "--on", "2025-02-28", "--own-ccf"]
    en = CliRunner().invoke(app, [*args, "--lang", "en"])
    zh = CliRunner().invoke(app, [*args, "--lang", "zh"])
    assert en.exit_code == 0 and zh.exit_code == 0, en.output + zh.output
    # X and Y count; Z was charged off too but had no undrawn limit at its reference month
    assert "CCF 0.4157 (own 0.7391 on 2 charged-off lines with undrawn limit at the cohort start, weight 0.400" in (
        en.stdout
    )
    assert "信用转换系数 0.4157（本行经验 0.7391，基于 2 户在队列起点尚有未用额度的核销账户，权重 0.400" in zh.stdout


def test_the_drawdowns_on_spark_match_duckdb(book: Path, spark: Any) -> None:
    from creditloop.adapters.analytics.engines import connect
    from creditloop.adapters.analytics.own_ccf import charge_off_drawdowns

    on = date(2025, 2, 28)
    assert charge_off_drawdowns(connect("spark", session=spark), book, on) == charge_off_drawdowns(connect(), book, on)
