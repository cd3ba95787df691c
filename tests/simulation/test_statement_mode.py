"""Issue 14 on the statement-mode product (baitiao-revolving@1): customers who mean to pay part of a bill pay at
least the minimum when they can, the snapshot carries the statement's minimum, and the behaviour panel and the
online monitor see it; on the standard product everything is as before."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from creditloop.adapters.warehouse.ewi_backtest import panel_features
from creditloop.adapters.warehouse.sim_panel import DeclaredShock, sim_panel
from creditloop.app.underwriting_setup import tier_products
from creditloop.bootstrap import build_memory
from creditloop.monitoring.features import default_feature_set
from creditloop.products.caps import check_product
from creditloop.products.catalog import catalog_product
from creditloop.servicing.credit_line import CreditLine
from creditloop.simulate import behaviour as b
from creditloop.simulate import liquidity as liq
from creditloop.simulate.ewi_monitor import declared_shock
from creditloop.simulate.population import Customer
from creditloop.simulate.runner import SimConfig, Simulation
from creditloop.simulate.scenario import load_scenario
from creditloop.simulate.strategies import BASELINE, get_strategy

SEED = 11
REVOLVING = "baitiao-revolving@1"


def customer(**kw: object) -> Customer:
    base = Customer(
        customer_id="C1",
        age=30,
        city_tier=2,
        sector="services",
        base_income_minor=1_000_000,  # 10,000 yuan a month, 5,000 of it spare
        stated_income_minor=1_000_000,
        other_debt_minor=0,
        lenders_count=0,
        living_cost_share=0.5,
        spend_propensity=0.1,
        willingness=1.0,
        lateness=0.0,
        fraud=False,
        apply_month=1,
        normal_income_minor=1_000_000,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def billed_line() -> CreditLine:
    """A statement-mode line cut on 1 Feb: 1,000 yuan to pay next month and a 3-period plan of 3,000 yuan."""
    line = CreditLine.open("L", "C", catalog_product(REVOLVING), 2_000_000, date(2024, 1, 5))
    line.purchase("a", 100_000, 1, date(2024, 1, 6))
    line.purchase("b", 300_000, 3, date(2024, 1, 7))
    line.close_through(date(2024, 2, 1))
    return line


def pay(line: CreditLine, intent: b.RepaymentIntent | None) -> None:
    st = line.statements[-1]
    if intent is not None:
        on = st.due_on + timedelta(days=intent.days_after_due)
        line.close_through(on - timedelta(days=1))
        line.repay("p", intent.amount_minor, on)
    line.close_through(st.due_on + timedelta(days=5))


# ------------------------------------------------------------------ servicing: DPD counts from the missed minimum


def test_paying_exactly_the_minimum_with_an_installment_due_keeps_the_line_current() -> None:
    line = billed_line()
    st = line.statements[-1]
    # 100,000 x 10 % + the installment's 100,000 principal and 1.5 % fee, all of which the minimum takes
    assert (st.total_due_minor, st.minimum_due_minor) == (201_500, 111_500)
    line.repay("min", st.minimum_due_minor, st.due_on)
    line.close_through(date(2024, 2, 20))
    assert line.dpd == 0 and line.past_due_minor(date(2024, 2, 21)) == 0  # the unpaid 900 yuan revolved
    short = billed_line()
    short.repay("short", st.minimum_due_minor - 100, st.due_on)
    short.close_through(date(2024, 2, 20))
    assert short.dpd == 10  # a yuan short of the minimum: past due from the missed minimum (11 Feb)


# ------------------------------------------------------------------ behaviour with a minimum


def test_a_buffer_payer_on_the_statement_product_pays_at_least_the_minimum_and_stays_current() -> None:
    rng = np.random.default_rng(SEED)
    for _ in range(30):
        line = billed_line()
        st = line.statements[-1]
        c = customer(buffer_months=3.0)
        c.buffer_minor = c.savings_minor = 1_500_000
        liq.month_start(c, 250_000, month=4)  # a job loss carried by savings
        assert c.buffer_phase
        intent = b.repayment_intent(c, st.total_due_minor, 250_000, rng, month=4, min_due_minor=st.minimum_due_minor)
        assert intent is not None and intent.mode == "part" and intent.days_after_due == 0
        assert st.minimum_due_minor <= intent.amount_minor < st.total_due_minor
        pay(line, intent)
        assert line.dpd == 0, intent


def test_a_customer_who_cannot_afford_even_the_minimum_misses_it() -> None:
    for seed in range(10):
        line = billed_line()
        st = line.statements[-1]
        c = customer()  # no savings; 1,500 yuan income leaves 750 spare, below the 1,115-yuan minimum
        rng = np.random.default_rng(seed)
        intent = b.repayment_intent(c, st.total_due_minor, 150_000, rng, month=4, min_due_minor=st.minimum_due_minor)
        assert intent is None or intent.amount_minor <= 75_000
        pay(line, intent)
        assert line.dpd > 0


def test_part_and_token_payers_are_raised_to_the_minimum_when_they_can_afford_it() -> None:
    due, minimum = 600_000, 400_000
    # A habitual part-payer budgeting 60 % of 5,000 spare yuan (3,000) for a 6,000 bill: pays the 4,000 minimum.
    part = customer(pay_budget_share=0.6, base_income_minor=1_400_000, normal_income_minor=1_400_000)  # 7,000 spare
    rng = np.random.default_rng(SEED)
    intent = b.repayment_intent(part, due, 1_400_000, rng, min_due_minor=minimum)
    assert intent is not None and intent.mode == "part" and intent.amount_minor == 420_000  # budget above the minimum
    part = replace(part, pay_budget_share=0.3)  # 2,100 budgeted: below the minimum, which is affordable
    intent = b.repayment_intent(part, due, 1_400_000, np.random.default_rng(SEED), min_due_minor=minimum)
    assert intent is not None and intent.amount_minor == minimum
    # A token payer with 2,500 spare yuan on a 6,000 bill: a random part of the spare money, raised to a 2,000 minimum.
    token = customer()
    for seed in range(20):
        intent = b.repayment_intent(token, due, 500_000, np.random.default_rng(seed), min_due_minor=200_000)
        assert intent is not None and intent.amount_minor >= 200_000
    # Cannot afford even the minimum: pays what they can and misses.
    intent = b.repayment_intent(token, due, 500_000, np.random.default_rng(SEED), min_due_minor=300_000)
    assert intent is None or intent.amount_minor < 300_000


def test_a_spell_of_falling_behind_still_misses_the_minimum() -> None:
    c = customer(drift=1)
    for seed in range(40):
        c.drift = 1
        intent = b.repayment_intent(c, 600_000, 2_000_000, np.random.default_rng(seed), min_due_minor=100_000)
        if c.drift == 0:  # cured: paid in full
            assert intent is not None and intent.amount_minor == 600_000
        else:  # the spell's second statement: 70 % of the minimum
            assert intent is not None and intent.amount_minor == 70_000


def test_without_a_minimum_the_intent_and_the_draws_are_exactly_as_before() -> None:
    for kw in ({}, {"pay_budget_share": 0.6}, {"willingness": 0.3}, {"drift": 2}):
        for income in (1_000_000, 700_000, 500_000, 300_000):
            a, c = customer(**kw), customer(**kw)
            r1, r2 = np.random.default_rng(SEED), np.random.default_rng(SEED)
            before = b.repayment_intent(a, 600_000, income, r1, month=3)
            # a product without a minimum: the statement's "minimum" is the whole amount due
            after = b.repayment_intent(c, 600_000, income, r2, month=3, min_due_minor=600_000)
            assert before == after and a == c and r1.random() == r2.random()


# ------------------------------------------------------------------ the product choice


def test_the_statement_mode_policy_opens_every_tier_on_the_revolving_product_inside_the_cap() -> None:
    strategy = get_strategy("statement-mode")
    policy = strategy.underwriting_policy
    assert policy is not None and policy.policy_id == "underwriting-statement"
    products = tier_products(policy)
    assert {p.product_id.split("+")[0] for p in products.values()} == {"baitiao-revolving"}
    for product in products.values():
        assert product.minimum_payment is not None
        check_product(product, policy.effective_on, policy.cap_regime)  # raises on a breach
        assert product.minimum_payment.revolving_daily_rate * 365 < Decimal("0.24")  # 18.25 % a year
    assert BASELINE.underwriting_policy is None  # the default book stays on the packaged arms


# ------------------------------------------------------------------ snapshots, panel and the online monitor


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Simulation, Path, Path]:
    tmp = tmp_path_factory.mktemp("stmt")
    scenario = load_scenario("pandemic")
    online = replace(get_strategy("statement-mode"), name="statement-online", ewi_policy="behaviour-v1")
    sim = Simulation(SimConfig(400, 10, SEED, scenario, strategy=online), build_memory().bus, tmp / "stmt")
    sim.run()
    Simulation(SimConfig(150, 6, SEED, scenario), build_memory().bus, tmp / "std").run()
    return sim, tmp / "stmt", tmp / "std"


def test_the_snapshot_carries_the_statement_minimum_and_the_panel_reads_it(
    runs: tuple[Simulation, Path, Path],
) -> None:
    _, stmt, std = runs
    q = "SELECT count(*), count(statement_min_due_minor), count(*) FILTER (WHERE statement_min_due_minor > 0 AND "
    q += "statement_min_due_minor < statement_due_minor), count(*) FILTER (WHERE statement_min_due_minor > "
    q += "statement_due_minor) FROM '{}'"
    rows, with_min, below_due, above_due = duckdb.execute(q.format(stmt / "snapshots.parquet")).fetchone()  # type: ignore[misc]
    assert rows == with_min and below_due > 100 and above_due == 0, f"seed {SEED}"
    std_rows, std_min, *_ = duckdb.execute(q.format(std / "snapshots.parquet")).fetchone()  # type: ignore[misc]
    assert std_rows > 0 and std_min == 0  # the standard product has no minimum: null
    snap = {
        (line, on): m
        for line, on, m in duckdb.execute(
            f"SELECT line_id, month_end_on, statement_min_due_minor FROM '{stmt / 'snapshots.parquet'}'"
        ).fetchall()
    }
    panel = sim_panel(stmt)
    assert all(r["min_due_minor"] == snap[(line, r["month_end_on"])] for line, rs in panel.items() for r in rs)
    assert all(r["min_due_minor"] is None for rs in sim_panel(std).values() for r in rs)


def test_minimum_payers_stay_current_and_the_features_see_it(runs: tuple[Simulation, Path, Path]) -> None:
    _, stmt, _ = runs
    panel = sim_panel(stmt)
    current_min_only = [
        r
        for rs in panel.values()
        for r in rs
        if r["dpd"] == 0 and r["min_due_minor"] and r["min_due_minor"] <= r["paid_minor"] < r["statement_due_minor"]
    ]
    assert len(current_min_only) > 20, f"seed {SEED}"  # paid part of the bill, at least the minimum: current
    feats, _ = panel_features(panel, default_feature_set())
    assert any((f[-1].get("min_only_streak") or 0) > 0 for f in feats.values())
    assert any((f[-1].get("below_min_3m") or 0) > 0 for f in feats.values())


def test_the_online_monitor_sees_the_panels_minimum(runs: tuple[Simulation, Path, Path]) -> None:
    sim, stmt, _ = runs
    assert sim.ewi is not None and sim.ewi.monitor.states
    d = declared_shock(sim.cfg.scenario)
    panel = sim_panel(stmt, DeclaredShock(tuple(sorted(d.sectors)), d.months.start, d.months.stop - 1))
    feats, _ = panel_features(panel, sim.ewi.monitor.fs)
    for line_id, state in sim.ewi.monitor.states.items():
        n = len(state.rows)
        assert [r | {"new_plans": None} for r in state.rows] == panel[line_id][-n:]
        online = state.features()
        for name, value in feats[line_id][-1].items():
            assert online[name] == pytest.approx(value, abs=1e-9) or online[name] is value is None, name
    assert any(r["min_due_minor"] for s in sim.ewi.monitor.states.values() for r in s.rows)


def test_outputs_made_before_the_column_read_with_a_null_minimum(
    runs: tuple[Simulation, Path, Path], tmp_path: Path
) -> None:
    _, _, std = runs
    for name in ("events", "applications"):
        (tmp_path / f"{name}.parquet").write_bytes((std / f"{name}.parquet").read_bytes())
    table = pq.read_table(std / "snapshots.parquet")
    pq.write_table(table.drop_columns(["statement_min_due_minor"]), tmp_path / "snapshots.parquet")
    old, new = sim_panel(tmp_path), sim_panel(std)
    assert old == new and all(r["min_due_minor"] is None for rs in old.values() for r in rs)
