"""The scored underwriting policy as a versioned document (``policies/underwriting_v1.json``).

Everything tunable in ``underwriting.decide_application`` is here and refused at load time when it is
inconsistent, each error naming the field path (``bands[2].max_pd``):

* the check policy by name, and whether a check's "refer" refers or declines;
* the models by id and version, and what to do without a model (refer, decline, or a rule-only band);
* the PD cut-offs: approve when PD <= ``approve_max_pd``, decline when PD >= ``decline_min_pd``, refer between;
* score bands by PD upper bound (a PD belongs to the first band with PD <= ``max_pd``; the last band's bound is
  1), each with a limit multiple of the monthly payment capacity, a price tier and a max limit. Bands must get
  no more generous as PD rises (multiple and max limit non-increasing): that is what makes the limit monotone;
* price tiers: a catalog product ``id@version`` with optional per-period fee overrides, every option of every
  tier checked against the pricing cap in force on ``effective_on`` (``products.caps``);
* the affordability rule, the thin-file starter line, limit rounding, min and max.

PD cut-offs and band bounds are written as decimal strings and converted to float ONCE here; the decision then
compares the model's float PD with these floats (so "0.05" is the same float as a model's 0.05).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from creditloop.core.documents import Schema, Spec, load_document, packaged_document, read_document
from creditloop.core.errors import DomainError, ValidationError
from creditloop.products.caps import CapRegime, check_product
from creditloop.products.catalog import catalog_product
from creditloop.products.terms import Product

BPS = 10_000
CHECK_REFER_ACTIONS = ("refer", "decline")
WITHOUT_MODEL_ACTIONS = ("refer", "decline", "rule_only")


@dataclass(frozen=True, slots=True)
class ModelRef:
    model_id: str
    version: str


@dataclass(frozen=True, slots=True)
class FeeOverride:
    periods: int
    monthly_fee_bps: int


@dataclass(frozen=True, slots=True)
class PriceTier:
    """A price offered to a band: a catalog product, optionally with its own installment fees."""

    tier_id: str
    product: str  # catalog id@version
    fees: tuple[FeeOverride, ...] = ()

    def terms(self) -> Product:
        """The product with this tier's fees (what the cap was checked on)."""
        base = catalog_product(self.product)
        by_periods = {f.periods: f.monthly_fee_bps for f in self.fees}
        options = tuple(
            replace(o, monthly_fee_bps=by_periods.get(o.periods, o.monthly_fee_bps)) for o in base.installment_options
        )
        return replace(base, installment_options=options)


@dataclass(frozen=True, slots=True)
class Band:
    name: str
    max_pd: float  # inclusive upper bound
    limit_multiple: Decimal  # × monthly payment capacity
    price_tier: str
    max_limit_minor: int


@dataclass(frozen=True, slots=True)
class AffordabilityRule:
    living_costs: str  # packaged table name, e.g. living_costs_v1
    capacity_bps: int  # share of disposable income a new line may take each month
    min_disposable_minor: int  # below this, decline whatever the PD


@dataclass(frozen=True, slots=True)
class LimitRules:
    step_minor: int
    min_limit_minor: int
    max_limit_minor: int
    starter_line_minor: int  # the most a thin-file applicant gets (exact, the only limit off the step grid)


@dataclass(frozen=True, slots=True)
class UnderwritingPolicy:
    policy_id: str
    version: str
    effective_on: date
    cap_regime: CapRegime
    check_policy: str
    on_check_refer: str  # refer | decline
    models: tuple[ModelRef, ...]
    without_model: str  # refer | decline | rule_only
    rule_only_band: str | None
    approve_max_pd: float
    decline_min_pd: float
    bands: tuple[Band, ...]
    price_tiers: tuple[PriceTier, ...]
    affordability: AffordabilityRule
    limits: LimitRules

    def band_for(self, pd: float) -> Band:
        """The first band whose inclusive upper bound holds ``pd`` (the last band's bound is 1)."""
        for band in self.bands:
            if pd <= band.max_pd:
                return band
        return self.bands[-1]

    def band_named(self, name: str) -> Band:
        for band in self.bands:
            if band.name == name:
                return band
        raise ValidationError(f"unknown band {name!r}", field="band")

    def tier(self, tier_id: str) -> PriceTier:
        for tier in self.price_tiers:
            if tier.tier_id == tier_id:
                return tier
        raise ValidationError(f"unknown price tier {tier_id!r}", field="price_tier")

    def accepts_model(self, model_id: str, version: str) -> bool:
        return any(m.model_id == model_id and m.version == version for m in self.models)


