"""Repayment capacity: disposable income = income − living costs − debt payments at other lenders, never below zero.

Living costs come from a documented table (``policies/living_costs_v1.json``): the National Bureau of
Statistics' 2023 per-capita consumption expenditure by city tier, scaled to the household with the
OECD-modified equivalence scale (1 for the applicant, ``extra_member_weight`` for every further member; we
weight every member as an adult, 0.5, because the form does not say who is a child: the cautious side).

The income used is the verified income when there is one and it is LOWER than the stated income; a higher
verified income is not used, because the applicant asked on the stated figure and the stated figure is what a
fabricated application inflates (never give more than the evidence on both sides supports).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from creditloop.core.documents import Schema, Spec, load_document, packaged_document, read_document
from creditloop.core.errors import ValidationError

BPS = 10_000
MONTHS = 12


@dataclass(frozen=True, slots=True)
class LivingCostTier:
    city_tier: int
    annual_per_capita_yuan: int
    source: str

    @property
    def monthly_minor(self) -> int:
        """One person's monthly living cost in fen (annual yuan × 100 / 12, half up)."""
        exact = Decimal(self.annual_per_capita_yuan * 100) / MONTHS
        return int(exact.to_integral_value(rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class LivingCostTable:
    table_id: str
    version: str
    extra_member_weight: Decimal
    max_household_size: int
    tiers: tuple[LivingCostTier, ...]

    def monthly_minor(self, city_tier: int, household_size: int) -> int:
        """Monthly living costs of a household in fen; a household above the table's size counts as its max."""
        tier = next((t for t in self.tiers if t.city_tier == city_tier), None)
        if tier is None:
            known = ", ".join(str(t.city_tier) for t in self.tiers)
            raise ValidationError(
                f"no living costs for city tier {city_tier}; the table has {known}", field="city_tier"
            )
        if household_size < 1:
            raise ValidationError(f"household_size must be at least 1, got {household_size}", field="household_size")
        size = min(household_size, self.max_household_size)
        scale = 1 + self.extra_member_weight * (size - 1)
        return int((tier.monthly_minor * scale).to_integral_value(rounding=ROUND_HALF_UP))


def _build_tier(values: dict[str, Any]) -> LivingCostTier:
    return LivingCostTier(**values)


TIER_SCHEMA: Schema[LivingCostTier] = Schema(
    "living-cost tier",
    (
        Spec("city_tier", "int", lo=1, hi=9),
        Spec("annual_per_capita_yuan", "int", lo=1, hi=10_000_000),
        Spec("source", "str"),
    ),
    build=_build_tier,
)


def _build_table(values: dict[str, Any]) -> LivingCostTable:
    seen: set[int] = set()
    for i, tier in enumerate(values["tiers"]):
        if tier.city_tier in seen:
            raise ValidationError(f"tiers[{i}].city_tier {tier.city_tier} is repeated", field=f"tiers[{i}].city_tier")
        seen.add(tier.city_tier)
    return LivingCostTable(**values)


TABLE_SCHEMA: Schema[LivingCostTable] = Schema(
    "living-cost table",
    (
        Spec("table_id", "str"),
        Spec("version", "str"),
        Spec("extra_member_weight", "decimal", lo=Decimal(0), hi=Decimal(1)),
        Spec("max_household_size", "int", lo=1, hi=50),
        Spec("tiers", "list", lo=1, schema=TIER_SCHEMA),
    ),
    build=_build_table,
)


def read_living_costs(doc: dict[str, Any]) -> LivingCostTable:
    return read_document(doc, TABLE_SCHEMA)


def load_living_costs(path: str | Path) -> LivingCostTable:
    return load_document(path, TABLE_SCHEMA)


def packaged_living_costs(name: str = "living_costs_v1") -> LivingCostTable:
    """A table shipped with the package, by file name without ``.json``."""
    return packaged_document("creditloop.strategy", f"policies/{name}.json", TABLE_SCHEMA)


@dataclass(frozen=True, slots=True)
class Affordability:
    """How much of the applicant's month is free for a new line, with every term for the audit trace."""

    income_used_minor: int
    income_source: str  # "verified" (lower than stated) | "stated"
    living_costs_minor: int
    debt_payments_minor: int
    disposable_minor: int  # max(0, income − living − debts)
    capacity_minor: int  # the share of disposable income a new line may take each month

    def describe(self) -> str:
        return (
            f"income={self.income_used_minor}({self.income_source});living={self.living_costs_minor};"
            f"debts={self.debt_payments_minor};disposable={self.disposable_minor};capacity={self.capacity_minor}"
        )


def income_used_minor(stated_minor: int, verified_minor: int | None) -> tuple[int, str]:
    """The verified income when present and lower than the stated one, else the stated income."""
    if verified_minor is not None and verified_minor < stated_minor:
        return verified_minor, "verified"
    return stated_minor, "stated"


def assess(
    *,
    stated_income_minor: int,
    verified_income_minor: int | None,
    debt_payments_minor: int,
    city_tier: int,
    household_size: int,
    table: LivingCostTable,
    capacity_bps: int,
) -> Affordability:
    """Disposable income and monthly payment capacity (``capacity_bps`` of disposable income, floored to fen)."""
    if not 0 <= capacity_bps <= BPS:
        raise ValidationError(f"capacity_bps must be between 0 and {BPS}", field="capacity_bps")
    income, source = income_used_minor(stated_income_minor, verified_income_minor)
    living = table.monthly_minor(city_tier, household_size)
    disposable = max(0, income - living - debt_payments_minor)
    capacity = disposable * capacity_bps // BPS
    return Affordability(income, source, living, debt_payments_minor, disposable, capacity)
