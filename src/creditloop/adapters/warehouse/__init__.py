"""Analytics read side: aggregates over the simulator's Parquet output (the ``[report]`` extra: DuckDB, pyarrow)."""

from creditloop._extras import require_extra

# First, so a lean install gets a sentence naming the extra rather than a bare ImportError.
require_extra("report", "pyarrow", "duckdb")

from creditloop.adapters.warehouse.duckdb_warehouse import (  # noqa: E402
    DEFAULT_ON_BOOK_STATUSES,
    VINTAGE_METRICS,
    AlertsMonth,
    ApplicationsMonth,
    BalancesMonth,
    DelinquencyMonth,
    DuckDBWarehouse,
    HardshipOutcomes,
    RollMonth,
    RollRates,
    VintageCurve,
    WarehouseError,
)

__all__ = [
    "DEFAULT_ON_BOOK_STATUSES",
    "VINTAGE_METRICS",
    "AlertsMonth",
    "ApplicationsMonth",
    "BalancesMonth",
    "DelinquencyMonth",
    "DuckDBWarehouse",
    "HardshipOutcomes",
    "RollMonth",
    "RollRates",
    "VintageCurve",
    "WarehouseError",
]
