"""Request bodies of issue 18's remaining endpoints (applications, disclosures, hardship acceptance, collections
contacts, credit disputes, simulations). Amounts are integer fen; unknown fields are refused."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from creditloop.entrypoints.api.schemas import Body, Id, Minor, OnField

ContactId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]


class ApplicationBody(Body):
    """``form`` is the documented application input (docs/origination.md: amounts in yuan strings there)."""

    customer_id: Id
    form: dict[str, Any] = Field(description="The application form (name, id_number, phone... are personal data).")


class DisclosureBody(Body):
    amount_minor: Minor
    periods: Annotated[int, Field(strict=True, ge=1, le=60)]
    product: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@+-]+$")] = "baitiao-standard"
    regime: Literal["pboc", "reg-z", "eu"] = "pboc"
    on: OnField = None


class AcceptOptionBody(Body):
    option_id: Annotated[str, Field(min_length=1, max_length=64)]
    on: OnField = None


class TrackPlansBody(Body):
    on: OnField = None
    plan: Id | None = None


class CaseBody(Body):
    zone: Annotated[str, Field(min_length=1, max_length=64)] = "Asia/Shanghai"
    debtor_contacts: Annotated[list[ContactId], Field(min_length=1, max_length=10)]
    third_parties: Annotated[list[ContactId], Field(max_length=10, default_factory=list)]
    jurisdiction: Annotated[str, Field(max_length=10)] = "cn"
    on: OnField = None


class ContactBody(Body):
    contact_id: ContactId
    channel: Annotated[str, Field(min_length=1, max_length=20)]
    at: datetime = Field(
        description="When the attempt is made: an ISO instant with an offset (2000..2100).",
        ge=datetime(2000, 1, 1, tzinfo=UTC), le=datetime(2100, 12, 31, tzinfo=UTC),
    )  # fmt: skip
    outcome: Annotated[str, Field(min_length=1, max_length=30)]
    purpose: Annotated[str, Field(max_length=30)] = "collect"
    script: Annotated[str | None, Field(max_length=64)] = None


class DisputeBody(Body):
    line_id: Id
    months: Annotated[
        list[Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]], Field(min_length=1, max_length=24)
    ]
    field: Literal["status", "balance", "overdue"]
    consent: bool = False
    claim: Annotated[str | None, Field(max_length=2000)] = None
    channel: Literal["customer", "agent"] = "customer"
    jurisdiction: Annotated[str, Field(max_length=10)] = "cn"
    lang: Literal["zh", "en"] = "zh"
    on: OnField = None


class ResolveBody(Body):
    outcome: Literal["corrected", "confirmed", "undeterminable"]
    corrected_value: Annotated[str | None, Field(max_length=64)] = None
    on: OnField = None


class SimulationBody(Body):
    customers: Annotated[int, Field(strict=True, ge=10, le=200)] = 100
    months: Annotated[int, Field(strict=True, ge=1, le=6)] = 3
    seed: Annotated[int, Field(strict=True, ge=0, le=2**31)] = 7
    scenario: Literal["baseline", "recession", "pandemic"] = "baseline"
    start: Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))] = date(2025, 1, 1)


class CustomerSearchBody(Body):
    id_number: Annotated[str, Field(min_length=6, max_length=32)]
