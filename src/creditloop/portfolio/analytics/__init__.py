"""Portfolio analytics written once as ibis expressions and run on any ibis backend (DuckDB, Spark): docs/risk.md.

Every function takes an ibis table and returns an ibis expression; nothing here connects to an engine or reads a
file (that is ``adapters/analytics``). The input is the per-account monthly panel (:mod:`.panel`); each metric
module starts from :func:`.panel.monthly_state`. Money columns are integer fen (``*_minor``, int64); rates are
float64 shares (0.25 = 25 %), null when the denominator is zero. Importing this package needs the ``analytics``
extra (ibis); the lean ledger install never imports it.
"""
