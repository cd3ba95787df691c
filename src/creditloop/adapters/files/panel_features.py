"""Behaviour features of a whole panel table with the reference evaluator (``monitoring/features.py``).

The reference is plain Python, one account at a time: fine for a few hundred thousand rows (UCI Taiwan, the
Credit Card Approval panel), and by construction identical to what the online path computes. The nightly batch
over the ledger compiles the same definitions to SQL instead.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import date
from typing import Any

import pyarrow as pa

from creditloop.monitoring.features import FeatureSet, derive_rows, feature_value
from creditloop.monitoring.panel import PANEL_COLUMNS


def account_rows(panel: pa.Table) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(account_id, its rows in month order) of a checked panel (``check_panel`` sorts it)."""
    names = [c.name for c in PANEL_COLUMNS if c.name in panel.column_names]
    columns = [panel[n].to_pylist() for n in names]
    accounts = columns[names.index("account_id")]
    start = 0
    for i in range(1, len(accounts) + 1):
        if i == len(accounts) or accounts[i] != accounts[start]:
            block = zip(*(c[start:i] for c in columns), strict=True)
            yield accounts[start], [dict(zip(names, values, strict=True)) for values in block]
            start = i


def panel_features(
    panel: pa.Table, fs: FeatureSet, *, latest_only: bool = False, as_of: Collection[date] | None = None
) -> pa.Table:
    """``account_id, month_end_on`` and one float column per feature: every month of every account; with
    ``latest_only`` each account's latest month (what a score as of today reads); with ``as_of`` only the rows
    of those month ends (features still read each account's whole history up to them)."""
    wanted = frozenset(as_of) if as_of is not None else None
    ids: list[str] = []
    months: list[Any] = []
    values: dict[str, list[float | None]] = {f.name: [] for f in fs.features}
    for account, rows in account_rows(panel):
        derived = derive_rows(rows, fs)
        for t in range(len(derived) - 1 if latest_only else 0, len(derived)):
            if wanted is not None and derived[t]["month_end_on"] not in wanted:
                continue
            ids.append(account)
            months.append(derived[t]["month_end_on"])
            for f in fs.features:
                values[f.name].append(feature_value(f, derived, t))
    columns: dict[str, pa.Array] = {
        "account_id": pa.array(ids, pa.string()),
        "month_end_on": pa.array(months, pa.date32()),
    }
    for name, vals in values.items():
        columns[name] = pa.array(vals, pa.float64())
    return pa.table(columns)
