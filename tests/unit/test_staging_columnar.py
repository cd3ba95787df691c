"""The columnar IFRS 9 staging (ibis, portfolio/analytics/staging.py) against the per-account state machine
(portfolio/ifrs9_staging.next_state) on random histories, and the summary and movement tables on the hand-made book."""

from __future__ import annotations

import random
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

pytest.importorskip("ibis", reason="the portfolio analytics need the 'analytics' extra (ibis)")
pa = pytest.importorskip("pyarrow")
import ibis  # noqa: E402

from creditloop.adapters.analytics.engines import connect, rows, snapshots  # noqa: E402
from creditloop.portfolio.analytics.panel import monthly_state  # noqa: E402
from creditloop.portfolio.analytics.staging import stage_movements, stage_summary, stages  # noqa: E402
from creditloop.portfolio.ifrs9_staging import (  # noqa: E402
    INITIAL,
    MonthFacts,
    StagingRules,
    StagingState,
    is_material,
    next_state,
)


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
    return {k: state.stage for k, state in python_states(book, rules, absolute).items()}


def python_triggers(book: list[dict[str, Any]], rules: StagingRules, absolute: int | None) -> set[tuple[str, str]]:
    """The rows where ``next_state`` found a default trigger (not a cure probation month)."""
    states = python_states(book, rules, absolute).items()
    return {k for k, s in states if s.stage == 3 and not s.reasons[0].startswith("cure_probation")}


def python_states(
    book: list[dict[str, Any]], rules: StagingRules, absolute: int | None
) -> dict[tuple[str, str], StagingState]:
    out: dict[tuple[str, str], StagingState] = {}
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
            facts = MonthFacts(dpd=r["dpd"], material=material, charged_off=charged, pd=r.get("pd"),
                               pd_at_origination=r.get("pd_at_origination"),
                               forbearance_granted=restructured and not was_restructured,  # as ecl.panel_staging
                               unlikely_to_pay=bool(r.get("unlikely_to_pay")))  # fmt: skip
            was_restructured = was_restructured or restructured
            state = next_state(state, facts, rules)
            out[(line, r["month_end_on"].isoformat())] = state
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
    got = {(r["line_id"], r["month_end_on"]): r["stage"] for r in staged}
    triggers = {(r["line_id"], r["month_end_on"]): r["default_trigger"] for r in staged}
    assert got == expected  # every row, the probation re-defaults included
    assert {k for k in got if triggers[k]} == python_triggers(book, rules, absolute)
    assert not any(r["needs_per_account"] for r in staged)
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
    """A tiny forborne book and the hand-made re-default chain (below), with short cures and probations: Spark's
    window functions and arrays give DuckDB's stages, flags and previous stages, and those are ``next_state``'s."""
    book = forborne_book(11, 12) + line_rows("L", CHAIN_DPD, grant=0)
    data_dir = write_book(book, tmp_path)

    def staged(con: Any) -> list[tuple[Any, ...]]:
        got = rows(stages(monthly_state(snapshots(con, data_dir)), CHAIN_RULES))
        return sorted((r["line_id"], str(r["month_end_on"]), r["stage"], r["prev_stage"], r["needs_per_account"])
                      for r in got)  # fmt: skip

    duck = staged(connect("duckdb"))
    assert staged(connect("spark", session=spark)) == duck
    assert {s for _, _, s, _, _ in duck} == {1, 2, 3}
    assert {(line, month): s for line, month, s, _, _ in duck} == python_stages(book, CHAIN_RULES, None)
    assert [s for line, _, s, _, _ in duck if line == "L"] == CHAIN_STAGES


# The probation re-default chain (portfolio/analytics/staging_redefaults.py): during the probation after a forborne
# default, more than sicr_dpd DPD is a default again, whose own cure and probation start from it, and so on.

CHAIN_RULES = StagingRules(cure_months=1, forborne_cure_months=2, forborne_probation_months=3)
# granted at 0; 91 DPD at 1 (a forborne default: 2 months of stage 3, then a 3-month probation); 31+ DPD at 4, 8 and
# 13 re-default (each 3-5 months after the last default); 60 and 31 DPD at 2 and 5 fall in a cure, not a probation;
# 31 DPD at 19 is 6 months after the last default (probation over: SICR only) and 91 DPD at 20 is a plain default.
CHAIN_DPD = [0, 91, 60, 0, 31, 31, 0, 0, 45, 0, 0, 0, 0, 31, 0, 0, 0, 0, 0, 31, 91, 0]
CHAIN_STAGES = [2, 3, 3, 2, 3, 3, 2, 2, 3, 3, 2, 2, 2, 3, 3, 2, 2, 2, 1, 2, 3, 1]


