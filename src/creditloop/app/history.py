"""What every application-history adapter shares: the stored row, its validation, and the snapshot arithmetic.

An adapter's job is to find the *candidate* rows cheaply (by key, in a time range; memory by bisection, SQL by
index); ``snapshot_from_rows`` then counts exactly as ``VelocitySnapshot`` documents, so the memory, SQLite and
PostgreSQL adapters agree by construction and the parity tests check the candidate queries.

Definitions (t = the new application's instant, E = recorded applications with applied_at <= t and another id:
an application recorded earlier at the very same instant — a double submit in one second — is earlier):
- window counts: rows of E with the same key and applied_at in (t - days, t];
- identities per phone / device / employer+address: distinct identities other than this one among rows of E with
  that key in (t - reuse, t]; phones / devices per identity: distinct other phones / devices among rows of E
  with this identity in (t - reuse, t];
- employer peers: the latest ``EMPLOYER_PEERS_CAP`` rows of E naming the same employer under another identity
  (ordered by applied_at, then application id); their count and the median of their stated incomes;
- duplicate_of: the earliest row of E with the same inputs hash (no time limit);
- same_id_earlier: the application id is already recorded (at any instant);
- the employer cluster (``extra``, ``strategy.velocity.CLUSTER_COUNTS``): the latest ``CLUSTER_ROWS_CAP`` rows of E
  naming the same employer under another identity with applied_at in (t - CLUSTER_WINDOW_DAYS, t] (ordered by
  applied_at, then application id); among them the distinct identities, those with this phone block, and those
  whose stated income is within ``CLUSTER_INCOME_NEAR_PCT`` % of this one's. Always present in a new snapshot
  (zeros without an employer key).
An empty key (``""``) means "not given": it is stored but never matched, so applicants without a device id do
not all share one device.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from creditloop.core.errors import ValidationError
from creditloop.strategy.velocity import (
    CLUSTER_IDENTITIES,
    CLUSTER_INCOME_NEAR,
    CLUSTER_INCOME_NEAR_PCT,
    CLUSTER_PHONE_BLOCK,
    CLUSTER_WINDOW_DAYS,
    ApplicationKeys,
    VelocitySnapshot,
    WindowCounts,
)

# The median of stated incomes is taken over at most this many latest peers: enough for a stable median, and it
# keeps every snapshot a bounded read whatever the employer's size (a large employer has thousands of rows).
EMPLOYER_PEERS_CAP = 200

MICROS_PER_DAY = 86_400_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HASH = re.compile(r"[0-9a-f]{64}")
HASHED_FIELDS = ("identity", "phone", "device", "employer", "employer_address", "phone_block")
CLUSTER_WINDOW_US = CLUSTER_WINDOW_DAYS * 86_400_000_000


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One recorded application: keyed hashes only (``ApplicationKeys`` with the instant in UTC microseconds)."""

    application_id: str
    applied_at_us: int
    identity: str
    phone: str
    device: str
    employer: str
    employer_address: str
    inputs_hash: str
    monthly_income_minor: int
    phone_block: str = ""  # keyed hash of the phone's SIM block; "" for rows recorded before it was kept


def micros(at: datetime) -> int:
    """UTC microseconds since 1970: an exact integer, compared the same way by every database."""
    if at.tzinfo is None:
        raise ValidationError("applied_at must be an aware instant", field="applied_at")
    return (at - _EPOCH) // timedelta(microseconds=1)


def row_of(keys: ApplicationKeys) -> HistoryRow:
    """The row to store, refusing anything that is not a keyed hash: no raw ID, phone or device is ever kept."""
    for name in HASHED_FIELDS:
        value = getattr(keys, name)
        if value and not _HASH.fullmatch(value):
            raise ValidationError(f"{name} must be a keyed hash (64 lowercase hex characters) or empty", field=name)
    if not _HASH.fullmatch(keys.inputs_hash):
        raise ValidationError("inputs_hash must be a sha256 (64 lowercase hex characters)", field="inputs_hash")
    if not keys.application_id:
        raise ValidationError("application_id must not be empty", field="application_id")
    if keys.monthly_income_minor < 0:
        raise ValidationError("monthly_income_minor must not be negative", field="monthly_income_minor")
    return HistoryRow(
        keys.application_id,
        micros(keys.applied_at),
        keys.identity,
        keys.phone,
        keys.device,
        keys.employer,
        keys.employer_address,
        keys.inputs_hash,
        keys.monthly_income_minor,
        keys.phone_block,
    )


