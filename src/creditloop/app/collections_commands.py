"""Commands of collections (issue 15): cases, contact attempts under the conduct rules, plans, promises to pay,
disputes and complaints, contact preferences and the retention purge. Plain immutable data; instants are aware
``datetime`` (``*at``), business dates ``date`` (``*_on``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class OpenCollectionCase:
    """Open (or update) the collections case of a line: the customer's IANA zone, the conduct jurisdiction and the
    opaque contact ids of the debtor and of the third parties the debtor gave (no numbers, no names)."""

    line_id: str
    zone: str
    on: date
    debtor_contacts: tuple[str, ...]
    third_parties: tuple[str, ...] = ()
    jurisdiction: str = "cn"


@dataclass(frozen=True, slots=True)
class RecordContactAttempt:
    """A contact attempt at ``at``: the conduct engine decides; allowed, it is recorded with its ``outcome``;
    refused, it is recorded as refused with the rule codes (no contact happened) and the result says so."""

    attempt_id: str
    line_id: str
    contact_id: str
    channel: str
    at: datetime
    outcome: str
    purpose: str = "collect"
    agent: str = "lender"
    script: str | None = None  # a script id of ``collections.scripts``; None: the default for party and channel


@dataclass(frozen=True, slots=True)
class PlanContact:
    """Ask the contact-strategy engine for the next channel and time the conduct rules allow (audited)."""

    plan_id: str
    line_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class RecordPromiseToPay:
    promise_id: str
    line_id: str
    amount_minor: int
    made_on: date
    due_on: date


@dataclass(frozen=True, slots=True)
class SettlePromises:
    """Day-end: every open promise made on or before ``on`` becomes kept or broken (``collections.ptp``)."""

    on: date


@dataclass(frozen=True, slots=True)
class OpenDispute:
    dispute_id: str
    line_id: str
    kind: str  # dispute | complaint
    at: datetime


@dataclass(frozen=True, slots=True)
class CloseDispute:
    dispute_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class SetContactPreference:
    """An opt-out of a channel (or of all: ``*``), an agreed contact window (``HH:MM-HH:MM`` local), or the
    withdrawal of an earlier preference (``withdraws`` names it)."""

    preference_id: str
    line_id: str
    contact_id: str
    kind: str  # opt_out | agreed_window | withdraw
    at: datetime
    channel: str = "*"
    window: str | None = None
    withdraws: str | None = None


@dataclass(frozen=True, slots=True)
class PurgeContactRecords:
    """Delete contact records past their policy's retention (at least two years), never a younger one."""

    now: datetime
