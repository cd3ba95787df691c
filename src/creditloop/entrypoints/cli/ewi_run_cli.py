"""``creditloop ewi run`` (issue 14): the nightly early-warning run over the ledger of ``--data-dir``.

Features as of the date from the ledger's behaviour panel (DuckDB), the behaviour score (the packaged one unless
``--model FILE`` names another or ``--model none`` turns it off),
the alert rules, the alert store with its lifecycle, and the action policy's actions through the app's commands
(``jobs/ewi_run.py``). Every input file is read and checked before anything is written: a bad rules, actions or
model file is one line naming the field, exit 2, and the ledger is untouched.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from creditloop.entrypoints.cli._common import EXIT_USAGE, JsonOpt, echo_json, fail, guarded, out, table
from creditloop.entrypoints.cli._ewi_model import behaviour_model_path
from creditloop.entrypoints.cli._ledger import DataDirOpt, OnOpt, business_day, ledger_bus

FIELD_OPTIONS = {"rules_file": "--rules", "actions_file": "--actions", "model": "--model"}
CONSORTIUM_SETTINGS = {"consortium_url": "CREDITLOOP_CONSORTIUM_URL",
                       "consortium_member_key": "CREDITLOOP_CONSORTIUM_MEMBER_KEY",
                       "consortium_key_file": "CREDITLOOP_CONSORTIUM_KEY_FILE"}  # fmt: skip


def _inputs(rules_file: Path | None, actions_file: Path | None, model_file: Path | None) -> tuple[Any, Any, Any]:
    from creditloop.monitoring.action_policies import default_action_policy, load_action_policy
    from creditloop.monitoring.alert_rules import default_alert_rules, resolve_alert_rules
    from creditloop.monitoring.features import default_feature_set

    fs = default_feature_set()
    rules = guarded(lambda: resolve_alert_rules(rules_file, fs) if rules_file else default_alert_rules(), FIELD_OPTIONS)
    policy = guarded(
        lambda: load_action_policy(actions_file, rules) if actions_file else default_action_policy(rules),
        {**FIELD_OPTIONS, "rule_set": "--actions rule_set"},
    )
    model = None  # with --model none the score rules stay silent: a null indicator never fires
    if model_file is not None:
        try:
            model = json.loads(model_file.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            fail(f"--model: cannot read {model_file}: {exc}", EXIT_USAGE)
        wanted = model.get("metadata", {}).get("feature_set") if isinstance(model, dict) else None
        if wanted and wanted != f"{fs.feature_set_id}@{fs.version}":
            fail(f"--model: fitted on feature set {wanted}, not {fs.feature_set_id}@{fs.version}", EXIT_USAGE)
        from creditloop.adapters.warehouse.scorecard_sql import score_query

        guarded(lambda: score_query(model, "t"), FIELD_OPTIONS)  # a damaged or categorical model fails here
    return fs, rules, (policy, model)


def _print(summary: dict[str, Any]) -> None:
    t = table(f"early warning on {summary['on']}: {summary['lines']} lines", ("what", "which", "alerts"), "en")
    for r in summary["raised"]:
        t.add_row("raised", f"{r['rule_id']} ({r['severity']})", str(r["alerts"]))
    for a in summary["actions"]:
        t.add_row("action", f"{a['action']} → {a['outcome']}", str(a["alerts"]))
    for outcome, n in summary["closed"].items():
        t.add_row("closed", outcome, str(n))
    for r in summary.get("suppressed_by_budget", {}).get("alerts", []):
        t.add_row("suppressed (budget)", f"{r['rule_id']} ({r['severity']})", str(r["alerts"]))
    if "consortium" in summary:
        asked = summary["consortium"]
        which = ", ".join(f"{k} {n}" for k, n in asked["statuses"].items()) or "nobody to ask"
        t.add_row("consortium" + (" (FLAGGED: ran without it in part)" if asked["flagged"] else ""), which,
                  str(asked["customers"]))  # fmt: skip
    if not (summary["raised"] or summary["actions"] or summary["closed"]):
        t.add_row("-", "nothing new", "0")
    out.print(t)


def add_commands(app: typer.Typer) -> None:
    """Register this module's commands on the ``ewi`` app."""

    @app.command("run")
    def run_cmd(
        on: OnOpt = None,
        data_dir: DataDirOpt = Path("creditloop-data"),
        rules_file: Annotated[
            Path | None,
            typer.Option(
                "--rules",
                help="Alert rules JSON, or a packaged set: ewi, ewi@2 (with a budget), ewi@3 (default ewi@1).",
            ),
        ] = None,
        actions_file: Annotated[
            Path | None, typer.Option("--actions", help="Action policy JSON (default: the packaged ewi_actions_v1).")
        ] = None,
        model_option: Annotated[
            str | None,
            typer.Option(
                "--model", help="Behaviour score file (`ewi score fit`; default: the packaged one); none: no score."
            ),
        ] = None,
        consortium: Annotated[
            bool,
            typer.Option(
                "--consortium",
                help="Ask the consortium (CREDITLOOP_CONSORTIUM_*) for the other lenders of each customer evaluated.",
            ),
        ] = False,
        consortium_budget_s: Annotated[
            float,
            typer.Option("--consortium-budget", min=0.1, max=3600, help="Seconds the run may spend asking (60)."),
        ] = 60.0,
        as_json: JsonOpt = False,
    ) -> None:
        """Nightly early warning over the ledger: raise alerts, act on them, close the resolved ones."""
        from creditloop._extras import require_extra

        require_extra("sim", "pyarrow", "duckdb")
        day = business_day(on)
        model_file = behaviour_model_path(model_option)
        fs, rules, (policy, model) = _inputs(rules_file, actions_file, model_file)
        bus = ledger_bus(data_dir)  # refuses a missing ledger or a simulation's before anything is written
        from creditloop.adapters.warehouse.ewi_ledger_features import ledger_features
        from creditloop.jobs.ewi_run import run_ewi

        def compute(panel: Any, keep: frozenset[str]) -> Any:
            return ledger_features(panel, fs, model, keep)

        lenders = None
        if consortium:
            from creditloop.bootstrap import ewi_consortium
            from creditloop.config import Settings

            asker = guarded(lambda: ewi_consortium(Settings(data_dir=data_dir), data_dir, consortium_budget_s),
                            CONSORTIUM_SETTINGS)  # fmt: skip
            lenders = asker.lenders_features
        result = guarded(lambda: run_ewi(bus, day, rules, policy, compute, lenders))
        summary = result.to_dict()
        if as_json:
            echo_json(summary)
        else:
            _print(summary)
