"""Issue 16: the simulator's month-end snapshots stop counting DPD at charge-off (as ``line show`` does) and report
the charged-off month 'B' while the debt is owed ('C' once recovered), never '7' and never 'N'."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from creditloop.bootstrap import build_memory
from creditloop.simulate.runner import SimConfig, Simulation
from creditloop.simulate.scenario import load_scenario


@pytest.mark.slow
def test_charged_off_snapshots_stop_at_charge_off_and_report_bad_debt(tmp_path: Path) -> None:
    scenario = load_scenario("pandemic").with_shock_month(3)
    Simulation(SimConfig(2_000, 18, 11, scenario), build_memory().bus, tmp_path).run()
    rows = duckdb.sql(
        f"SELECT status, credit_status, dpd, charged_off_minor, month_index FROM '{tmp_path / 'snapshots.parquet'}'"
    ).fetchall()
    charged = [r for r in rows if r[0] == "CHARGED_OFF"]
    assert len({r[4] for r in charged}) >= 2, "the seed must keep a charged-off line on the books for months"
    assert max(r[2] for r in rows) <= 180  # the open-end charge-off point (DOMAIN.md §4.1.2); it used to reach 477
    for _, credit, dpd, owed, _ in charged:
        assert (credit, dpd) == (("B", 180) if owed > 0 else ("C", 0))
    assert "7" not in {r[1] for r in rows}
