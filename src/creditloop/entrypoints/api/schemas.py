"""Request bodies. Amounts are integer fen (``*_minor``): a float or a string is refused, not rounded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_MINOR = 10**13  # 100 billion yuan: far above any line, far below the 64-bit columns
Minor = Annotated[int, Field(strict=True, gt=0, le=MAX_MINOR)]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
OnField = Annotated[date | None, Field(description="Business date (default: today; never in the future).")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpenLineBody(Body):
    line_id: Id
    customer_id: Id
    limit_minor: Minor
    on: OnField = None
    statement_day: Annotated[int | None, Field(ge=1, le=28)] = None
    due_days: Annotated[int | None, Field(ge=0, le=27)] = None
    product: Annotated[str | None, Field(max_length=64)] = None


class PurchaseBody(Body):
    amount_minor: Minor
    periods: Annotated[int, Field(strict=True, ge=1, le=60)] = 1
    on: OnField = None


class RepayBody(Body):
    amount_minor: Minor
    on: OnField = None


class RefundBody(Body):
    purchase_id: Id
    amount_minor: Minor
    on: OnField = None


class ReverseBody(Body):
    on: OnField = None


class HardshipRequestBody(Body):
    line_id: Id
    category: Annotated[str, Field(max_length=40)]
    monthly_income_minor: Annotated[int, Field(strict=True, ge=0, le=MAX_MINOR)]
    monthly_expenses_minor: Annotated[int, Field(strict=True, ge=0, le=MAX_MINOR)]
    channel: Literal["customer", "agent"] = "customer"
    consent: bool = False
    text: Annotated[str | None, Field(max_length=4000)] = None
    lang: Literal["zh", "en"] = "zh"
    on: OnField = None


class HardshipOptionsBody(Body):
    on: OnField = None


class CapitalBody(Body):
    asset_class: Literal["qrre", "other_retail", "mortgage", "corporate"] = Field(alias="class")
    pd: Decimal
    lgd: Decimal
    sales_m: Decimal | None = None
    maturity: Decimal | None = None
    floors: bool = False
    transactor: bool = False
    el_best: Decimal | None = None
    ead_minor: Annotated[int | None, Field(strict=True, ge=0, le=MAX_MINOR)] = None


class StressBody(Body):
    pd: Decimal
    rho: Decimal
    z: Decimal


class AuthoriseBody(Body):
    amount_minor: Minor
    expires_on: date
    on: OnField = None


class CaptureBody(Body):
    amount_minor: Minor
    periods: Annotated[int, Field(strict=True, ge=1, le=60)] = 1
    final: bool = True  # False: keep the rest of the hold for later captures
    on: OnField = None


class VoidBody(Body):
    on: OnField = None
