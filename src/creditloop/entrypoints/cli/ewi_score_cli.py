"""``creditloop ewi score`` (issue 14): filled in by its own change."""

from __future__ import annotations

import typer


def add_commands(app: typer.Typer) -> None:
    """Register this module's commands on the ``ewi`` app."""
