"""Macro scenarios as data files: a sector-weighted income shock with a recovery path."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from creditloop.core.errors import ValidationError
from creditloop.simulate.fault_plan import FaultPlan, parse_fault_plan

SECTORS: tuple[str, ...] = (
    "manufacturing",
    "retail_hospitality",
    "services",
    "technology",
    "public_sector",
    "self_employed",
)


@dataclass(frozen=True, slots=True)
class SectorShock:
    affected_share: Decimal
    income_cut: Decimal


@dataclass(frozen=True, slots=True)
class Shock:
    start_month: int
    duration_months: int
    recovery_months: int
    sectors: dict[str, SectorShock]

    def income_factor(self, month: int, cut: Decimal) -> Decimal:
        """Income multiplier in ``month`` (1-based) for a customer hit by ``cut``."""
        if month < self.start_month:
            return Decimal(1)
        since = month - self.start_month
        if since < self.duration_months:
            return 1 - cut
        into_recovery = since - self.duration_months + 1
        if self.recovery_months == 0 or into_recovery >= self.recovery_months:
            return Decimal(1)
        return 1 - cut * (1 - Decimal(into_recovery) / self.recovery_months)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description_en: str
    description_zh: str
    shock: Shock | None
    faults: FaultPlan | None = None  # a chaos run (simulate.faults) instead of the behavioural simulation

    def with_shock_month(self, month: int) -> Scenario:
        if month < 1:
            raise ValidationError(f"the shock month must be 1 or later, got {month}", field="shock_month")
        if self.shock is None:
            raise ValidationError(f"scenario {self.name!r} has no shock to move", field="shock_month")
        shock = Shock(month, self.shock.duration_months, self.shock.recovery_months, self.shock.sectors)
        return Scenario(self.name, self.description_en, self.description_zh, shock, self.faults)


def _dec(doc: dict[str, Any], key: str, where: str) -> Decimal:
    try:
        value = Decimal(str(doc[key]))
    except KeyError:
        raise ValidationError(f"{where}.{key} is missing", field=f"{where}.{key}") from None
    except InvalidOperation:
        raise ValidationError(f"{where}.{key} must be a decimal number", field=f"{where}.{key}") from None
    if not Decimal(0) <= value <= Decimal(1):
        raise ValidationError(f"{where}.{key} must be between 0 and 1, got {value}", field=f"{where}.{key}")
    return value


def _int(doc: dict[str, Any], key: str, where: str, low: int) -> int:
    value = doc.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValidationError(f"{where}.{key} must be an integer >= {low}, got {value!r}", field=f"{where}.{key}")
    return value


def parse_scenario(doc: Any) -> Scenario:
    if not isinstance(doc, dict):
        raise ValidationError("scenario document must be a JSON object", field="<document>")
    name = doc.get("name")
    if not isinstance(name, str) or not name:
        raise ValidationError("name must be a non-empty string", field="name")
    desc = doc.get("description") or {}
    raw = doc.get("shock", None)
    shock = None
    if raw is not None:
        if not isinstance(raw, dict):
            raise ValidationError("shock must be an object or null", field="shock")
        sectors_doc = raw.get("sectors")
        if not isinstance(sectors_doc, dict) or not sectors_doc:
            raise ValidationError("shock.sectors must be a non-empty object", field="shock.sectors")
        sectors = {}
        for sector, params in sectors_doc.items():
            if sector not in SECTORS:
                raise ValidationError(
                    f"shock.sectors has unknown sector {sector!r}; known: {SECTORS}", field="shock.sectors"
                )
            where = f"shock.sectors.{sector}"
            if not isinstance(params, dict):
                raise ValidationError(f"{where} must be an object", field=where)
            sectors[sector] = SectorShock(_dec(params, "affected_share", where), _dec(params, "income_cut", where))
        shock = Shock(
            _int(raw, "start_month", "shock", 1),
            _int(raw, "duration_months", "shock", 1),
            _int(raw, "recovery_months", "shock", 0),
            sectors,
        )
    faults = parse_fault_plan(doc["faults"]) if doc.get("faults") is not None else None
    return Scenario(name, str(desc.get("en", "")), str(desc.get("zh", "")), shock, faults)


def builtin_scenarios() -> list[str]:
    root = resources.files("creditloop.simulate.scenarios")
    return sorted(p.name.removesuffix(".json") for p in root.iterdir() if p.name.endswith(".json"))


def load_scenario(name_or_path: str) -> Scenario:
    """A built-in scenario by name, or a user-defined one from a JSON file."""
    if name_or_path in builtin_scenarios():
        text = resources.files("creditloop.simulate.scenarios").joinpath(f"{name_or_path}.json").read_text("utf-8")
    else:
        path = Path(name_or_path)
        if not path.suffix == ".json" or not path.is_file():
            raise ValidationError(
                f"unknown scenario {name_or_path!r}: use one of {builtin_scenarios()} or a path to a .json file",
                field="scenario",
            )
        text = path.read_text("utf-8")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"scenario file is not valid JSON: {exc}", field="scenario") from None
    return parse_scenario(doc)
