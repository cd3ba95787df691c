"""Request bodies. Unknown fields are refused (``extra="forbid"``): a stray ``resident_id`` is bad input, never
stored. Pseudonyms, purposes, bands and buckets are checked by the consortium core, which names the field."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, StrictInt

_STRICT = ConfigDict(extra="forbid", frozen=True)
KeyId = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9._-]+$")


class ConsentBody(BaseModel):
    model_config = _STRICT

    key_id: str = KeyId
    pseudonym: str = Field(max_length=128)
    purpose: str = Field(max_length=32)
    on: date | None = None  # the date of the grant or revocation; today when omitted, never in the future


class ContributionBody(BaseModel):
    model_config = _STRICT

    key_id: str = KeyId
    pseudonym: str = Field(max_length=128)
    open_lines: StrictInt
    balance_band: str = Field(max_length=16)
    worst_bucket: str = Field(max_length=8)
    applications_30d: StrictInt
    as_of: date


class QueryBody(BaseModel):
    model_config = _STRICT

    purpose: str = Field(max_length=32)
    pseudonyms: dict[str, str] = Field(max_length=2)  # key_id -> pseudonym: the current key, and the previous one


class BatchQueryBody(BaseModel):
    """Several subjects for one purpose: each item is a single query's ``pseudonyms`` (at most 50, and at most the
    member's rate burst; ``entrypoints/consortium/batch.py``)."""

    model_config = _STRICT

    purpose: str = Field(max_length=32)
    subjects: list[dict[str, str]] = Field(min_length=1, max_length=50)
