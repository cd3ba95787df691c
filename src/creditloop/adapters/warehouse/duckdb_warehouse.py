"""Read side over the simulator's Parquet output, aggregated in DuckDB.

Every query opens its own in-memory connection and reads the files with ``read_parquet``: nothing
connects at import time, nothing is cached between calls, and only aggregates cross into Python.
Money comes back as ``int`` minor units; ratios are floats from ``portfolio.metrics``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from creditloop.core.money import round_minor
from creditloop.portfolio.metrics import CHARGED_OFF, CLOSED, ROLL_STATES, roll_rate_matrix, share
from creditloop.servicing.credit_line import LineStatus
from creditloop.servicing.delinquency import BUCKETS

logger = logging.getLogger(__name__)

# A FROZEN line still carries a receivable that can roll, so it stays in the delinquency base;
# dropping it would understate delinquency exactly when lines get frozen for missing payments.
DEFAULT_ON_BOOK_STATUSES: tuple[str, ...] = (LineStatus.ACTIVE.value, LineStatus.FROZEN.value)
VINTAGE_METRICS: Mapping[str, int] = {"ever_30plus": 30, "ever_60plus": 60, "ever_90plus": 90}

_APPLICATIONS = "applications.parquet"
_SNAPSHOTS = "snapshots.parquet"
_ALERTS = "alerts.parquet"
_HARDSHIP = "hardship.parquet"
_SUMMARY = "summary.json"


class WarehouseError(Exception):
    """The data directory does not hold what the read side needs."""


@dataclass(frozen=True, slots=True)
class ApplicationsMonth:
    month_index: int
    applications: int
    approvals: int
    approval_rate: float
    avg_limit_minor: int  # mean limit over approved applications, 0 when none


@dataclass(frozen=True, slots=True)
class BalancesMonth:
    month_index: int
    balance_minor: int
    principal_minor: int
    fee_minor: int
    penalty_minor: int
    active_lines: int


@dataclass(frozen=True, slots=True)
class DelinquencyMonth:
    month_index: int
    active_lines: int
    count_by_bucket: Mapping[str, int]  # every bucket M0..M7, zeros included
    balance_by_bucket: Mapping[str, int]
    rate_30plus: float  # share of on-book lines with dpd > 30
    rate_30plus_balance: float  # same, weighted by balance_minor


@dataclass(frozen=True, slots=True)
class VintageCurve:
    vintage: str
    lines: int
    points: tuple[tuple[int, float], ...]  # (mob, cumulative share of the vintage's lines ever bad by mob)


@dataclass(frozen=True, slots=True)
class RollRates:
    states: tuple[str, ...]
    counts: Mapping[tuple[str, str], int]
    shares: Mapping[str, Mapping[str, float]]

    def row_total(self, state: str) -> int:
        return sum(n for (src, _), n in self.counts.items() if src == state)


@dataclass(frozen=True, slots=True)
class RollMonth:
    """Lines in ``bucket`` at the end of ``month_index`` that are seen the next month end, and those of them that
    rolled forward (a worse bucket, or charged off; closing counts as current), by count and by balance."""

    month_index: int
    bucket: str
    lines: int
    balance_minor: int
    forward_lines: int
    forward_balance_minor: int

    @property
    def forward_balance_rate(self) -> float:
        return share(self.forward_balance_minor, self.balance_minor)


@dataclass(frozen=True, slots=True)
class AlertsMonth:
    month_index: int
    alerts: int
    by_rule: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class HardshipOutcomes:
    assessed: int  # rows in hardship.parquet: every request that was looked at
    eligible: int
    accepted: int
    outcomes: Mapping[str, int] = field(default_factory=dict)  # end-of-horizon state, all requests
    accepted_outcomes: Mapping[str, int] = field(default_factory=dict)  # same, accepted plans only


class DuckDBWarehouse:
    """Aggregates for dashboards and reports, computed by DuckDB straight from the Parquet files."""

    def __init__(self, data_dir: Path, on_book_statuses: Sequence[str] = DEFAULT_ON_BOOK_STATUSES) -> None:
        self.data_dir = Path(data_dir)
        self.on_book_statuses = tuple(on_book_statuses)

    # -- plumbing -------------------------------------------------------------------------------

    def _query(
        self, file_name: str, columns: Sequence[str], sql: str, params: Mapping[str, object] | None = None
    ) -> list[tuple[Any, ...]]:
        """Run ``sql`` after ``WITH src AS (<the file>)``; ``sql`` may add CTEs by starting with a comma.

        An empty file written without a schema yields no rows instead of a binder error.
        """
        path = self.data_dir / file_name
        if not path.is_file():
            raise WarehouseError(f"missing {file_name} in {self.data_dir}")
        bound: dict[str, object] = {"path": str(path), **(params or {})}
        if not self._has_columns(path, file_name, columns):
            return []
        with duckdb.connect(":memory:") as con:
            return con.execute(f"WITH src AS (SELECT * FROM read_parquet($path)) {sql}", bound).fetchall()

    @staticmethod
    def _has_columns(path: Path, file_name: str, columns: Sequence[str]) -> bool:
        """Check the footer only; DuckDB cannot even open a Parquet file that has no columns."""
        metadata = pq.read_metadata(path)
        missing = set(columns) - set(metadata.schema.names)
        if not missing:
            return True
        if metadata.num_rows == 0:
            # Writers sometimes emit an empty table without a schema; that is "no data", not an error.
            logger.info("%s is empty and has no schema; treating as zero rows", file_name)
            return False
        raise WarehouseError(f"{file_name} lacks columns {sorted(missing)}")

    def summary(self) -> dict[str, Any]:
        """The simulator's run summary (seed, horizon, scenario, shock month, ...)."""
        path = self.data_dir / _SUMMARY
        if not path.is_file():
            raise WarehouseError(f"missing {_SUMMARY} in {self.data_dir}")
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return loaded

    # -- origination ----------------------------------------------------------------------------

    def applications_by_month(self) -> list[ApplicationsMonth]:
        rows = self._query(
            _APPLICATIONS,
            ("month_index", "approved", "limit_minor"),
            """
            SELECT month_index, count(*), count(*) FILTER (WHERE approved),
                   coalesce(sum(limit_minor) FILTER (WHERE approved), 0)
            FROM src GROUP BY month_index ORDER BY month_index
            """,
        )
        return [
            ApplicationsMonth(
                month_index=int(month),
                applications=int(apps),
                approvals=int(approvals),
                approval_rate=share(approvals, apps),
                avg_limit_minor=round_minor(Decimal(int(limit_sum)) / approvals) if approvals else 0,
            )
            for month, apps, approvals, limit_sum in rows
        ]

    # -- book -----------------------------------------------------------------------------------

    def balances_by_month(self) -> list[BalancesMonth]:
        rows = self._query(
            _SNAPSHOTS,
            ("month_index", "status", "balance_minor", "principal_minor", "fee_minor", "penalty_minor"),
            """
            SELECT month_index, sum(balance_minor), sum(principal_minor), sum(fee_minor), sum(penalty_minor), count(*)
            FROM src WHERE list_contains($statuses, status)
            GROUP BY month_index ORDER BY month_index
            """,
            {"statuses": list(self.on_book_statuses)},
        )
        return [BalancesMonth(*(int(v) for v in row)) for row in rows]

    def delinquency_by_month(self) -> list[DelinquencyMonth]:
        rows = self._query(
            _SNAPSHOTS,
            ("month_index", "status", "bucket", "dpd", "balance_minor"),
            """
            SELECT month_index, bucket, count(*), sum(balance_minor),
                   count(*) FILTER (WHERE dpd > 30), coalesce(sum(balance_minor) FILTER (WHERE dpd > 30), 0)
            FROM src WHERE list_contains($statuses, status)
            GROUP BY month_index, bucket ORDER BY month_index, bucket
            """,
            {"statuses": list(self.on_book_statuses)},
        )
        grouped: dict[int, list[tuple[Any, ...]]] = {}
        for row in rows:
            grouped.setdefault(int(row[0]), []).append(row)
        return [_delinquency_month(month, month_rows) for month, month_rows in sorted(grouped.items())]

    def credit_status_distribution(self) -> dict[int, dict[str, int]]:
        """month_index -> {credit_status: lines}, over every snapshot row (closed 'C' included)."""
        rows = self._query(
            _SNAPSHOTS,
            ("month_index", "credit_status"),
            "SELECT month_index, credit_status, count(*) FROM src GROUP BY ALL ORDER BY ALL",
        )
        result: dict[int, dict[str, int]] = {}
        for month, status, count in rows:
            result.setdefault(int(month), {})[str(status)] = int(count)
        return result

    def charged_off_total_minor(self) -> int:
        """Sum over lines of their cumulative charged-off amount (the column is cumulative per line)."""
        rows = self._query(
            _SNAPSHOTS,
            ("line_id", "charged_off_minor"),
            "SELECT coalesce(sum(co), 0) FROM (SELECT max(charged_off_minor) AS co FROM src GROUP BY line_id)",
        )
        return int(rows[0][0]) if rows else 0

    # -- performance ----------------------------------------------------------------------------

    def vintage_curves(self, metric: str = "ever_30plus") -> list[VintageCurve]:
        """Per vintage, the cumulative share of its lines ever past the DPD threshold by each MOB.

        A charge-off counts as bad whatever the DPD on the row. The denominator is every line the
        vintage opened, including those that later closed, so curves never fall.
        """
        if metric not in VINTAGE_METRICS:
            raise ValueError(f"unknown vintage metric {metric!r}; expected one of {sorted(VINTAGE_METRICS)}")
        rows = self._query(
            _SNAPSHOTS,
            ("vintage", "line_id", "mob", "dpd", "status"),
            f"""
            , lines AS (
                SELECT vintage, line_id, min(mob) FILTER (WHERE dpd > $dpd OR status = '{LineStatus.CHARGED_OFF}')
                       AS first_bad
                FROM src GROUP BY vintage, line_id
            ), sizes AS (SELECT vintage, count(*) AS n FROM lines GROUP BY vintage),
            grid AS (SELECT DISTINCT vintage, mob FROM src)
            SELECT g.vintage, g.mob, s.n, count(l.line_id)
            FROM grid g JOIN sizes s USING (vintage)
            LEFT JOIN lines l ON l.vintage = g.vintage AND l.first_bad <= g.mob
            GROUP BY g.vintage, g.mob, s.n ORDER BY g.vintage, g.mob
            """,
            {"dpd": VINTAGE_METRICS[metric]},
        )
        points: dict[str, list[tuple[int, float]]] = {}
        sizes: dict[str, int] = {}
        for vintage, mob, size, bad in rows:
            sizes[str(vintage)] = int(size)
            points.setdefault(str(vintage), []).append((int(mob), share(bad, size)))
        return [VintageCurve(v, sizes[v], tuple(p)) for v, p in points.items()]

    def roll_rates(self) -> RollRates:
        """Month-over-month transitions of the same line between consecutive snapshots.

        States are M0..M7 by bucket, 'CO' once charged off and 'CL' once closed; only bucket states
        are counted as a starting point because CO and CL are absorbing.
        """
        rows = self._query(
            _SNAPSHOTS,
            ("line_id", "month_index", "status", "bucket"),
            f"""
            , states AS (
                SELECT line_id, month_index,
                       CASE status WHEN '{LineStatus.CHARGED_OFF}' THEN '{CHARGED_OFF}'
                                   WHEN '{LineStatus.CLOSED}' THEN '{CLOSED}'
                                   ELSE bucket END AS state
                FROM src
            )
            SELECT a.state, b.state, count(*)
            FROM states a JOIN states b ON a.line_id = b.line_id AND b.month_index = a.month_index + 1
            WHERE list_contains($buckets, a.state)
            GROUP BY ALL ORDER BY ALL
            """,
            {"buckets": list(BUCKETS)},
        )
        counts = {(str(src), str(dst)): int(n) for src, dst, n in rows}
        unknown = {s for pair in counts for s in pair} - set(ROLL_STATES)
        if unknown:
            logger.warning("roll rates: ignoring unknown states %s", sorted(unknown))
        return RollRates(ROLL_STATES, counts, roll_rate_matrix(counts, ROLL_STATES))

    def roll_rates_by_month(self) -> list[RollMonth]:
        """Forward rolls from each bucket M0..M7, month by month (t -> t + 1), by count and balance at t; the next
        month comes from a window (``lead``), not a self-join."""
        rows = self._query(
            _SNAPSHOTS,
            ("line_id", "month_index", "status", "bucket", "balance_minor"),
            f"""
            , states AS (
                SELECT line_id, month_index, bucket, balance_minor,
                       CASE status WHEN '{LineStatus.CHARGED_OFF}' THEN 8 WHEN '{LineStatus.CLOSED}' THEN 0
                                   ELSE list_position($buckets, bucket) - 1 END AS severity,
                       status NOT IN ('{LineStatus.CHARGED_OFF}', '{LineStatus.CLOSED}') AS open
                FROM src
            ), pairs AS (
                SELECT month_index, bucket, balance_minor, severity, open,
                       lead(severity) OVER w AS next_severity, lead(month_index) OVER w AS next_month
                FROM states WINDOW w AS (PARTITION BY line_id ORDER BY month_index)
            )
            SELECT month_index, bucket, count(*), sum(balance_minor),
                   count(*) FILTER (WHERE next_severity > severity),
                   coalesce(sum(balance_minor) FILTER (WHERE next_severity > severity), 0)
            FROM pairs WHERE open AND next_month = month_index + 1
            GROUP BY ALL ORDER BY ALL
            """,
            {"buckets": list(BUCKETS)},
        )
        return [RollMonth(int(m), str(b), int(n), int(bal), int(f), int(fb)) for m, b, n, bal, f, fb in rows]

    # -- early warning and hardship -------------------------------------------------------------

    def alerts_by_month(self) -> list[AlertsMonth]:
        rows = self._query(
            _ALERTS,
            ("month_index", "rule_id"),
            "SELECT month_index, rule_id, count(*) FROM src GROUP BY ALL ORDER BY ALL",
        )
        by_month: dict[int, dict[str, int]] = {}
        for month, rule, count in rows:
            by_month.setdefault(int(month), {})[str(rule)] = int(count)
        return [AlertsMonth(m, sum(rules.values()), rules) for m, rules in sorted(by_month.items())]

    def hardship_outcomes(self) -> HardshipOutcomes:
        rows = self._query(
            _HARDSHIP,
            ("eligible", "accepted", "outcome"),
            """
            SELECT outcome, count(*), count(*) FILTER (WHERE eligible), count(*) FILTER (WHERE accepted)
            FROM src GROUP BY outcome ORDER BY outcome
            """,
        )
        return HardshipOutcomes(
            assessed=sum(int(r[1]) for r in rows),
            eligible=sum(int(r[2]) for r in rows),
            accepted=sum(int(r[3]) for r in rows),
            outcomes={str(r[0]): int(r[1]) for r in rows},
            accepted_outcomes={str(r[0]): int(r[3]) for r in rows if r[3]},
        )


def _delinquency_month(month: int, rows: Sequence[tuple[Any, ...]]) -> DelinquencyMonth:
    counts = dict.fromkeys(BUCKETS, 0)
    balances = dict.fromkeys(BUCKETS, 0)
    for _, bucket, count, balance, _, _ in rows:
        counts[str(bucket)] = int(count)
        balances[str(bucket)] = int(balance)
    lines = sum(int(r[2]) for r in rows)
    balance_total = sum(int(r[3]) for r in rows)
    return DelinquencyMonth(
        month_index=month,
        active_lines=lines,
        count_by_bucket=counts,
        balance_by_bucket=balances,
        rate_30plus=share(sum(int(r[4]) for r in rows), lines),
        rate_30plus_balance=share(sum(int(r[5]) for r in rows), balance_total),
    )