def _build_model(values: dict[str, Any]) -> ModelRef:
    return ModelRef(values["id"], values["version"])


def _build_fee(values: dict[str, Any]) -> FeeOverride:
    return FeeOverride(**values)


def _build_tier(values: dict[str, Any]) -> PriceTier:
    try:
        base = catalog_product(values["product"])
    except ValidationError as exc:
        raise ValidationError(exc.message, field="product") from None
    offered = {o.periods for o in base.installment_options}
    for i, fee in enumerate(values["fees"]):
        if fee.periods not in offered:
            raise ValidationError(
                f"fees[{i}].periods {fee.periods} is not an option of {base.key}", field=f"fees[{i}].periods"
            )
        if fee.periods == 1 and fee.monthly_fee_bps:
            raise ValidationError(f"fees[{i}]: pay-next-month must be fee-free", field=f"fees[{i}].monthly_fee_bps")
    return PriceTier(values["id"], base.key, values["fees"])


def _build_band(values: dict[str, Any]) -> Band:
    return Band(
        values["name"],
        float(values["max_pd"]),
        values["limit_multiple"],
        values["price_tier"],
        values["max_limit_minor"],
    )


def _build_affordability(values: dict[str, Any]) -> AffordabilityRule:
    return AffordabilityRule(**values)


def _build_limits(values: dict[str, Any]) -> LimitRules:
    step = values["step_minor"]
    for name in ("min_limit_minor", "max_limit_minor"):
        if values[name] % step:
            raise ValidationError(f"{name} must be a multiple of step_minor ({step})", field=name)
    return LimitRules(**values)


MODEL_SCHEMA: Schema[ModelRef] = Schema("model reference", (Spec("id", "str"), Spec("version", "str")), _build_model)
FEE_SCHEMA: Schema[FeeOverride] = Schema(
    "fee override", (Spec("periods", "int", lo=1, hi=60), Spec("monthly_fee_bps", "int", lo=0, hi=500)), _build_fee
)
TIER_SCHEMA: Schema[PriceTier] = Schema(
    "price tier",
    (Spec("id", "str"), Spec("product", "str"), Spec("fees", "list", schema=FEE_SCHEMA, default=())),
    _build_tier,
)
BAND_SCHEMA: Schema[Band] = Schema(
    "score band",
    (
        Spec("name", "str"),
        Spec("max_pd", "decimal", lo=Decimal(0), hi=Decimal(1)),
        Spec("limit_multiple", "decimal", lo=Decimal(0), hi=Decimal(100)),
        Spec("price_tier", "str"),
        Spec("max_limit_minor", "int", lo=0),
    ),
    _build_band,
)
AFFORDABILITY_SCHEMA: Schema[AffordabilityRule] = Schema(
    "affordability rule",
    (
        Spec("living_costs", "str"),
        Spec("capacity_bps", "int", lo=0, hi=BPS),
        Spec("min_disposable_minor", "int", lo=0),
    ),
    _build_affordability,
)
LIMITS_SCHEMA: Schema[LimitRules] = Schema(
    "limit rules",
    (
        Spec("step_minor", "int", lo=1, default=10_000),
        Spec("min_limit_minor", "int", lo=1),
        Spec("max_limit_minor", "int", lo="min_limit_minor"),
        Spec("starter_line_minor", "int", lo="min_limit_minor", hi="max_limit_minor"),
    ),
    _build_limits,
)


