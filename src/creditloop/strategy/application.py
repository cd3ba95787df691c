"""The credit application as input: a documented schema (pydantic), one row of JSONL, CSV or Parquet.

Amounts arrive as yuan in decimal strings ("8500.00"; a JSON number is read as the text it was written as) and
are held as integer fen; a value with more than two decimals or a negative amount is refused rather than
rounded, because an application is evidence and must mean exactly what it says. Every field error names the
field and the rule (pydantic's ``loc`` and ``msg``), and the reader turns it into a per-row refusal while the
other rows are still decided (see ``creditloop.adapters.files.applications``).

The form carries personal data (name, ID number, phone). It is used to decide and is never logged; what goes
into audit rows is its sha256 (``inputs_hash``) and keyed hashes of the identifiers (``strategy.velocity``).
Protected attributes (sex, marital status, ethnicity, religion) have no field, and the 17th digit of the
resident ID (which encodes sex) is never read as a feature.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

MAX_AMOUNT_MINOR = 10**11  # the ledger's bound on one amount (creditloop.ledger.bounds)


def _yuan_to_fen(value: Any) -> int:
    """'8500', '8500.5', '8500.50' (or the same as a JSON number) -> fen, exactly.

    A float is read through its shortest repr, which is the text that was written for any realistic amount; a
    float that is not a whole number of fen (0.1 + 0.2) is refused with the other over-precise values."""
    if isinstance(value, bool):
        raise ValueError('must be an amount in yuan such as "8500.00"')
    if isinstance(value, int | Decimal):
        text = str(value)
    elif isinstance(value, float):
        text = repr(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise ValueError('must be an amount in yuan such as "8500.00"')
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError("is not a decimal amount in yuan") from None
    if not amount.is_finite():
        raise ValueError("must be a finite amount")
    if amount < 0:
        raise ValueError("must not be negative")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError("has more than two decimals (fen is the smallest unit)")
    if fen > MAX_AMOUNT_MINOR:
        raise ValueError(f"is above the largest amount accepted ({MAX_AMOUNT_MINOR // 100} yuan)")
    return int(fen)


def _bool_text(value: Any) -> Any:
    """CSV gives text: accept true/false, 1/0, yes/no (any case); pydantic's strict bool does the rest."""
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "1", "yes", "y", "是"):
            return True
        if low in ("false", "0", "no", "n", "否", ""):
            return False
    return value


Fen = Annotated[int, BeforeValidator(_yuan_to_fen)]
Consent = Annotated[bool, BeforeValidator(_bool_text)]

CHANNELS = ("app", "web", "checkout", "partner", "branch", "agent", "other")


class ApplicationForm(BaseModel):
    """One credit application exactly as submitted (the documented input schema; see docs/origination.md)."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    application_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:/-]+$")
    applied_at: datetime  # ISO 8601 instant with an offset
    channel: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=64, repr=False)  # personal data: never in a repr or a log
    id_number: str = Field(min_length=1, max_length=32, repr=False)  # format, check digit: checks
    birth_date: date
    phone: str = Field(min_length=1, max_length=32, repr=False)
    device_id: str = Field(min_length=1, max_length=128, repr=False)
    city: str = Field(min_length=1, max_length=64)
    city_tier: int = Field(ge=1, le=4)
    employer: str = Field(min_length=1, max_length=128)
    sector: str = Field(min_length=1, max_length=64)
    monthly_income: Fen  # fen after validation; the column holds yuan
    monthly_debt_payments: Fen  # owed to other lenders each month
    other_lenders: int = Field(ge=0, le=1000)
    requested_limit: Fen
    consent_bureau: Consent
    consent_sharing: Consent
    # Optional columns (more are welcome; unknown ones are ignored).
    household_size: int = Field(default=1, ge=1, le=20)
    employer_address: str | None = Field(default=None, max_length=256)
    verified_income: Fen | None = None  # income from payroll / social-insurance / housing-fund data, when consented
    product: str | None = Field(default=None, max_length=64)

    @field_validator("applied_at")
    @classmethod
    def _needs_offset(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("must be an ISO 8601 instant with an offset, e.g. 2026-03-01T10:15:00+08:00")
        return value

    @field_validator("channel")
    @classmethod
    def _known_channel(cls, value: str) -> str:
        low = value.lower()
        if low not in CHANNELS:
            raise ValueError(f"must be one of {', '.join(CHANNELS)}")
        return low

    @field_validator("sector")
    @classmethod
    def _sector_lower(cls, value: str) -> str:
        return value.lower()


ApplicationField = Literal[
    "application_id",
    "applied_at",
    "channel",
    "name",
    "id_number",
    "birth_date",
    "phone",
    "device_id",
    "city",
    "city_tier",
    "employer",
    "sector",
    "monthly_income",
    "monthly_debt_payments",
    "other_lenders",
    "requested_limit",
    "consent_bureau",
    "consent_sharing",
]
REQUIRED_COLUMNS: tuple[str, ...] = ApplicationField.__args__  # type: ignore[attr-defined]


_AMOUNT_FIELDS = ("monthly_income", "monthly_debt_payments", "requested_limit", "verified_income")


def form_document(form: ApplicationForm) -> dict[str, Any]:
    """The form in its input format (amounts back to yuan strings), so ``ApplicationForm(**doc)`` rebuilds it
    exactly: what a decision record stores and a replay reads."""
    doc = form.model_dump(mode="json")
    for name in _AMOUNT_FIELDS:
        fen = doc.get(name)
        if fen is not None:
            doc[name] = f"{fen // 100}.{fen % 100:02d}"
    return doc
