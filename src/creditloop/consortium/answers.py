"""Thresholded answers: counts and bands about other members' lines, or one fixed "insufficient" answer.

Below ``min_members`` contributing members (the querying member never counts) the answer is the same object,
byte for byte, whether 0, 1 or min_members - 1 others contribute: an answer must not let a member learn that a
specific competitor lends to this person. Every query, refused ones included, leaves an audit record holding
the member, the purpose, a short prefix of the pseudonym and the answer kind; never an ID."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Final

from creditloop.consortium.bands import BALANCE_BANDS, band_named, band_of, worst_bucket
from creditloop.consortium.pseudonym import check_pseudonym
from creditloop.consortium.signals import PURPOSES, ConsentRefused, Registry
from creditloop.core.errors import ValidationError

ANSWER: Final = "answer"
INSUFFICIENT: Final = "insufficient"
REFUSED: Final = "refused"
PREFIX_CHARS: Final = 8  # 32 bits: enough to follow one query through logs, far too little to link people


@dataclass(frozen=True, slots=True)
class Policy:
    min_members: int = 3
    max_age_days: int = 35  # older contributions are stale: a month plus reporting lag

    def __post_init__(self) -> None:
        if self.min_members < 2:
            raise ValidationError("min_members must be at least 2", field="min_members")
        if self.max_age_days < 1:
            raise ValidationError("max_age_days must be at least 1", field="max_age_days")


@dataclass(frozen=True, slots=True)
class Answer:
    kind: str
    lenders_with_open_lines: int | None = None
    total_balance_band: str | None = None  # band of the sum of each contribution's band floor: "at least"
    worst_bucket: str | None = None
    applications_30d: int | None = None

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode()


INSUFFICIENT_ANSWER: Final = Answer(INSUFFICIENT)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    on: date
    member_id: str
    purpose: str
    pseudonym_prefix: str
    kind: str


@dataclass
class AuditLog:
    records: list[AuditRecord] = field(default_factory=list)

    def append(self, record: AuditRecord) -> None:
        self.records.append(record)


def query(
    registry: Registry,
    audit: AuditLog,
    member_id: str,
    purpose: str,
    pseudonyms: Mapping[str, str],
    on: date,
    policy: Policy | None = None,
) -> Answer:
    """Answer ``member_id``'s question about the person behind ``pseudonyms`` (key_id -> pseudonym).

    Raises ValidationError on a malformed request (nothing audited: no question was asked) and ConsentRefused
    when the subject's consent to this member for this purpose is not in force (audited as refused)."""
    registry.check_member(member_id)
    if purpose not in PURPOSES:
        raise ValidationError(f"purpose must be one of {', '.join(PURPOSES)}", field="purpose")
    if not pseudonyms:
        raise ValidationError("at least one pseudonym is required", field="pseudonyms")
    for value in pseudonyms.values():
        check_pseudonym(value)
    prefix = next(iter(pseudonyms.values()))[:PREFIX_CHARS]
    if not registry.consented(member_id, pseudonyms, purpose, on):
        audit.append(AuditRecord(on, member_id, purpose, prefix, REFUSED))
        raise ConsentRefused(f"no consent in force for purpose {purpose}", field="consent")
    policy = policy or Policy()
    oldest = on - timedelta(days=policy.max_age_days)
    others = [c for m, c in registry.contributions(pseudonyms, on).items() if m != member_id and c.as_of >= oldest]
    if len(others) < policy.min_members:
        answer = INSUFFICIENT_ANSWER
    else:
        floor = sum(band_named(c.balance_band).floor for c in others)
        answer = Answer(
            ANSWER,
            lenders_with_open_lines=sum(1 for c in others if c.open_lines > 0),
            total_balance_band=band_of(floor, BALANCE_BANDS).label,
            worst_bucket=worst_bucket([c.worst_bucket for c in others]),
            applications_30d=sum(c.applications_30d for c in others),
        )
    audit.append(AuditRecord(on, member_id, purpose, prefix, answer.kind))
    return answer
