"""An independent, naive reading of the conduct rules for the property tests: it re-scans the whole attempt list
for every question and works from the policy's numbers, sharing no code with ``collections.conduct`` beyond the
policy and the record types."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from creditloop.collections.conduct_history import AgreedWindow, ContactAttempt, ContactRequest
from creditloop.collections.conduct_policy import ConductPolicy

ANSWERED = ("connected", "refused", "wrong_party")


@dataclass
class World:
    zone: str
    attempts: list[ContactAttempt] = field(default_factory=list)
    disputes: set[str] = field(default_factory=set)
    complaints: set[str] = field(default_factory=set)
    opt_outs: set[tuple[str, str]] = field(default_factory=set)
    agreed: list[AgreedWindow] = field(default_factory=list)


def _in_window(wall: time, start: time, end: time) -> bool:
    return start <= wall < end if start < end else (wall >= start or wall < end)


def broken_rules(p: ConductPolicy, w: World, r: ContactRequest, now: datetime) -> set[str]:
    local = now.astimezone(ZoneInfo(w.zone))
    return _standing(p, w, r, local.date()) | _hours(p, w, r, local) | _calls(p, w, r, local.date())


def _ld(w: World, a: ContactAttempt) -> date:
    return a.at.astimezone(ZoneInfo(w.zone)).date()


def _standing(p: ConductPolicy, w: World, r: ContactRequest, day: date) -> set[str]:
    def ld(a: ContactAttempt) -> date:
        return _ld(w, a)

    codes: set[str] = set()
    if r.channel not in p.channels:
        codes.add("conduct.channel_not_allowed")
    if r.party == "unrelated":
        codes.add("conduct.unrelated_third_party")
    if r.party == "third_party":
        if r.purpose not in p.third_party_purposes:
            codes.add("conduct.third_party_purpose")
        if r.discloses_debt:
            codes.add("conduct.third_party_disclosure")
        window = {day - timedelta(days=k) for k in range(p.third_party_window_days)}
        debtor_calls = [a for a in w.attempts if a.party == "debtor" and a.channel == "call" and ld(a) in window]
        answered = any(a.outcome in ANSWERED for a in debtor_calls)
        later_answer = any(
            a.party == "debtor" and a.channel == "call" and a.outcome in ANSWERED and ld(a) > day for a in w.attempts
        )
        if answered or later_answer or len(debtor_calls) < p.third_party_unanswered:
            codes.add("conduct.third_party_debtor_reachable")
    if w.disputes:
        codes.add("conduct.dispute_open")
    if w.complaints:
        codes.add("conduct.complaint_open")
    if any(a.contact_id == r.contact_id and a.outcome == "refused" for a in w.attempts):
        codes.add("conduct.contact_refused")
    if (r.contact_id, r.channel) in w.opt_outs or (r.contact_id, "*") in w.opt_outs:
        codes.add("conduct.channel_opt_out")
    return codes


def _hours(p: ConductPolicy, w: World, r: ContactRequest, local: datetime) -> set[str]:
    codes: set[str] = set()
    if r.channel in p.hours_channels:
        wall = local.time()
        agreed = any(g.contact_id == r.contact_id and _in_window(wall, g.start, g.end) for g in w.agreed)
        if not _in_window(wall, p.allowed_from, p.allowed_until) and not agreed:
            codes.add("conduct.quiet_hours")
    return codes


def _calls(p: ConductPolicy, w: World, r: ContactRequest, day: date) -> set[str]:
    def ld(a: ContactAttempt) -> date:
        return _ld(w, a)

    codes: set[str] = set()
    calls = [a for a in w.attempts if a.channel == "call"]
    if r.channel == "call":
        answered_today = [a for a in calls if ld(a) == day and a.outcome in ANSWERED]
        if p.max_connected_calls_per_day is not None and len(answered_today) >= p.max_connected_calls_per_day:
            codes.add("conduct.connected_calls_daily_cap")
        mine = [a for a in calls if a.contact_id == r.contact_id]
        unanswered = [a for a in mine if ld(a) == day and a.outcome not in ANSWERED]
        cap = p.max_unanswered_calls_per_contact_per_day
        if cap is not None and len(unanswered) >= cap:
            codes.add("conduct.unanswered_calls_daily_cap")
        if p.rolling_call_window_days is not None:
            recent = [a for a in mine if 0 <= (day - ld(a)).days < p.rolling_call_window_days]
            if len(recent) >= (p.rolling_call_max or 0):
                codes.add("conduct.call_frequency_rolling")
        if p.after_conversation_days is not None:
            talks = [ld(a) for a in mine if a.outcome in ANSWERED]
            if talks and (day - max(talks)).days < p.after_conversation_days:
                codes.add("conduct.after_conversation")
    if p.contact_interval_days is not None and r.party == "debtor":
        reached = [
            ld(a) for a in w.attempts
            if a.party == "debtor" and (a.outcome in ANSWERED if a.channel == "call" else a.outcome == "delivered")
        ]  # fmt: skip
        if reached and (day - max(reached)).days < p.contact_interval_days:
            codes.add("conduct.contact_interval")
    return codes
