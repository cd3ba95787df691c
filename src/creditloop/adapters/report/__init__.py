"""Self-contained bilingual HTML report over a simulator run (matplotlib SVG charts, no external URLs)."""

from creditloop.adapters.report.html_report import REPORT_FILE_NAME, render_report

__all__ = ["REPORT_FILE_NAME", "render_report"]
