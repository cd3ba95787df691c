"""The risk dashboard (issue 18 item 3): static pages served by ``creditloop serve`` under ``/dashboard``.

The pages call the same ``/api/v1`` with the user's API key (kept in sessionStorage, never in a URL). Everything
is packaged (no CDN); the charts are SVG drawn by ``static/charts.js`` so their titles, axes, legends and tooltips
follow the language switch. No inline script or style: the CSP allows scripts and styles from the server only.
"""
