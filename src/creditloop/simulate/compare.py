"""Two strategies on the same seed: the same people, the same shocks, different lender decisions.

The first strategy comparison is the hardship outreach: offer term extensions to customers 31–90 days behind,
or not. The report gives what a risk committee asks first: losses, delinquency, customers helped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from creditloop.adapters.warehouse import DuckDBWarehouse
from creditloop.bootstrap import build_memory
from creditloop.simulate.runner import SimConfig, Simulation


@dataclass(frozen=True, slots=True)
class StrategyOutcome:
    name: str
    charged_off_minor: int
    peak_30plus: float
    final_30plus: float
    customers_helped: int  # accepted hardship plans
    helped_now_current_or_repaid: int
    repaid_minor: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "charged_off_minor": self.charged_off_minor,
            "peak_30plus": round(self.peak_30plus, 4),
            "final_30plus": round(self.final_30plus, 4),
            "customers_helped": self.customers_helped,
            "helped_now_current_or_repaid": self.helped_now_current_or_repaid,
            "repaid_minor": self.repaid_minor,
        }


def run_strategy(name: str, config: SimConfig, out_dir: Path) -> StrategyOutcome:
    system = build_memory()
    result = Simulation(config, system.bus, out_dir).run()
    wh = DuckDBWarehouse(out_dir)
    rates = [d.rate_30plus for d in wh.delinquency_by_month()]
    hardship = wh.hardship_outcomes()
    helped_ok = sum(n for outcome, n in hardship.accepted_outcomes.items() if outcome in ("current", "repaid"))
    return StrategyOutcome(
        name=name,
        charged_off_minor=wh.charged_off_total_minor(),
        peak_30plus=max(rates, default=0.0),
        final_30plus=rates[-1] if rates else 0.0,
        customers_helped=hardship.accepted,
        helped_now_current_or_repaid=helped_ok,
        repaid_minor=int(result.summary["paid_minor"]),
    )


def compare_hardship_outreach(config: SimConfig, out_dir: Path) -> tuple[StrategyOutcome, StrategyOutcome]:
    """The same world with and without hardship offers (an in-memory ledger: nothing is written but Parquet)."""
    with_help = run_strategy("hardship outreach", replace(config, hardship_outreach=True), out_dir / "with")
    without = run_strategy("no outreach", replace(config, hardship_outreach=False), out_dir / "without")
    return with_help, without
