"""Self-contained bilingual HTML reports: over a simulator run (``render_report``) and a scorecard's validation
(``validation_report.render_validation_report``). matplotlib SVG charts, no external URLs.

Nothing heavy is imported here, so the validation report does not pull in the warehouse (DuckDB)."""

from __future__ import annotations

from typing import Any

__all__ = ["REPORT_FILE_NAME", "render_report"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from creditloop.adapters.report import html_report

        return getattr(html_report, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