def check_windows(windows_days: tuple[int, ...], reuse_window_days: int) -> tuple[int, ...]:
    """The windows ascending without repeats; every length at least one day."""
    if any(d < 1 for d in windows_days) or reuse_window_days < 1:
        raise ValidationError("window lengths must be at least one day", field="windows_days")
    return tuple(sorted(set(windows_days)))


def horizon_us(windows: tuple[int, ...], reuse_window_days: int) -> int:
    """How far back keyed candidates are needed: the longest window or the reuse window."""
    return max((*windows, reuse_window_days)) * MICROS_PER_DAY


@dataclass(frozen=True, slots=True)
class Candidates:
    """What an adapter found for one application; keyed lists may hold more than needed (they are re-filtered)."""

    by_identity: Sequence[HistoryRow]
    by_phone: Sequence[HistoryRow]
    by_device: Sequence[HistoryRow]
    by_employer_address: Sequence[HistoryRow]
    employer_peers: int  # how many peers (at most EMPLOYER_PEERS_CAP)
    employer_median_minor: int  # the median of their stated incomes (``median_minor``); 0 without peers
    duplicate_of: str | None
    same_id_earlier: bool
    # The employer cluster's rows (identity, phone_block, monthly_income_minor are read; at most CLUSTER_ROWS_CAP,
    # already limited to other identities in the cluster window by the adapter).
    employer_cluster: Sequence[HistoryRow] = ()
    cluster_counts: dict[str, int] | None = None  # the three counts, when the adapter counted them itself (SQL)


def cluster_counts(row: HistoryRow, cluster: Iterable[HistoryRow]) -> dict[str, int]:
    """The employer cluster's three counts (see the module docstring); zeros without an employer key."""
    identities: set[str] = set()
    block: set[str] = set()
    near: set[str] = set()
    income = row.monthly_income_minor
    if row.employer:
        for r in cluster:
            identities.add(r.identity)
            if row.phone_block and r.phone_block == row.phone_block:
                block.add(r.identity)
            if income > 0 and abs(r.monthly_income_minor - income) * 100 <= CLUSTER_INCOME_NEAR_PCT * income:
                near.add(r.identity)
    return {CLUSTER_IDENTITIES: len(identities), CLUSTER_PHONE_BLOCK: len(block), CLUSTER_INCOME_NEAR: len(near)}


def snapshot_from_rows(
    row: HistoryRow, found: Candidates, windows: tuple[int, ...], reuse_window_days: int
) -> VelocitySnapshot:
    t = row.applied_at_us

    def earlier(rows: Iterable[HistoryRow], key: str, field: str, since_us: int) -> list[HistoryRow]:
        if not key:
            return []
        return [
            r
            for r in rows
            if getattr(r, field) == key and since_us < r.applied_at_us <= t and r.application_id != row.application_id
        ]

    def count(rows: Iterable[HistoryRow], key: str, field: str, days: int) -> int:
        return len(earlier(rows, key, field, t - days * MICROS_PER_DAY))

    def others(rows: Iterable[HistoryRow], key: str, field: str, attr: str, own: str) -> int:
        reuse = earlier(rows, key, field, t - reuse_window_days * MICROS_PER_DAY)
        return len({getattr(r, attr) for r in reuse if getattr(r, attr) != own and getattr(r, attr)})

    counts = tuple(
        WindowCounts(
            d,
            count(found.by_identity, row.identity, "identity", d),
            count(found.by_phone, row.phone, "phone", d),
            count(found.by_device, row.device, "device", d),
        )
        for d in windows
    )
    return VelocitySnapshot(
        windows=counts,
        identities_per_phone=others(found.by_phone, row.phone, "phone", "identity", row.identity),
        identities_per_device=others(found.by_device, row.device, "device", "identity", row.identity),
        identities_per_employer_address=others(
            found.by_employer_address, row.employer_address, "employer_address", "identity", row.identity
        ),
        phones_per_identity=others(found.by_identity, row.identity, "identity", "phone", row.phone),
        devices_per_identity=others(found.by_identity, row.identity, "identity", "device", row.device),
        employer_peers=found.employer_peers if row.employer else 0,
        employer_median_income_minor=found.employer_median_minor if row.employer else 0,
        duplicate_of=found.duplicate_of,
        same_id_earlier=found.same_id_earlier,
        extra=found.cluster_counts if found.cluster_counts is not None else cluster_counts(row, found.employer_cluster),
    )


def median_minor(values: Sequence[int]) -> int:
    """Median of sorted integers; for an even count the mean of the middle two, rounded down (whole fen)."""
    n = len(values)
    if n == 0:
        return 0
    mid = n // 2
    return values[mid] if n % 2 else (values[mid - 1] + values[mid]) // 2