def _one_of(values: dict[str, Any], name: str, allowed: tuple[str, ...]) -> str:
    value = str(values[name])
    if value not in allowed:
        raise ValidationError(f"{name} must be one of {', '.join(allowed)}, got {value!r}", field=name)
    return value


def _check_bands(bands: tuple[Band, ...], limits: LimitRules, tiers: tuple[PriceTier, ...]) -> None:
    names = [b.name for b in bands]
    tier_ids = {t.tier_id for t in tiers}
    for i, band in enumerate(bands):
        if names.count(band.name) > 1:
            raise ValidationError(f"bands[{i}].name {band.name!r} is repeated", field=f"bands[{i}].name")
        if band.price_tier not in tier_ids:
            raise ValidationError(
                f"bands[{i}].price_tier {band.price_tier!r} is not one of price_tiers", field=f"bands[{i}].price_tier"
            )
        if band.max_limit_minor > limits.max_limit_minor:
            raise ValidationError(
                f"bands[{i}].max_limit_minor must be <= limits.max_limit_minor", field=f"bands[{i}].max_limit_minor"
            )
        if i == 0:
            continue
        before = bands[i - 1]
        # Monotone by construction: a riskier band is never more generous than a safer one.
        for name, ok in (
            ("max_pd", band.max_pd > before.max_pd),
            ("limit_multiple", band.limit_multiple <= before.limit_multiple),
            ("max_limit_minor", band.max_limit_minor <= before.max_limit_minor),
        ):
            if not ok:
                rule = "increase" if name == "max_pd" else "not increase"
                raise ValidationError(f"bands[{i}].{name} must {rule} from bands[{i - 1}]", field=f"bands[{i}].{name}")
    if bands[-1].max_pd != 1.0:
        raise ValidationError(f"bands[{len(bands) - 1}].max_pd must be 1 (every PD has a band)", field="bands")


def _check_tiers_within_cap(tiers: tuple[PriceTier, ...], on: date, regime: CapRegime) -> None:
    ids = [t.tier_id for t in tiers]
    for i, tier in enumerate(tiers):
        if ids.count(tier.tier_id) > 1:
            raise ValidationError(f"price_tiers[{i}].id {tier.tier_id!r} is repeated", field=f"price_tiers[{i}].id")
        try:
            check_product(tier.terms(), on, regime)
        except DomainError as exc:
            raise ValidationError(f"price_tiers[{i}]: {exc.message}", field=f"price_tiers[{i}]") from None


def _build_policy(values: dict[str, Any]) -> UnderwritingPolicy:
    try:
        effective_on = date.fromisoformat(values["effective_on"])
    except ValueError:
        raise ValidationError("effective_on must be an ISO date such as 2026-01-01", field="effective_on") from None
    try:
        regime = CapRegime(values["cap_regime"])
    except ValueError:
        allowed = ", ".join(r.value for r in CapRegime)
        raise ValidationError(f"cap_regime must be one of {allowed}", field="cap_regime") from None
    approve, decline = float(values["approve_max_pd"]), float(values["decline_min_pd"])
    if not approve < decline:
        raise ValidationError("decline_min_pd must be above approve_max_pd", field="decline_min_pd")
    limits, bands, tiers = values["limits"], values["bands"], values["price_tiers"]
    _check_bands(bands, limits, tiers)
    _check_tiers_within_cap(tiers, effective_on, regime)
    without = _one_of(values, "without_model", WITHOUT_MODEL_ACTIONS)
    rule_only_band = values["rule_only_band"]
    if without == "rule_only" and rule_only_band not in {b.name for b in bands}:
        raise ValidationError(
            "rule_only_band must name one of bands when without_model is rule_only", field="rule_only_band"
        )
    return UnderwritingPolicy(
        policy_id=values["policy_id"],
        version=values["version"],
        effective_on=effective_on,
        cap_regime=regime,
        check_policy=values["check_policy"],
        on_check_refer=_one_of(values, "on_check_refer", CHECK_REFER_ACTIONS),
        models=values["models"],
        without_model=without,
        rule_only_band=rule_only_band,
        approve_max_pd=approve,
        decline_min_pd=decline,
        bands=bands,
        price_tiers=tiers,
        affordability=values["affordability"],
        limits=limits,
    )


