"""``creditloop ewi backtest`` (issue 14): the alert rules replayed over a simulation's outputs, measured against
what happened, side by side with the run's own single rule (adapters/warehouse/ewi_backtest.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from creditloop.entrypoints.cli._common import EXIT_USAGE, JsonOpt, echo_json, fail, guarded, out, table

DECLARED_SHARE = 0.25  # a scenario sector counts as a declared shock when at least this share of it is hit


def declared_shock(data_dir: Path) -> Any:
    """The shock a lender would have been told of: the scenario's sectors hit broadly (affected share at least
    DECLARED_SHARE) over its shock months (recovery excluded). Read from the run's summary.json and scenario; the
    ground truth of who was hit is never used."""
    from creditloop.adapters.warehouse.sim_panel import NO_SHOCK, DeclaredShock
    from creditloop.simulate.scenario import load_scenario

    summary = json.loads((data_dir / "summary.json").read_text("utf-8"))
    scenario = load_scenario(summary["scenario"])
    shock = scenario.shock
    if shock is None:
        return NO_SHOCK
    start = summary.get("shock_month") or shock.start_month
    sectors = tuple(s for s, p in shock.sectors.items() if float(p.affected_share) >= DECLARED_SHARE)
    return DeclaredShock(sectors, start, start + shock.duration_months - 1)


def _backtest(data_dir: Path, rules_file: Path | None, horizon_days: int) -> Any:
    from creditloop.adapters.warehouse.ewi_backtest import backtest
    from creditloop.monitoring.alert_rules import default_alert_rules, load_alert_rules
    from creditloop.monitoring.features import default_feature_set
    from creditloop.products.terms import default_product

    fs = default_feature_set()
    rules = load_alert_rules(rules_file, fs) if rules_file is not None else default_alert_rules()
    product = default_product()  # the simulator's product: its job ran the day after the due date
    lag = product.due_days_after_statement + 1
    return backtest(
        data_dir, rules, fs, horizon_days=horizon_days, shock=declared_shock(data_dir), current_known_after_days=lag
    )


def _print(result: dict[str, Any]) -> None:
    t = table(
        f"early-warning back-test, {result['lines']} lines, horizon {result['horizon_days']} days, "
        f"base rate {result['base_rate']:.1%}",
        ("policy", "30+ lines", f"first alert >= {result['early_days']}d before miss", "lead p25/p50/p75",
         "precision", "alert rate mean / max"),
        "en",
    )  # fmt: skip
    for p in result["policies"] + result["sweep"]:
        q = p["lead_quantiles"]
        name = p["policy"] if "threshold" not in p else f"  {p['rule_id']} @ {p['threshold']:g}"
        t.add_row(
            name, str(p["bad_lines"]), f"{p['warned_early']} ({p['early_share']:.1%})",
            "/".join(f"{q[k]:.0f}" for k in ("p25", "p50", "p75")) if q else "-",
            f"{p['precision']:.1%} of {p['first_alerts']}", f"{p['rate_mean']:.1%} / {p['rate_max']:.1%}",
        )  # fmt: skip
    out.print(t)
    shock = set(result["shock_months"])
    months = table("alerts by month (* declared shock)", ("month", *(p["policy"] for p in result["policies"])), "en")
    for month in result["policies"][0]["by_month"]:
        mark = " *" if month in shock else ""
        months.add_row(month[:7] + mark, *(str(p["by_month"].get(month, 0)) for p in result["policies"]))
    out.print(months)


def add_commands(app: typer.Typer) -> None:
    """Register this module's commands on the ``ewi`` app."""

    @app.command("backtest")
    def backtest_cmd(
        data_dir: Annotated[Path, typer.Option("--data-dir", help="A simulation's output directory.")],
        rules_file: Annotated[
            Path | None, typer.Option("--rules", help="Alert rules JSON (default: the packaged ewi_v1).")
        ] = None,
        horizon_days: Annotated[
            int, typer.Option("--horizon-days", min=1, max=730, help="Precision: 30+ within this many days.")
        ] = 90,
        as_json: JsonOpt = False,
    ) -> None:
        """Replay the alert rules over a simulation month by month: how early and how precisely they warn."""
        from creditloop._extras import require_extra

        require_extra("sim", "pyarrow", "duckdb")
        from creditloop.adapters.warehouse.duckdb_warehouse import WarehouseError
        from creditloop.adapters.warehouse.ewi_backtest import result_dict

        if not (data_dir / "summary.json").is_file():
            fail(f"--data-dir: {data_dir} holds no simulation output (summary.json is missing)", EXIT_USAGE)
        try:
            result = guarded(lambda: _backtest(data_dir, rules_file, horizon_days), {"rules_file": "--rules"})
        except WarehouseError as exc:
            fail(f"--data-dir: {exc}", EXIT_USAGE)
        payload = result_dict(result)
        if as_json:
            echo_json(payload)
        else:
            _print(payload)
