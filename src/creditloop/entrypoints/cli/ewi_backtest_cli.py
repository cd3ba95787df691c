"""``creditloop ewi backtest`` (issue 14): the alert rules replayed over a simulation's outputs, measured against
what happened, side by side with the run's own single rule (adapters/warehouse/ewi_backtest.py), or over a panel
file (``--panel``, adapters/warehouse/ewi_panel_backtest.py: no single rule to compare); ``--model`` names the
behaviour score (default: the packaged one; ``none``: no score). ``creditloop ewi panel`` writes a simulation's
behaviour panel to a file (to fit the score on with ``ewi score fit``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from creditloop.entrypoints.cli._common import EXIT_USAGE, JsonOpt, echo_json, fail, guarded, out, table
from creditloop.entrypoints.cli._ewi_model import behaviour_model_path


def declared_shock(data_dir: Path) -> Any:
    """The shock a lender would have been told of (``simulate.ewi_monitor.declared_shock``, the definition the
    simulator's own early warning uses), from the run's summary.json and scenario; never who was really hit."""
    from creditloop.adapters.warehouse.sim_panel import NO_SHOCK, DeclaredShock
    from creditloop.simulate import ewi_monitor
    from creditloop.simulate.scenario import load_scenario

    summary = json.loads((data_dir / "summary.json").read_text("utf-8"))
    declared = ewi_monitor.declared_shock(load_scenario(summary["scenario"]), summary.get("shock_month"))
    if not declared.months:
        return NO_SHOCK
    return DeclaredShock(tuple(sorted(declared.sectors)), declared.months.start, declared.months.stop - 1)


def _rules(rules_file: Path | None, fs: Any) -> Any:
    """``--rules``: a rule file, or a packaged rule set (``ewi``, ``ewi@2``, ``ewi_status``, …) when no file has that
    name; None when not given."""
    from creditloop.monitoring.alert_rules import resolve_alert_rules

    return None if rules_file is None else resolve_alert_rules(rules_file, fs)


def _backtest(data_dir: Path, rules_file: Path | None, horizon_days: int, model_file: Path | None) -> Any:
    from creditloop.adapters.warehouse.ewi_backtest import backtest
    from creditloop.monitoring.alert_rules import default_alert_rules
    from creditloop.monitoring.features import default_feature_set
    from creditloop.products.terms import default_product

    fs = default_feature_set()
    rules = _rules(rules_file, fs) or default_alert_rules()
    model = _model_document(model_file, fs) if model_file is not None else None
    product = default_product()  # the simulator's product: its job ran the day after the due date
    lag = product.due_days_after_statement + 1
    return backtest(
        data_dir, rules, fs, horizon_days=horizon_days, shock=declared_shock(data_dir), model=model,
        current_known_after_days=lag,
    )  # fmt: skip


def report_backtest(data_dir: Path) -> dict[str, Any] | None:
    """The packaged rules' back-test of a run, for its HTML report's early-warning charts; None when the run's
    outputs do not allow one (the report then leaves those charts out)."""
    from creditloop.adapters.warehouse.duckdb_warehouse import WarehouseError
    from creditloop.adapters.warehouse.ewi_backtest import result_dict
    from creditloop.core.errors import CreditloopError

    try:
        return result_dict(_backtest(data_dir, None, 90, None))
    except (WarehouseError, CreditloopError, KeyError):  # outputs missing, or a summary without a known scenario
        return None


def _panel_backtest(panel_file: Path, rules_file: Path | None, horizon_days: int, model_file: Path | None) -> Any:
    """Every file is read and checked (the panel whole: missing months name the account) before any output."""
    from creditloop.adapters.files.panel import read_panel
    from creditloop.adapters.warehouse.ewi_panel_backtest import panel_backtest
    from creditloop.core.errors import ValidationError
    from creditloop.monitoring.features import default_feature_set

    fs = default_feature_set()
    rules = _rules(rules_file, fs)  # None: picked from the panel's columns (amounts, or status only)
    model = _model_document(model_file, fs) if model_file is not None else None
    try:
        table = read_panel(panel_file)
    except ValidationError as exc:
        raise ValidationError(exc.message, field="panel") from exc
    return panel_backtest(table, str(panel_file), rules, fs, horizon_days=horizon_days, model=model)


def _model_document(path: Path, fs: Any) -> dict[str, Any]:
    """A behaviour-score file of ``ewi score fit``: checked by the runtime, fitted on this feature set."""
    from creditloop.core.errors import ValidationError
    from creditloop.scoring.runtime import load_model

    load_model(path)  # a missing, damaged or foreign file fails here, naming the model
    doc: dict[str, Any] = json.loads(path.read_text("utf-8"))
    wanted = f"{fs.feature_set_id}@{fs.version}"
    got = doc.get("metadata", {}).get("feature_set")
    if got != wanted:
        raise ValidationError(f"the model was fitted on feature set {got!r}, not {wanted!r}", field="model")
    return doc


def _print(result: dict[str, Any]) -> None:
    t = table(
        f"early-warning back-test, {result['lines']} lines, horizon {result['horizon_days']} days, "
        f"base rate {result['base_rate']:.1%}",
        ("policy", "30+ lines", f"first alert >= {result['early_days']}d before miss",
         "alert {}-{}d before miss".format(*result["window_days"]), "lead p25/p50/p75", "precision",
         "alert rate mean / max"),
        "en",
    )  # fmt: skip
    for p in result["policies"] + result["sweep"]:
        q = p["lead_quantiles"]
        name = p["policy"] if "threshold" not in p else f"  {p['rule_id']} @ {p['threshold']:g}"
        t.add_row(
            name, str(p["bad_lines"]), f"{p['warned_early']} ({p['early_share']:.1%})",
            f"{p['warned_window']} ({p['window_share']:.1%})",
            "/".join(f"{q[k]:.0f}" for k in ("p25", "p50", "p75")) if q else "-",
            f"{p['precision']:.1%} of {p['first_alerts']}", f"{p['rate_mean']:.1%} / {p['rate_max']:.1%}",
        )  # fmt: skip
    out.print(t)
    for p in result["policies"]:
        if p.get("suppressed_alerts"):
            out.print(
                f"{p['policy']}: the alert budget kept back {p['suppressed_alerts']} alerts "
                f"({p['suppressed_lines']} line-months); lines alerted a month {p['line_rate_mean']:.1%} mean, "
                f"{p['line_rate_max']:.1%} max"
            )
    shock = set(result["shock_months"])
    months = table("alerts by month (* declared shock)", ("month", *(p["policy"] for p in result["policies"])), "en")
    for month in result["policies"][0]["by_month"]:
        mark = " *" if month in shock else ""
        months.add_row(month[:7] + mark, *(str(p["by_month"].get(month, 0)) for p in result["policies"]))
    out.print(months)
    for note in result.get("notes", []):
        out.print(f"note: {note}")


def panel(
    data_dir: Annotated[Path, typer.Option("--data-dir", help="A simulation's output directory.")],
    out_path: Annotated[Path, typer.Option("--out", help="Panel file to write (.parquet).")],
    as_json: JsonOpt = False,
) -> None:
    """Write a simulation's behaviour panel (one row per line and month end, with the declared shock)."""
    from creditloop._extras import require_extra

    require_extra("sim", "pyarrow", "duckdb")
    import pyarrow.parquet as pq

    from creditloop.adapters.warehouse.duckdb_warehouse import WarehouseError
    from creditloop.adapters.warehouse.ewi_backtest import panel_table
    from creditloop.adapters.warehouse.sim_panel import sim_panel

    if not (data_dir / "summary.json").is_file():
        fail(f"--data-dir: {data_dir} holds no simulation output (summary.json is missing)", EXIT_USAGE)
    if out_path.suffix != ".parquet":
        fail(f"--out: {out_path} must end in .parquet", EXIT_USAGE)
    try:
        table = panel_table(sim_panel(data_dir, declared_shock(data_dir)))
    except WarehouseError as exc:
        fail(f"--data-dir: {exc}", EXIT_USAGE)
    tmp = out_path.with_name(out_path.name + ".tmp")
    pq.write_table(table, tmp)
    tmp.replace(out_path)  # nothing half-written under the name asked for
    done = {"out": str(out_path), "rows": table.num_rows, "accounts": len(set(table["account_id"].to_pylist()))}
    if as_json:
        echo_json(done)
    else:
        out.print(f"{done['rows']} rows of {done['accounts']} lines written to {out_path}")


def add_commands(app: typer.Typer) -> None:
    """Register this module's commands on the ``ewi`` app."""

    @app.command("backtest")
    def backtest_cmd(
        data_dir: Annotated[Path | None, typer.Option("--data-dir", help="A simulation's output directory.")] = None,
        panel_file: Annotated[
            Path | None, typer.Option("--panel", help="A behaviour panel file (.parquet or .csv), instead.")
        ] = None,
        rules_file: Annotated[
            Path | None,
            typer.Option(
                "--rules",
                help="Alert rules JSON, or a packaged set: ewi, ewi_status, ewi_revolving (default: ewi; for a "
                "--panel without amounts, ewi_status).",
            ),
        ] = None,
        model_option: Annotated[
            str | None,
            typer.Option(
                "--model",
                help="Behaviour-score file (`ewi score fit`): the score rule's PD (default: the packaged one; "
                "none: no score).",
            ),
        ] = None,
        horizon_days: Annotated[
            int, typer.Option("--horizon-days", min=1, max=730, help="Precision: 30+ within this many days.")
        ] = 90,
        as_json: JsonOpt = False,
    ) -> None:
        """Replay the alert rules month by month over a simulation (--data-dir) or a panel file (--panel): how
        early and how precisely they warn."""
        from creditloop._extras import require_extra

        require_extra("sim", "pyarrow", "duckdb")
        from creditloop.adapters.warehouse.duckdb_warehouse import WarehouseError
        from creditloop.adapters.warehouse.ewi_backtest import result_dict

        if (data_dir is None) == (panel_file is None):
            fail("--data-dir / --panel: give exactly one of them", EXIT_USAGE)
        model_file = behaviour_model_path(model_option)
        options = {"rules_file": "--rules", "model": "--model", "panel": "--panel"}
        if panel_file is not None:
            result = guarded(lambda: _panel_backtest(panel_file, rules_file, horizon_days, model_file), options)
        else:
            assert data_dir is not None
            if not (data_dir / "summary.json").is_file():
                fail(f"--data-dir: {data_dir} holds no simulation output (summary.json is missing)", EXIT_USAGE)
            try:
                result = guarded(lambda: _backtest(data_dir, rules_file, horizon_days, model_file), options)
            except WarehouseError as exc:
                fail(f"--data-dir: {exc}", EXIT_USAGE)
        payload = result_dict(result)
        if as_json:
            echo_json(payload)
        else:
            _print(payload)

    app.command("panel")(panel)
