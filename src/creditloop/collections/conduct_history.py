"""What the conduct engine counts, indexed once per case (issue 15): a customer's executed contact attempts by
local day, plus the standing facts that block contact (open disputes and complaints, contacts who refused,
opt-outs) and the contact windows the customer agreed to.

Counts are kept by the **local date in the customer's zone**, so a daylight-saving day (23 or 25 hours) is one
day, as the rules say. ``add`` keeps the indexes current as attempts are recorded; a check then costs a few
dictionary reads instead of a scan of the whole history (``bench/bench_conduct.py`` measures both).
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from creditloop.collections.conduct_policy import ANSWERED, CHANNELS, OUTCOMES, PARTIES, PURPOSES
from creditloop.core.errors import ValidationError

ALL = "*"  # an opt-out of every channel


def zone_of(name: str) -> ZoneInfo:
    """The customer's IANA zone; an unknown or malformed name is a ValidationError naming ``zone``."""
    if not isinstance(name, str) or not name or name != name.strip():
        raise ValidationError(f"zone must be an IANA time zone such as Asia/Shanghai, got {name!r}", field="zone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"zone: unknown IANA time zone {name!r}", field="zone") from None


def aware(at: datetime, field: str = "at") -> datetime:
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise ValidationError(f"{field} must be an aware instant (with a UTC offset)", field=field)
    return at


def _check(value: str, allowed: tuple[str, ...], field: str) -> None:
    if value not in allowed:
        raise ValidationError(f"{field} must be one of {', '.join(allowed)}, got {value!r}", field=field)


@dataclass(frozen=True, slots=True)
class ContactRequest:
    """A contact someone wants to make: whom (a contact id: one phone number, address or app account), in which
    role, by which channel, for what, and whether the script to be used mentions the debt."""

    contact_id: str
    party: str = "debtor"  # debtor | third_party (a contact the debtor gave) | unrelated
    channel: str = "call"  # sms | app | call | letter
    purpose: str = "collect"  # collect | locate
    discloses_debt: bool = True  # a debtor script does; scripts.py says which scripts do

    def __post_init__(self) -> None:
        if not isinstance(self.contact_id, str) or not self.contact_id.strip():
            raise ValidationError("contact_id must be a non-empty id", field="contact_id")
        _check(self.party, PARTIES, "party")
        _check(self.channel, CHANNELS, "channel")
        _check(self.purpose, PURPOSES, "purpose")


@dataclass(frozen=True, slots=True)
class ContactAttempt:
    """An executed contact attempt (what the engine allowed and the agent then did), lender's or agency's."""

    attempt_id: str
    contact_id: str
    party: str
    channel: str
    at: datetime  # aware instant
    outcome: str  # connected | unanswered | delivered | refused | wrong_party
    agent: str = "lender"  # the lender or an agency's id: the daily caps count them together

    def __post_init__(self) -> None:
        _check(self.party, PARTIES, "party")
        _check(self.channel, CHANNELS, "channel")
        _check(self.outcome, OUTCOMES, "outcome")
        aware(self.at)
        if self.outcome == "delivered" and self.channel == "call":
            raise ValidationError("a call is connected, unanswered, refused or wrong_party", field="outcome")
        if self.outcome != "delivered" and self.channel != "call" and self.outcome != "refused":
            raise ValidationError(f"a {self.channel} is delivered or refused, got {self.outcome!r}", field="outcome")


@dataclass(frozen=True, slots=True)
class AgreedWindow:
    """Local hours a contact agreed to in advance (it may cross midnight: 22:00-23:30, 21:00-01:00)."""

    contact_id: str
    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ValidationError("an agreed window must not be empty", field="window")

    def covers(self, wall: time) -> bool:
        if self.start < self.end:
            return self.start <= wall < self.end
        return wall >= self.start or wall < self.end


class ContactHistory:
    """One case's history, indexed for the checks. Not thread-safe; one per case."""

    __slots__ = (
        "agreed", "answered_per_day", "attempts", "call_days", "debtor_answered_on", "debtor_unanswered",
        "last_contact_on", "last_conversation", "open_complaints", "open_disputes", "opt_outs", "refused",
        "unanswered", "zone", "zone_name",
    )  # fmt: skip

    def __init__(self, zone: str, attempts: Iterable[ContactAttempt] = ()) -> None:
        self.zone_name = zone
        self.zone = zone_of(zone)
        self.attempts: list[ContactAttempt] = []
        self.answered_per_day: dict[date, int] = {}  # answered calls of the case per local day (any contact)
        self.unanswered: dict[tuple[str, date], int] = {}  # per contact and local day
        self.call_days: dict[str, list[int]] = {}  # per contact, the local day ordinal of each call, sorted
        self.last_conversation: dict[str, date] = {}  # per contact: local day of the last answered call
        self.last_contact_on: date | None = None  # the debtor last reached (answered call or delivered message)
        self.debtor_unanswered: dict[date, int] = {}
        self.debtor_answered_on: date | None = None
        self.open_disputes: set[str] = set()
        self.open_complaints: set[str] = set()
        self.refused: set[str] = set()  # contacts who asked not to be contacted again
        self.opt_outs: set[tuple[str, str]] = set()  # (contact id, channel or ALL)
        self.agreed: dict[str, tuple[AgreedWindow, ...]] = {}
        for attempt in attempts:
            self.add(attempt)

    def local_day(self, at: datetime) -> date:
        return at.astimezone(self.zone).date()

    def add(self, a: ContactAttempt) -> None:
        """Count an executed attempt (the engine allowed it; the outcome is what happened)."""
        day = a.at.astimezone(self.zone).date()
        self.attempts.append(a)
        if a.outcome == "refused":
            self.refused.add(a.contact_id)
        debtor = a.party == "debtor"
        if a.channel != "call":
            if debtor and a.outcome == "delivered":
                self.last_contact_on = _later(self.last_contact_on, day)
            return
        key = (a.contact_id, day)
        insort(self.call_days.setdefault(a.contact_id, []), day.toordinal())  # rolling windows count by bisection
        if a.outcome in ANSWERED:
            self.answered_per_day[day] = self.answered_per_day.get(day, 0) + 1
            self.last_conversation[a.contact_id] = _later(self.last_conversation.get(a.contact_id), day)
            if debtor:
                self.debtor_answered_on = _later(self.debtor_answered_on, day)
                self.last_contact_on = _later(self.last_contact_on, day)
        else:
            self.unanswered[key] = self.unanswered.get(key, 0) + 1
            if debtor:
                self.debtor_unanswered[day] = self.debtor_unanswered.get(day, 0) + 1

    def agree(self, window: AgreedWindow) -> None:
        self.agreed[window.contact_id] = (*self.agreed.get(window.contact_id, ()), window)

    def opt_out(self, contact_id: str, channel: str = ALL) -> None:
        if channel != ALL:
            _check(channel, CHANNELS, "channel")
        self.opt_outs.add((contact_id, channel))


def _later(known: date | None, day: date) -> date:
    return day if known is None or day > known else known
