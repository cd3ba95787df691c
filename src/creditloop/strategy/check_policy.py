"""The application-check policy and the income-range table: versioned JSON documents, loaded strictly.

Both go through the one loader (``creditloop.core.documents``), so an unknown field, a bad outcome name or a
minimum age below 18 is refused at load time naming the field. Everything ``run_checks`` compares at run
time is precomputed here as integers (fen thresholds per sector and city tier, ratios in basis points), so a
check costs a dict look-up and an integer comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from functools import cache
from pathlib import Path
from typing import Any

from creditloop.core.documents import Schema, Spec, load_document, packaged_document, read_document
from creditloop.core.errors import ValidationError
from creditloop.strategy.check_codes import CHECK_CODES, CheckCode, Outcome

BPS = 10_000
TIERS = (1, 2, 3, 4)
OTHER_SECTOR = "other"
MIN_LENDING_AGE = 18  # lending to minors is not allowed, whatever a document says


def sector_key(sector: str) -> str:
    """A stated sector as a table key: lower case, spaces and hyphens as underscores."""
    return "_".join(sector.strip().lower().replace("-", " ").split())


@dataclass(frozen=True, slots=True)
class IncomeTable:
    """Reference median monthly wage by sector (yuan) and city-tier factors (see income_ranges_v1.json)."""

    table_id: str
    version: str
    median_monthly_yuan: dict[str, int]
    tier_factor: dict[int, Decimal]
    aliases: dict[str, str]

    def sector(self, stated: str) -> str:
        """The table row for a stated sector: itself, an alias, or ``other``."""
        key = sector_key(stated)
        if key in self.median_monthly_yuan:
            return key
        return self.aliases.get(key, OTHER_SECTOR)

    def median_minor(self, sector: str, tier: int) -> int:
        """Median x tier factor, in fen (floored)."""
        exact = Decimal(self.median_monthly_yuan[self.sector(sector)] * 100) * self.tier_factor[tier]
        return int(exact.to_integral_value(rounding=ROUND_FLOOR))


def _build_table(values: dict[str, Any]) -> IncomeTable:
    medians = values["median_monthly_yuan"]
    if OTHER_SECTOR not in medians:
        raise ValidationError(
            "median_monthly_yuan needs an 'other' row for unknown sectors", field="median_monthly_yuan"
        )
    for key in medians:
        if key != sector_key(key):
            raise ValidationError(
                f"sector {key!r} must be written {sector_key(key)!r}", field=f"median_monthly_yuan.{key}"
            )
    factors = values["tier_factor"]
    if set(factors) != {str(t) for t in TIERS}:
        raise ValidationError("tier_factor must have exactly the tiers 1, 2, 3 and 4", field="tier_factor")
    aliases = {sector_key(k): v for k, v in values["aliases"].items()}
    for alias, target in aliases.items():
        if target not in medians:
            raise ValidationError(f"alias {alias!r} names unknown sector {target!r}", field=f"aliases.{alias}")
    return IncomeTable(
        values["table_id"], values["version"], dict(medians), {int(t): f for t, f in factors.items()}, aliases
    )


INCOME_TABLE_SCHEMA: Schema[IncomeTable] = Schema(
    "income range table",
    (
        Spec("table_id", "str"),
        Spec("version", "str"),
        Spec("median_monthly_yuan", "int_map", lo=0, hi=10**6),
        Spec("tier_factor", "decimal_map", lo=Decimal("0.1"), hi=Decimal(10)),
        Spec("aliases", "str_map", default={}),
    ),
    build=_build_table,
    ignored=frozenset({"description", "sources", "basis"}),
)

PACKAGED_INCOME_TABLES = ("income_ranges_v1",)
PACKAGED_CHECK_POLICIES = ("checks_v1",)


@cache
def packaged_income_table(name: str) -> IncomeTable:
    if name not in PACKAGED_INCOME_TABLES:
        raise ValidationError(
            f"unknown income table {name!r}; choose one of {', '.join(PACKAGED_INCOME_TABLES)}", field="income_ranges"
        )
    return packaged_document("creditloop.strategy", f"policies/{name}.json", INCOME_TABLE_SCHEMA)


def load_income_table(path: str | Path) -> IncomeTable:
    return load_document(path, INCOME_TABLE_SCHEMA)


@dataclass(frozen=True, slots=True)
class CheckPolicy:
    """Thresholds and outcomes of the application checks (``policies/checks_v1.json``; docs/origination/checks.md).

    ``velocity_max`` maps kind (identity / phone / device) to ``((days, most earlier applications allowed), ...)``
    in ascending window order; ``income_bounds`` maps (table sector, tier) to (median, INCOME_IMPLAUSIBLE threshold,
    AGE_SECTOR_INCONSISTENT threshold) in fen: a stated income strictly above a threshold is flagged."""

    policy_id: str
    version: str
    income_table: IncomeTable
    min_age: int
    max_age: int
    outcomes: dict[str, Outcome]
    income_high_multiple: Decimal
    income_unverified_bps: int
    lenders_without_payments_min: int
    young_age_below: int
    young_income_multiple: Decimal
    student_max_age: int  # a "student" older than this, or
    retired_min_age: int  # a "retired" applicant younger than this, is AGE_SECTOR_INCONSISTENT
    velocity_windows_days: tuple[int, ...]
    velocity_max: dict[str, tuple[tuple[int, int], ...]]
    reuse_window_days: int
    reuse_min_identities_phone: int
    reuse_min_identities_device: int
    reuse_min_identities_employer_address: int
    multi_min_phones: int
    multi_min_devices: int
    employer_outlier_bps: int
    employer_min_peers: int
    # EMPLOYER_APPLICATION_CLUSTER (agency packaging): with >= cluster_min_identities other identities at the
    # employer in the snapshot's cluster window, >= cluster_min_same_phone_block of them on this phone's SIM
    # block, or >= cluster_min_income_near (and at least cluster_income_near_share of them) stating an income
    # within a few % of this one, which is not a multiple of cluster_round_income_yuan.
    cluster_min_identities: int
    cluster_min_same_phone_block: int
    cluster_min_income_near: int
    cluster_income_near_bps: int
    cluster_round_income_minor: int
    income_bounds: dict[tuple[str, int], tuple[int, int, int]]

    def income_bound(self, sector: str, tier: int) -> tuple[int, int, int]:
        """(median, implausible-above, young-implausible-above) in fen for a stated sector and city tier."""
        return self.income_bounds[(self.income_table.sector(sector), tier)]

    @classmethod
    def from_dict(cls, doc: dict[str, Any], income_table: IncomeTable | None = None) -> CheckPolicy:
        """Build from a decoded document; ``income_table`` overrides the packaged table it names."""
        return read_document(doc, _schema(income_table))


# Codes added after the first policy files were written, with the outcome a file that predates them gets: ``pass``
# (recorded, never flags), so an older policy file still loads and decides as it did.
LATER_CODES: dict[str, Outcome] = {CheckCode.EMPLOYER_APPLICATION_CLUSTER: Outcome.PASS}


def _outcomes(raw: dict[str, str]) -> dict[str, Outcome]:
    known = set(CHECK_CODES)
    for key in raw:
        if key not in known:
            raise ValidationError(f"outcomes has unknown check code {key!r}", field=f"outcomes.{key}")
    out: dict[str, Outcome] = {}
    for code in CHECK_CODES:
        if code not in raw and code in LATER_CODES:
            out[code] = LATER_CODES[code]
            continue
        if code not in raw:
            raise ValidationError(f"outcomes is missing check code {code}", field=f"outcomes.{code}")
        try:
            out[code] = Outcome(raw[code])
        except ValueError:
            raise ValidationError(
                f"outcomes.{code} must be pass, refer or decline, got {raw[code]!r}", field=f"outcomes.{code}"
            ) from None
    if out[CheckCode.AGE_BELOW_MIN] is not Outcome.DECLINE:
        raise ValidationError("outcomes.AGE_BELOW_MIN must be decline (no lending to minors)", field="outcomes")
    return out


def _velocity(values: dict[str, Any]) -> dict[str, tuple[tuple[int, int], ...]]:
    windows = values["velocity_windows_days"]
    out = {}
    for kind in ("identity", "phone", "device"):
        name = f"velocity_max_{kind}"
        by_window = values[name]
        if set(by_window) != {str(d) for d in windows}:
            raise ValidationError(f"{name} must have one entry per velocity window {list(windows)}", field=name)
        out[kind] = tuple((d, by_window[str(d)]) for d in windows)
    return out


def _bps(value: Decimal) -> int:
    return int((value * BPS).to_integral_value(rounding=ROUND_FLOOR))


def _income_bounds(values: dict[str, Any], table: IncomeTable) -> dict[tuple[str, int], tuple[int, int, int]]:
    high, young = values["income_high_multiple"], values["young_income_multiple"]
    bounds = {}
    for sector in table.median_monthly_yuan:
        for tier in TIERS:
            median = Decimal(table.median_minor(sector, tier))
            bounds[(sector, tier)] = (
                int(median),
                int((median * high).to_integral_value(rounding=ROUND_FLOOR)),
                int((median * young).to_integral_value(rounding=ROUND_FLOOR)),
            )
    return bounds


def _schema(income_table: IncomeTable | None) -> Schema[CheckPolicy]:
    def build(values: dict[str, Any]) -> CheckPolicy:
        table = income_table if income_table is not None else packaged_income_table(values["income_ranges"])
        velocity = _velocity(values)
        direct = {k: values[k] for k in _DIRECT}
        return CheckPolicy(
            income_table=table,
            outcomes=_outcomes(values["outcomes"]),
            income_unverified_bps=_bps(values["income_unverified_ratio"]),
            velocity_max=velocity,
            employer_outlier_bps=_bps(values["employer_outlier_ratio"]),
            cluster_income_near_bps=_bps(values["cluster_income_near_share"]),
            cluster_round_income_minor=values["cluster_round_income_yuan"] * 100,
            income_bounds=_income_bounds(values, table),
            **direct,
        )

    return Schema("check policy", _FIELDS, build=build)


_FIELDS = (
    Spec("policy_id", "str"),
    Spec("version", "str"),
    Spec("income_ranges", "str"),
    Spec("min_age", "int", lo=MIN_LENDING_AGE, hi=120),
    Spec("max_age", "int", lo="min_age", hi=120),
    Spec("outcomes", "str_map"),
    Spec("income_high_multiple", "decimal", lo=Decimal(1), hi=Decimal(100)),
    Spec("income_unverified_ratio", "decimal", lo=Decimal(1), hi=Decimal(100)),
    Spec("lenders_without_payments_min", "int", lo=1, hi=1000),
    Spec("young_age_below", "int", lo="min_age", hi=120),
    Spec("young_income_multiple", "decimal", lo=Decimal(1), hi=Decimal(100)),
    Spec("student_max_age", "int", lo="min_age", hi=120, default=40),
    Spec("retired_min_age", "int", lo="min_age", hi=120, default=45),
    Spec("velocity_windows_days", "int_set", lo=1, hi=3650),
    Spec("velocity_max_identity", "int_map", lo=0, hi=10**6),
    Spec("velocity_max_phone", "int_map", lo=0, hi=10**6),
    Spec("velocity_max_device", "int_map", lo=0, hi=10**6),
    Spec("reuse_window_days", "int", lo=1, hi=3650),
    Spec("reuse_min_identities_phone", "int", lo=1, hi=10**6),
    Spec("reuse_min_identities_device", "int", lo=1, hi=10**6),
    Spec("reuse_min_identities_employer_address", "int", lo=1, hi=10**6),
    Spec("multi_min_phones", "int", lo=1, hi=10**6),
    Spec("multi_min_devices", "int", lo=1, hi=10**6),
    Spec("employer_outlier_ratio", "decimal", lo=Decimal(1), hi=Decimal(100)),
    Spec("employer_min_peers", "int", lo=1, hi=10**6),
    # added with EMPLOYER_APPLICATION_CLUSTER; the defaults are the packaged values, so older files load
    Spec("cluster_min_identities", "int", lo=1, hi=10**6, default=1),
    Spec("cluster_min_same_phone_block", "int", lo=1, hi=10**6, default=1),
    Spec("cluster_min_income_near", "int", lo=1, hi=10**6, default=2),
    Spec("cluster_income_near_share", "decimal", lo=Decimal(0), hi=Decimal(1), default=Decimal("0.5")),
    Spec("cluster_round_income_yuan", "int", lo=1, hi=10**6, default=500),
)
_DIRECT = (
    "policy_id",
    "version",
    "min_age",
    "max_age",
    "income_high_multiple",
    "lenders_without_payments_min",
    "young_age_below",
    "young_income_multiple",
    "student_max_age",
    "retired_min_age",
    "velocity_windows_days",
    "reuse_window_days",
    "reuse_min_identities_phone",
    "reuse_min_identities_device",
    "reuse_min_identities_employer_address",
    "multi_min_phones",
    "multi_min_devices",
    "employer_min_peers",
    "cluster_min_identities",
    "cluster_min_same_phone_block",
    "cluster_min_income_near",
)


def load_check_policy(path: str | Path, income_table: IncomeTable | None = None) -> CheckPolicy:
    """A check policy from a JSON file (its ``income_ranges`` names a packaged table unless one is given)."""
    return load_document(path, _schema(income_table))


@cache  # loaded once per process; the policy is never mutated
def packaged_check_policy(name: str) -> CheckPolicy:
    if name not in PACKAGED_CHECK_POLICIES:
        raise ValidationError(
            f"unknown packaged check policy {name!r}; choose one of {', '.join(PACKAGED_CHECK_POLICIES)}",
            field="policy",
        )
    return packaged_document("creditloop.strategy", f"policies/{name}.json", _schema(None))


def default_check_policy() -> CheckPolicy:
    """The packaged default (``policies/checks_v1.json``)."""
    return packaged_check_policy("checks_v1")
