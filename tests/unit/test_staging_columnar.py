"""The columnar IFRS 9 staging (ibis, portfolio/analytics/staging.py) against the per-account state machine
(portfolio/ifrs9_staging.next_state) on random histories, and the summary and movement tables on the hand-made book."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("ibis", reason="the portfolio analytics need the 'analytics' extra (ibis)")
pa = pytest.importorskip("pyarrow")

from creditloop.adapters.analytics.engines import connect, rows, snapshots  # noqa: E402
from creditloop.portfolio.analytics.panel import monthly_state  # noqa: E402
from creditloop.portfolio.analytics.staging import stage_movements, stage_summary, stages  # noqa: E402
from creditloop.portfolio.ifrs9_staging import INITIAL, MonthFacts, StagingRules, is_material, next_state  # noqa: E402


def _month_end(i: int) -> date:
    y, m = divmod(i, 12)
    nxt = date(2020 + y + (m + 1) // 12, (m + 1) % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def random_book(seed: int, lines: int) -> list[dict[str, Any]]:
    """Lines with random DPD paths (cures, relapses, charge-offs), past-due amounts and PDs."""
    rng = random.Random(seed)
    out = []
    for k in range(lines):
        start, months = rng.randrange(0, 6), rng.randrange(1, 30)
        dpd, charged, pd0 = 0, False, rng.choice([0.01, 0.02, 0.05])
        for j in range(months):
            if not charged:
                dpd = rng.choice([0, 0, dpd, dpd + 30, dpd + 31, max(dpd - 30, 0), rng.randrange(0, 200)])
                charged = dpd > 180 and rng.random() < 0.5
            balance = rng.randrange(0, 50_000)
            out.append({
                "line_id": f"L{k}", "month_end_on": _month_end(start + j), "vintage": "2020-01", "mob": j + 1,
                "status": "CHARGED_OFF" if charged else "ACTIVE", "dpd": dpd,
                "balance_minor": 0 if charged else balance, "charged_off_minor": balance if charged else 0,
                "statement_due_minor": 0, "past_due_minor": rng.choice([0, 50, 5_000, balance]),
                "pd": rng.choice([None, pd0, 2 * pd0, 3 * pd0 + 0.01]), "pd_at_origination": pd0,
            })  # fmt: skip
    return out


def forborne_book(seed: int, lines: int) -> list[dict[str, Any]]:
    """``random_book`` with a restructure (a state: true from its month on, as in the simulator's snapshots) on
    most lines, often soon after or during a default, and an unlikely-to-pay flag now and then."""
    rng = random.Random(seed)
    book = random_book(seed, lines)
    by_line: dict[str, list[dict[str, Any]]] = {}
    for r in book:
        by_line.setdefault(r["line_id"], []).append(r)
    for history in by_line.values():
        start = rng.choice([None, 0, *range(len(history))])
        for j, r in enumerate(history):
            r["restructured"] = start is not None and j >= start
            r["unlikely_to_pay"] = rng.random() < 0.03
    return book


def python_stages(book: list[dict[str, Any]], rules: StagingRules, absolute: int | None) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    by_line: dict[str, list[dict[str, Any]]] = {}
    for r in book:
        by_line.setdefault(r["line_id"], []).append(r)
    for line, history in by_line.items():
        state, was_restructured = INITIAL, False
        for r in sorted(history, key=lambda x: x["month_end_on"]):
            charged = r["status"] == "CHARGED_OFF"
            exposure = r["charged_off_minor"] if charged else r["balance_minor"]
            material = True if absolute is None else is_material(r["past_due_minor"], exposure, absolute_minor=absolute)
            restructured = bool(r.get("restructured"))
            facts = MonthFacts(dpd=r["dpd"], material=material, charged_off=charged, pd=r["pd"],
                               pd_at_origination=r["pd_at_origination"],
                               forbearance_granted=restructured and not was_restructured,  # as ecl.panel_staging
                               unlikely_to_pay=bool(r.get("unlikely_to_pay")))  # fmt: skip
            was_restructured = was_restructured or restructured
            state = next_state(state, facts, rules)
            out[(line, r["month_end_on"].isoformat())] = state.stage
    return out


def write_book(book: list[dict[str, Any]], directory: Path) -> Path:
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(book), directory / "snapshots.parquet")
    return directory


@pytest.mark.parametrize(
    ("seed", "rules", "absolute"),
    [
        (1, StagingRules(), None),
        (2, StagingRules(), 1_000),
        (3, StagingRules(cure_months=1, sicr_dpd=0, default_dpd=60, sicr_pd_ratio=3.0), None),
        (4, StagingRules(cure_months=6, sicr_pd_abs=0.0), 100),
    ],
)
def test_columnar_staging_equals_the_per_account_state_machine(
    tmp_path: Path, seed: int, rules: StagingRules, absolute: int | None
) -> None:
    book = random_book(seed, 150)
    expected = python_stages(book, rules, absolute)
    state = monthly_state(snapshots(connect("duckdb"), write_book(book, tmp_path)))
    got = {(r["line_id"], r["month_end_on"]): r["stage"] for r in rows(stages(state, rules, absolute))}
    assert got == expected
    assert {1, 2, 3} <= set(got.values())  # every stage was exercised


@pytest.mark.parametrize(
    ("seed", "rules", "absolute"),
    [
        (11, StagingRules(), None),
        (12, StagingRules(), 1_000),
        (13, StagingRules(cure_months=1, forborne_cure_months=4, forborne_probation_months=6, default_dpd=60), None),
        (14, StagingRules(forborne_cure_months=0, forborne_probation_months=0, forborne_is_sicr=False), 100),
    ],
)
def test_columnar_staging_with_forbearance_equals_the_per_account_state_machine(
    tmp_path: Path, seed: int, rules: StagingRules, absolute: int | None
) -> None:
    book = forborne_book(seed, 150)
    expected = python_stages(book, rules, absolute)
    state = monthly_state(snapshots(connect("duckdb"), write_book(book, tmp_path)))
    staged = rows(stages(state, rules, absolute))
    got = {(r["line_id"], r["month_end_on"]): r["stage"] for r in staged if not r["needs_per_account"]}
    assert got == {k: v for k, v in expected.items() if k in got}
    assert len(got) >= 0.8 * len(expected)  # the sequential re-default rule flags only a few rows
    flagged = {r["line_id"] for r in staged if r["needs_per_account"]}
    forborne = {r["line_id"] for r in book if r["restructured"]}
    assert flagged <= forborne and len(forborne - flagged) >= 0.5 * len(forborne)
    assert {1, 2, 3} <= set(got.values())
    plain = python_stages([{k: v for k, v in r.items() if k not in ("restructured", "unlikely_to_pay")} for r in book],
                          rules, absolute)  # fmt: skip
    assert sum(got[k] != plain[k] for k in got) >= 100  # forbearance and unlikely-to-pay moved many rows
    prev = {(r["line_id"], r["month_end_on"]): r["prev_stage"] for r in staged}
    assert all(prev[k] is None or prev[k] in (1, 2, 3) for k in prev)


def test_summary_and_movements_on_the_hand_made_book(analytics_book: Path) -> None:
    staged = stages(monthly_state(snapshots(connect("duckdb"), analytics_book)))
    summary = rows(stage_summary(staged))
    # April: A (current) stage 1, B charged off stage 3, C cured stage 1
    april = {r["stage"]: r for r in summary if r["month_end_on"] == "2024-04-30"}
    assert april[1]["lines"] == 2 and april[1]["exposure_minor"] == 300 + 400
    assert april[3]["lines"] == 1 and april[3]["exposure_minor"] == 2200
    assert april[1]["line_share"] == pytest.approx(2 / 3)
    moves = {(r["month_end_on"], r["from_stage"], r["to_stage"]): r["lines"] for r in rows(stage_movements(staged))}
    assert moves[("2024-03-31", 1, 2)] == 1  # B at 40 DPD: SICR
    assert moves[("2024-04-30", 2, 3)] == 1  # B charged off
    assert moves[("2024-02-29", None, 1)] == 1  # C first seen
    assert sum(v for k, v in moves.items() if k[0] == "2024-05-31") == 2  # B and C; A not observed in May


def test_a_negative_materiality_threshold_is_refused(analytics_book: Path) -> None:
    state = monthly_state(snapshots(connect("duckdb"), analytics_book))
    with pytest.raises(ValueError, match="material_absolute_minor"):
        stages(state, material_absolute_minor=-1)


def test_forborne_staging_is_the_same_on_spark(spark: Any, tmp_path: Path) -> None:
    """A tiny forborne book: Spark's window functions give DuckDB's stages, flags and previous stages."""
    book = forborne_book(11, 12)
    data_dir = write_book(book, tmp_path)

    def staged(con: Any) -> list[tuple[Any, ...]]:
        got = rows(stages(monthly_state(snapshots(con, data_dir))))
        return sorted((r["line_id"], str(r["month_end_on"]), r["stage"], r["prev_stage"], r["needs_per_account"])
                      for r in got)  # fmt: skip

    duck = staged(connect("duckdb"))
    assert staged(connect("spark", session=spark)) == duck
    assert {s for _, _, s, _, _ in duck} == {1, 2, 3}
