"""IFRS 9 expected credit loss: PD term structures, LGD, EAD, discounting, scenarios, per-account and portfolio ECL
(DOMAIN.md §4.2; docs/risk.md "IFRS 9 expected credit loss"). Pure Python: no engine, no I/O beyond the packaged
parameter files."""
