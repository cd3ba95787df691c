"""Products as versioned data: statement cycle, installment options, penalty, waterfall, charge-off."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

from creditloop.core.errors import ValidationError
from creditloop.core.money import Rounding
from creditloop.products.pricing import PlanTerms

# Allocation atoms: when the money is owed × what it is. Penalty is always past due; fees of future
# installments are not owed yet (they are cancelled when that installment is prepaid in full).
WATERFALL_ATOMS: frozenset[str] = frozenset(
    {
        "PAST_DUE_PENALTY",
        "PAST_DUE_FEE",
        "PAST_DUE_INTEREST",
        "PAST_DUE_PRINCIPAL",
        "DUE_FEE",
        "DUE_INTEREST",
        "DUE_PRINCIPAL",
        "FUTURE_PRINCIPAL",
    }
)


@dataclass(frozen=True, slots=True)
class InstallmentOption:
    """``periods`` monthly installments; a flat fee of ``monthly_fee_bps`` of the ORIGINAL principal each month.

    ``periods == 1`` with a zero fee is the interest-free "pay next month" option.
    """

    periods: int
    monthly_fee_bps: int
    # Optional PlanTerms document (``products.pricing``): EMI, total fee, equal principal, pay-in-4 with a
    # down payment... Such plans run on their own due dates instead of the statement cycle.
    terms: dict[str, Any] | None = None
    auto_down_payment: bool = False  # collect the down payment at checkout

    def __hash__(self) -> int:
        return hash((self.periods, self.monthly_fee_bps))


@dataclass(frozen=True, slots=True)
class PenaltyRule:
    """Daily penalty on the overdue amount (unpaid past-due principal and fees, never on penalty)."""

    daily_rate: Decimal
    min_per_day_minor: int
    grace_days: int


@dataclass(frozen=True, slots=True)
class MinimumPayment:
    """Huabei-style minimum payment on pay-next-month balances.

    The minimum is every installment-plan amount billed, all past-due amounts and penalty, plus
    ``percent_bps`` of the pay-next-month principal billed (at least ``floor_minor``). Paying at least the
    minimum by the due date keeps the line current: the unpaid pay-next-month principal revolves to the next
    cycle and accrues ``revolving_daily_rate`` a day from the day after the due date.
    """

    percent_bps: int
    floor_minor: int
    revolving_daily_rate: Decimal


@dataclass(frozen=True, slots=True)
class Product:
    product_id: str
    version: int
    currency: str
    statement_day: int
    due_days_after_statement: int
    installment_options: tuple[InstallmentOption, ...]
    penalty: PenaltyRule
    waterfall: tuple[str, ...]
    charge_off_dpd: int
    rounding: Rounding
    # Days after a due date before an account counts as delinquent (Fineract graceOnArrearsAgeing);
    # DPD itself still counts from the due date.
    delinquency_grace_days: int = 0
    minimum_payment: MinimumPayment | None = None  # None: every bill is due in full
    # Fees and interest of installments prepaid before they are billed: "waive_unbilled" (never charged,
    # interest by actual term) or "charge_remaining" (the whole scheduled cost is due).
    early_settlement: str = "waive_unbilled"
    refund_allocation: str = "last"  # a refund reduces the plan's last | next installments, or "reamortise"
    prepayment_allocation: str = "next"  # money for the future pays the next | last installments, or "reamortise"
    # Days a payment takes to clear: credit it leaves may be paid back to the customer only after them.
    payment_clearing_days: int = 3

    @property
    def key(self) -> str:
        return f"{self.product_id}@{self.version}"

    def option(self, periods: int) -> InstallmentOption:
        for opt in self.installment_options:
            if opt.periods == periods:
                return opt
        offered = ", ".join(str(o.periods) for o in self.installment_options)
        raise ValidationError(
            f"periods must be one of the product's options ({offered}), got {periods}", field="periods"
        )

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Product:
        """Validate a product document; every error names the field and the rule."""
        try:
            return _parse_product(doc)
        except (KeyError, TypeError) as exc:
            raise ValidationError(f"product document is missing or mistypes field {exc}", field=str(exc)) from None


def _int_field(doc: dict[str, Any], name: str, low: int, high: int) -> int:
    value = doc[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{name} must be an integer in [{low}, {high}], got {value!r}", field=name)
    return value


def _parse_product(doc: dict[str, Any]) -> Product:
    statement_day = _int_field(doc, "statement_day", 1, 28)
    due_days = _int_field(doc, "due_days_after_statement", 0, 27)
    options = []
    for i, raw in enumerate(doc["installment_options"]):
        periods = _int_field(raw, "periods", 1, 60)
        fee = _int_field(raw, "monthly_fee_bps", 0, 500)
        if periods == 1 and fee:
            raise ValidationError(f"installment_options[{i}]: pay-next-month must be fee-free", field="monthly_fee_bps")
        terms = raw.get("terms")
        if terms is not None:
            parsed = PlanTerms.from_dict(terms)
            if parsed.annual_rate and not {"PAST_DUE_INTEREST", "DUE_INTEREST"} <= set(doc["waterfall"]):
                raise ValidationError(
                    f"installment_options[{i}] bears interest: the waterfall needs PAST_DUE_INTEREST and DUE_INTEREST",
                    field="waterfall",
                )
        auto_dp = raw.get("auto_down_payment", False)
        if not isinstance(auto_dp, bool):
            raise ValidationError(
                f"installment_options[{i}].auto_down_payment must be true or false", field="auto_down_payment"
            )
        options.append(InstallmentOption(periods, fee, terms, auto_dp))
    if len({o.periods for o in options}) != len(options) or not options:
        raise ValidationError(
            "installment_options must be non-empty with distinct periods", field="installment_options"
        )
    pen = doc["penalty"]
    try:
        rate = Decimal(str(pen["daily_rate"]))
    except InvalidOperation:
        raise ValidationError("penalty.daily_rate must be a decimal string", field="penalty.daily_rate") from None
    if not Decimal(0) <= rate <= Decimal("0.01"):
        raise ValidationError("penalty.daily_rate must be between 0 and 0.01 per day", field="penalty.daily_rate")
    penalty = PenaltyRule(rate, _int_field(pen, "min_per_day_minor", 0, 10_000), _int_field(pen, "grace_days", 0, 30))
    waterfall = tuple(doc["waterfall"])
    unknown = [a for a in waterfall if a not in WATERFALL_ATOMS]
    if unknown or len(set(waterfall)) != len(waterfall):
        raise ValidationError(
            f"waterfall atoms must be distinct and among {sorted(WATERFALL_ATOMS)}; bad: {unknown}", field="waterfall"
        )
    try:
        rounding = Rounding(doc.get("rounding", "half_up"))
    except ValueError:
        raise ValidationError(f"rounding must be one of {[r.value for r in Rounding]}", field="rounding") from None
    return Product(
        product_id=str(doc["product_id"]),
        version=_int_field(doc, "version", 1, 1_000_000),
        currency=str(doc.get("currency", "CNY")),
        statement_day=statement_day,
        due_days_after_statement=due_days,
        installment_options=tuple(options),
        penalty=penalty,
        waterfall=waterfall,
        charge_off_dpd=_int_field(doc, "charge_off_dpd", 30, 720),
        rounding=rounding,
        delinquency_grace_days=_int_field(doc, "delinquency_grace_days", 0, 30)
        if "delinquency_grace_days" in doc
        else 0,
        minimum_payment=_minimum_payment(doc.get("minimum_payment")),
        early_settlement=_choice(doc, "early_settlement", ("waive_unbilled", "charge_remaining")),
        refund_allocation=_choice(doc, "refund_allocation", ("last", "next", "reamortise")),
        prepayment_allocation=_choice(doc, "prepayment_allocation", ("next", "last", "reamortise")),
        payment_clearing_days=_int_field(doc, "payment_clearing_days", 0, 30) if "payment_clearing_days" in doc else 3,
    )


def _choice(doc: dict[str, Any], name: str, allowed: tuple[str, ...]) -> str:
    value = doc.get(name, allowed[0])
    if value not in allowed:
        raise ValidationError(f"{name} must be one of {list(allowed)}, got {value!r}", field=name)
    return str(value)


def _minimum_payment(raw: Any) -> MinimumPayment | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValidationError("minimum_payment must be an object or null", field="minimum_payment")
    try:
        rate = Decimal(str(raw["revolving_daily_rate"]))
    except (KeyError, InvalidOperation):
        raise ValidationError(
            "minimum_payment.revolving_daily_rate must be a decimal string",
            field="minimum_payment.revolving_daily_rate",
        ) from None
    if not Decimal(0) <= rate <= Decimal("0.01"):
        raise ValidationError(
            "minimum_payment.revolving_daily_rate must be between 0 and 0.01",
            field="minimum_payment.revolving_daily_rate",
        )
    return MinimumPayment(
        _int_field(raw, "percent_bps", 1, 10_000), _int_field(raw, "floor_minor", 0, 10_000_000), rate
    )


def load_catalog() -> dict[str, Product]:
    """Every packaged product version, by ``product_id@version``: lines stay pinned to the version they opened on."""
    root = resources.files("creditloop.products.catalog")
    products = [Product.from_dict(json.loads(p.read_text("utf-8"))) for p in root.iterdir() if p.name.endswith(".json")]
    return {p.key: p for p in products}


def resolve_product(ref: str) -> Product:
    """A product by ``id@version``, by ``id`` (its latest version), or from a JSON file."""
    from pathlib import Path

    catalog = load_catalog()
    if ref in catalog:
        return catalog[ref]
    versions = sorted((p for p in catalog.values() if p.product_id == ref), key=lambda p: p.version)
    if versions:
        return versions[-1]
    path = Path(ref)
    if path.suffix == ".json" and path.is_file():
        try:
            return Product.from_dict(json.loads(path.read_text("utf-8")))
        except json.JSONDecodeError as exc:
            raise ValidationError(f"product file is not valid JSON: {exc}", field="product") from None
    raise ValidationError(
        f"unknown product {ref!r}: use one of {sorted(catalog)} or a product .json file", field="product"
    )


def default_product() -> Product:
    """The packaged Baitiao-style product (statement on the 1st, due on the 10th, 0.05 %/day penalty)."""
    text = resources.files("creditloop.products.catalog").joinpath("baitiao_standard_v1.json").read_text("utf-8")
    return Product.from_dict(json.loads(text))
