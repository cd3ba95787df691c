"""Strategies on the same seed: the same people, the same shocks, different lender decisions.

Each named strategy (``simulate/strategies.py``) runs the same seeded world on its own in-memory ledger; the
report gives what a risk committee asks first: losses (charged off), delinquency (peak and final 30+ share),
customers helped (accepted hardship plans, and how many of them are current or repaid at the horizon), and
what the lender did (reminders, limit changes, freezes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from creditloop.adapters.warehouse import DuckDBWarehouse
from creditloop.bootstrap import build_memory
from creditloop.core.errors import ValidationError
from creditloop.simulate.runner import SimConfig, Simulation
from creditloop.simulate.strategies import DecisionPath, Strategy, get_strategy

DEFAULT_STRATEGIES = ("baseline", "no-outreach")


@dataclass(frozen=True, slots=True)
class StrategyOutcome:
    name: str
    charged_off_minor: int
    peak_30plus: float
    final_30plus: float
    customers_helped: int  # accepted hardship plans
    helped_now_current_or_repaid: int
    repaid_minor: int
    lines_opened: int = 0
    purchased_minor: int = 0
    actions: tuple[tuple[str, int], ...] = ()  # lender actions by kind (reminder, limit, freeze, unfreeze)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "charged_off_minor": self.charged_off_minor,
            "peak_30plus": round(self.peak_30plus, 4),
            "final_30plus": round(self.final_30plus, 4),
            "customers_helped": self.customers_helped,
            "helped_now_current_or_repaid": self.helped_now_current_or_repaid,
            "repaid_minor": self.repaid_minor,
            "lines_opened": self.lines_opened,
            "purchased_minor": self.purchased_minor,
            "actions": dict(self.actions),
        }


def run_strategy(name: str, config: SimConfig, out_dir: Path) -> StrategyOutcome:
    if config.blocks == 1:  # small worlds: an in-memory ledger is enough to compare
        result = Simulation(config, build_memory().bus, out_dir).run()
    else:  # large ones run as blocks on every core into a SQLite ledger per strategy
        from creditloop.simulate.parallel import run_simulation

        result = run_simulation(config, out_dir)
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
        lines_opened=int(result.summary["lines_opened"]),
        purchased_minor=int(result.summary["purchased_minor"]),
        actions=tuple(sorted(result.summary["lender_actions"].items())),
    )


def resolve_strategies(names: Sequence[str]) -> list[Strategy]:
    """Named strategies, checked before anything runs: unknown or repeated names are refused."""
    if not names:
        raise ValidationError("name at least one strategy", field="strategy")
    seen: set[str] = set()
    out = []
    for name in names:
        if name in seen:
            raise ValidationError(f"strategy {name!r} is named twice", field="strategy")
        seen.add(name)
        out.append(get_strategy(name))
    return out


def compare_strategies(
    config: SimConfig, names: Sequence[str], out_dir: Path, *, decision: DecisionPath | None = None
) -> list[StrategyOutcome]:
    """Each named strategy on the same seed, its Parquet outputs in ``out_dir/<name>``; ``decision`` puts every
    strategy on one decision path (``rules``: servicing strategies compared on the rule-policy book)."""
    strategies = resolve_strategies(names)
    if decision is not None:
        strategies = [s if s.learning is not None else replace(s, decision=decision) for s in strategies]
    return [run_strategy(s.name, replace(config, strategy=s), out_dir / s.name) for s in strategies]