POLICY_SCHEMA: Schema[UnderwritingPolicy] = Schema(
    "underwriting policy",
    (
        Spec("policy_id", "str"),
        Spec("version", "str"),
        Spec("effective_on", "str"),
        Spec("cap_regime", "str", default="cn_licensed"),
        Spec("check_policy", "str"),
        Spec("on_check_refer", "str", default="refer"),
        Spec("models", "list", schema=MODEL_SCHEMA),
        Spec("without_model", "str", default="refer"),
        Spec("rule_only_band", "str", default=None),
        Spec("approve_max_pd", "decimal", lo=Decimal(0), hi=Decimal(1)),
        Spec("decline_min_pd", "decimal", lo=Decimal(0), hi=Decimal(1)),
        Spec("limits", "object", schema=LIMITS_SCHEMA),
        Spec("price_tiers", "list", lo=1, schema=TIER_SCHEMA),
        Spec("bands", "list", lo=1, hi=26, schema=BAND_SCHEMA),
        Spec("affordability", "object", schema=AFFORDABILITY_SCHEMA),
    ),
    build=_build_policy,
)


def read_underwriting_policy(doc: dict[str, Any]) -> UnderwritingPolicy:
    """Build from a decoded document; a bad one raises ``ValidationError`` naming the field path."""
    return read_document(doc, POLICY_SCHEMA)


def load_underwriting_policy(path: str | Path) -> UnderwritingPolicy:
    """Load from a JSON file; an error names the file, the field path and the rule."""
    return load_document(path, POLICY_SCHEMA)


PACKAGED_UNDERWRITING = (
    "underwriting_v1",
    "underwriting_v2",
    "underwriting_v3",
    "underwriting_v4",
    "underwriting_statement_v1",
)


@cache
def packaged_underwriting_policy(name: str = "underwriting_v1") -> UnderwritingPolicy:
    """A policy shipped with the package by file name without ``.json`` (see ``PACKAGED_UNDERWRITING``)."""
    if name not in PACKAGED_UNDERWRITING:
        raise ValidationError(
            f"unknown packaged underwriting policy {name!r}; choose one of {', '.join(PACKAGED_UNDERWRITING)}",
            field="policy",
        )
    return packaged_document("creditloop.strategy", f"policies/{name}.json", POLICY_SCHEMA)


def policy_named(name_or_path: str | Path) -> UnderwritingPolicy:
    """``--policy NAME|FILE``: a packaged policy by name (``underwriting_v1``), else a JSON file path."""
    if str(name_or_path) in PACKAGED_UNDERWRITING:
        return packaged_underwriting_policy(str(name_or_path))
    path = Path(name_or_path)
    if path.suffix != ".json" and not path.exists():
        raise ValidationError(
            f"unknown underwriting policy {str(name_or_path)!r}: name one of {', '.join(PACKAGED_UNDERWRITING)} "
            "or a JSON file",
            field="policy",
        )
    return load_underwriting_policy(path)


def with_cutoffs(policy: UnderwritingPolicy, approve_max_pd: float, decline_min_pd: float) -> UnderwritingPolicy:
    """The same policy with other PD cut-offs (a loss–approval frontier sweeps these), checked as at load."""
    if not 0.0 <= approve_max_pd < decline_min_pd <= 1.0:
        raise ValidationError(
            f"need 0 <= approve_max_pd < decline_min_pd <= 1, got {approve_max_pd!r} and {decline_min_pd!r}",
            field="approve_max_pd",
        )
    return replace(policy, approve_max_pd=approve_max_pd, decline_min_pd=decline_min_pd)
