"""``creditloop ewi``: early warning (issue 14) — the nightly run over the ledger, back-tests on a simulation's
outputs or a real monthly panel, and the behaviour score. Each command lives in its own module and registers on
``ewi_app`` (``ewi_run_cli``, ``ewi_backtest_cli``, ``ewi_score_cli``)."""

from __future__ import annotations

import typer

ewi_app = typer.Typer(
    help="Early warning: behaviour features, the behaviour score, alerts and actions, back-tests.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    from creditloop.entrypoints.cli import ewi_backtest_cli, ewi_run_cli, ewi_score_cli

    for module in (ewi_run_cli, ewi_backtest_cli, ewi_score_cli):
        module.add_commands(ewi_app)
    app.add_typer(ewi_app, name="ewi")


__all__ = ["ewi_app", "register"]
