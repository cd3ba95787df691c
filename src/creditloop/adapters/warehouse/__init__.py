"""Analytics read side: aggregates over the simulator's Parquet output."""

from creditloop.adapters.warehouse.duckdb_warehouse import (
    DEFAULT_ON_BOOK_STATUSES,
    VINTAGE_METRICS,
    AlertsMonth,
    ApplicationsMonth,
    BalancesMonth,
    DelinquencyMonth,
    DuckDBWarehouse,
    HardshipOutcomes,
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
    "RollRates",
    "VintageCurve",
    "WarehouseError",
]