def line_rows(line_id: str, dpds: list[int], grant: int | None, utp: frozenset[int] = frozenset(),
              charged_from: int | None = None, past_due: list[int] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """One line's monthly snapshots from January 2020: restructured from month ``grant`` on, unlikely to pay in the
    months of ``utp``, charged off from ``charged_from`` on; a balance of 10,000 fen."""
    out = []
    for j, dpd in enumerate(dpds):
        charged = charged_from is not None and j >= charged_from
        out.append({
            "line_id": line_id, "month_end_on": _month_end(j), "vintage": "2020-01", "mob": j + 1,
            "status": "CHARGED_OFF" if charged else "ACTIVE", "dpd": dpd, "balance_minor": 0 if charged else 10_000,
            "charged_off_minor": 10_000 if charged else 0, "statement_due_minor": 0,
            "past_due_minor": 5_000 if past_due is None else past_due[j],
            "restructured": grant is not None and j >= grant, "unlikely_to_pay": j in utp,
        })  # fmt: skip
    return out


def columnar_stages(book: list[dict[str, Any]], directory: Path, rules: StagingRules,
                    absolute: int | None = None) -> list[dict[str, Any]]:  # fmt: skip
    return rows(stages(monthly_state(snapshots(connect("duckdb"), write_book(book, directory))), rules, absolute))


def test_repeated_probation_re_defaults_by_hand(tmp_path: Path) -> None:
    book = line_rows("L", CHAIN_DPD, grant=0)
    staged = sorted(columnar_stages(book, tmp_path, CHAIN_RULES), key=lambda r: r["month_end_on"])
    assert [r["stage"] for r in staged] == CHAIN_STAGES
    assert [python_stages(book, CHAIN_RULES, None)[("L", _month_end(j).isoformat())] for j in range(22)] == CHAIN_STAGES
    assert [j for j, r in enumerate(staged) if r["default_trigger"]] == [1, 4, 8, 13, 20]
    assert not any(r["needs_per_account"] for r in staged)


def test_no_re_default_once_forbearance_has_ended(tmp_path: Path) -> None:
    """A forborne default at 1 (cure 1-2, probation 3-5); 91 DPD at 10 is past the probation (a plain default,
    forbearance over), so 31 DPD at 13 is SICR, not a re-default, though it lies where one would be after 10."""
    book = line_rows("X", [0, 91, 0, 0, 0, 0, 0, 0, 0, 0, 91, 0, 0, 31, 0, 0], grant=0)
    staged = sorted(columnar_stages(book, tmp_path, CHAIN_RULES), key=lambda r: r["month_end_on"])
    assert [r["stage"] for r in staged] == [2, 3, 3, 2, 2, 2, 1, 1, 1, 1, 3, 1, 1, 2, 1, 1]
    assert [j for j, r in enumerate(staged) if r["default_trigger"]] == [1, 10]
    assert {(r["line_id"], r["month_end_on"]) for r in staged if r["default_trigger"]} == python_triggers(
        book, CHAIN_RULES, None
    )


def test_a_chain_longer_than_the_doubling_depth_is_flagged(tmp_path: Path) -> None:
    """The chain above has three re-defaults after its anchor: one level (one step) resolves the first only, so the
    rows from the second on (the candidates among them) are flagged; two levels (up to three steps) resolve them all."""
    from creditloop.portfolio.analytics.staging_redefaults import redefaults

    months = [1, 2, 4, 5, 8, 13, 19, 20]  # the candidates: triggers and months above 30 DPD, from the anchor on
    triggers = [m if CHAIN_DPD[m] > 90 else None for m in months]
    cand = ibis.memtable(pa.table({"line_id": ["L"] * 8, "month_no": months, "_b": triggers,
                                   "_q": [CHAIN_DPD[m] > 30 for m in months]}))  # fmt: skip
    con = connect("duckdb")

    def marks(levels: int) -> dict[str, list[int]]:
        got = con.to_pyarrow(redefaults(cand, CHAIN_RULES, levels)).to_pylist()
        return {k: sorted(r["month_no"] for r in got if r[k]) for k in ("_r", "_open")}

    assert marks(2) == {"_r": [4, 8, 13], "_open": []}
    assert marks(1) == {"_r": [4], "_open": [8, 13, 19]}
    with pytest.raises(ValueError, match="levels"):
        redefaults(cand, CHAIN_RULES, 0)


def test_seeded_books_exercise_the_re_default_chain(tmp_path: Path) -> None:
    """Short cures and probations on a random forborne book: many probation re-defaults (49), on 11 lines two or more,
    and every row equals ``next_state``."""
    rules = StagingRules(cure_months=1, forborne_cure_months=1, forborne_probation_months=6)
    book = forborne_book(21, 200)
    chains = probation_re_defaults(book, rules)
    assert sum(chains.values()) >= 40 and sum(n >= 2 for n in chains.values()) >= 8
    staged = columnar_stages(book, tmp_path, rules)
    assert {(r["line_id"], r["month_end_on"]): r["stage"] for r in staged} == python_stages(book, rules, None)
    assert not any(r["needs_per_account"] for r in staged)


def probation_re_defaults(book: list[dict[str, Any]], rules: StagingRules) -> dict[str, int]:
    """Per line, the months ``next_state`` re-defaults on the probation DPD rule alone (no other trigger)."""
    out: dict[str, int] = {}
    by_line: dict[str, list[dict[str, Any]]] = {}
    for r in book:
        by_line.setdefault(r["line_id"], []).append(r)
    for line, history in by_line.items():
        state, was, n = INITIAL, False, 0
        for r in sorted(history, key=lambda x: x["month_end_on"]):
            facts = MonthFacts(dpd=r["dpd"], charged_off=r["status"] == "CHARGED_OFF",
                               forbearance_granted=r["restructured"] and not was,
                               unlikely_to_pay=r["unlikely_to_pay"])  # fmt: skip
            was = was or r["restructured"]
            state = next_state(state, facts, rules)
            n += state.reasons == (f"forborne_probation_dpd>{rules.sicr_dpd}",)
        out[line] = n
    return out


DPD_STEPS = (0, 0, 0, 10, 30, 31, 31, 45, 60, 61, 90, 91)  # around every rule set's thresholds; often 31-60


@st.composite
def forborne_lines(draw: st.DrawFn) -> tuple[list[dict[str, Any]], StagingRules, int | None]:
    """A few lines of up to 40 months: DPD on both sides of the thresholds, a restructure (or none), unlikely-to-pay
    now and then, a charge-off now and then, material or not; rules with short cures and probations, so forborne
    defaults, probation breaches, chains of re-defaults and cures all fit in a line."""
    sicr, default = draw(st.sampled_from([(30, 90), (10, 45), (0, 60), (30, 30)]))
    cure, forborne_cure, probation = (draw(st.integers(0, hi)) for hi in (4, 4, 6))
    rules = StagingRules(sicr_dpd=sicr, default_dpd=default, cure_months=cure, forborne_cure_months=forborne_cure,
                         forborne_probation_months=probation, forborne_is_sicr=draw(st.booleans()))  # fmt: skip
    absolute = draw(st.sampled_from([None, 1_000]))
    book = []
    for k in range(draw(st.integers(1, 6))):
        n = draw(st.integers(1, 40))
        dpds = draw(st.lists(st.sampled_from(DPD_STEPS), min_size=n, max_size=n))
        grant = draw(st.integers(0, n - 1) | st.integers(0, n // 3) | st.none())  # mostly early
        utp = frozenset(draw(st.lists(st.integers(0, n - 1), max_size=2)))
        charged = draw(st.none() | st.integers(0, 4 * n))  # past the end: never charged off
        past_due = draw(st.lists(st.sampled_from([0, 5_000]), min_size=n, max_size=n))
        book += line_rows(f"H{k}", dpds, grant, utp, charged, past_due)
    return book, rules, absolute


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(forborne_lines())
def test_generated_forborne_histories_equal_the_state_machine(
    case: tuple[list[dict[str, Any]], StagingRules, int | None],
) -> None:
    book, rules, absolute = case
    target(float(max(probation_re_defaults(book, rules).values())), label="probation re-defaults in one line")
    with tempfile.TemporaryDirectory() as directory:
        staged = columnar_stages(book, Path(directory), rules, absolute)
    assert {(r["line_id"], r["month_end_on"]): r["stage"] for r in staged} == python_stages(book, rules, absolute)
    assert {(r["line_id"], r["month_end_on"]) for r in staged if r["default_trigger"]} == python_triggers(
        book, rules, absolute
    )
    assert not any(r["needs_per_account"] for r in staged)
