"""The collection conduct engine (issue 15): may this contact happen at this instant? Pure policy, no I/O.

``ConductEngine(policy).eligible(request, history, now)`` answers with a ``Decision``: allowed or not, every rule
code that refused it, and the earliest instant the same request would be allowed as the history stands (None
when only a change of state can allow it: a dispute closed, an opt-out withdrawn, a refusal, which never lapses).

Time is the customer's: ``now`` (an aware instant) is turned into the wall-clock time of the customer's IANA zone,
and the contact hours are wall-clock times. An instant has exactly one wall-clock time, so a daylight-saving
change cannot open a loophole: in a spring gap no instant shows the missing times, and in an autumn overlap both
occurrences of a repeated time show that same time and are judged alike. Counts are per local date
(``conduct_history``), so a 23- or 25-hour day is one day. Rule codes are stable strings (``RULES``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from creditloop.collections.conduct_history import ContactHistory, ContactRequest, aware
from creditloop.collections.conduct_policy import ConductPolicy

QUIET_HOURS = "conduct.quiet_hours"
CONNECTED_CAP = "conduct.connected_calls_daily_cap"
UNANSWERED_CAP = "conduct.unanswered_calls_daily_cap"
ROLLING_CAP = "conduct.call_frequency_rolling"
AFTER_CONVERSATION = "conduct.after_conversation"
CONTACT_INTERVAL = "conduct.contact_interval"
CHANNEL_NOT_ALLOWED = "conduct.channel_not_allowed"
UNRELATED = "conduct.unrelated_third_party"
THIRD_PARTY_PURPOSE = "conduct.third_party_purpose"
THIRD_PARTY_DISCLOSURE = "conduct.third_party_disclosure"
DEBTOR_REACHABLE = "conduct.third_party_debtor_reachable"
DISPUTE_OPEN = "conduct.dispute_open"
COMPLAINT_OPEN = "conduct.complaint_open"
CONTACT_REFUSED = "conduct.contact_refused"
OPTED_OUT = "conduct.channel_opt_out"

RULES: dict[str, str] = {
    QUIET_HOURS: "outside the contact hours in the customer's local time (unless a window was agreed)",
    CONNECTED_CAP: "the case already had the day's maximum of answered calls (lender and agencies combined)",
    UNANSWERED_CAP: "the contact already had the day's maximum of unanswered call attempts",
    ROLLING_CAP: "the contact already had the maximum of calls within the rolling window of days",
    AFTER_CONVERSATION: "a telephone conversation with the contact took place within the last days",
    CONTACT_INTERVAL: "the debtor was reached within the minimum interval between collections",
    CHANNEL_NOT_ALLOWED: "the policy does not allow this channel",
    UNRELATED: "an unrelated third party is never contacted",
    THIRD_PARTY_PURPOSE: "a third party may only be contacted to locate the debtor",
    THIRD_PARTY_DISCLOSURE: "a third party must never be told of the debt",
    DEBTOR_REACHABLE: "a third party may only be contacted once the debtor is unreachable",
    DISPUTE_OPEN: "a dispute is open: no collection contact until it is closed",
    COMPLAINT_OPEN: "a complaint is open: no collection contact until it is closed",
    CONTACT_REFUSED: "the contact asked not to be contacted again",
    OPTED_OUT: "the contact opted out of this channel",
}
_MIDNIGHT = time(0)
_MAX_STEPS = 64  # each step moves past one blocking rule; a handful suffice


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    codes: tuple[str, ...]  # every rule that refused (empty when allowed)
    next_allowed_at: datetime | None  # ``now`` when allowed; None: only a change of state can allow it
    local_at: datetime  # ``now`` in the customer's zone (what the audit shows)


class ConductEngine:
    """Evaluates one policy. Cheap to build; keep one per policy."""

    def __init__(self, policy: ConductPolicy) -> None:
        self.policy = policy
        p = policy
        self._from, self._until = p.allowed_from, p.allowed_until
        self._hours = p.hours_channels
        self._channels = frozenset(p.channels)
        self._third = p.third_party_purposes
        self._rolling_days = p.rolling_call_window_days or 0
        self._unreachable_days = p.third_party_window_days

    def eligible(self, request: ContactRequest, history: ContactHistory, now: datetime) -> Decision:
        aware(now, "now")
        local = now.astimezone(history.zone)
        standing = self._standing(request, history, local.date())
        timed = self._timed(request, history, local)
        if not standing and not timed:
            return Decision(True, (), now, local)
        after = None if standing else self._next(request, history, now)
        return Decision(False, standing + timed, after, local)

    # ------------------------------------------------------------------ rules that time alone does not lift

    def _standing(self, r: ContactRequest, h: ContactHistory, day: date) -> tuple[str, ...]:
        codes: list[str] = []
        if r.channel not in self._channels:
            codes.append(CHANNEL_NOT_ALLOWED)
        if r.party == "unrelated":
            codes.append(UNRELATED)
        elif r.party == "third_party":
            if r.purpose not in self._third:
                codes.append(THIRD_PARTY_PURPOSE)
            if r.discloses_debt:
                codes.append(THIRD_PARTY_DISCLOSURE)
            if not self._debtor_unreachable(h, day):
                codes.append(DEBTOR_REACHABLE)
        if h.open_disputes:
            codes.append(DISPUTE_OPEN)
        if h.open_complaints:
            codes.append(COMPLAINT_OPEN)
        if r.contact_id in h.refused:
            codes.append(CONTACT_REFUSED)
        if h.opt_outs and ((r.contact_id, r.channel) in h.opt_outs or (r.contact_id, "*") in h.opt_outs):
            codes.append(OPTED_OUT)
        return tuple(codes)

    def _debtor_unreachable(self, h: ContactHistory, day: date) -> bool:
        """Unanswered calls to the debtor in the window reach the policy's count and none was answered."""
        first = day - timedelta(days=self._unreachable_days - 1)
        if h.debtor_answered_on is not None and h.debtor_answered_on >= first:
            return False
        n = sum(h.debtor_unanswered.get(first + timedelta(days=k), 0) for k in range(self._unreachable_days))
        return n >= self.policy.third_party_unanswered

    # ------------------------------------------------------------------ rules that lift with time

    def _timed(self, r: ContactRequest, h: ContactHistory, local: datetime) -> tuple[str, ...]:
        codes: tuple[str, ...] = ()
        if r.channel in self._hours:
            wall = local.time()
            if not (self._from <= wall < self._until) and not _agreed(h, r.contact_id, wall):
                codes = (QUIET_HOURS,)
        p = self.policy
        day = local.date()
        if r.channel == "call":
            if p.max_connected_calls_per_day is not None and h.answered_per_day.get(day, 0) >= (
                p.max_connected_calls_per_day
            ):
                codes = (*codes, CONNECTED_CAP)
            cap = p.max_unanswered_calls_per_contact_per_day
            if cap is not None and h.unanswered.get((r.contact_id, day), 0) >= cap:
                codes = (*codes, UNANSWERED_CAP)
            if self._rolling_days and self._rolling_calls(h, r.contact_id, day) >= (p.rolling_call_max or 0):
                codes = (*codes, ROLLING_CAP)
            last = h.last_conversation.get(r.contact_id)
            if (
                p.after_conversation_days is not None
                and last is not None
                and (day - last).days < (p.after_conversation_days)
            ):
                codes = (*codes, AFTER_CONVERSATION)
        interval = p.contact_interval_days
        last_reached = h.last_contact_on if r.party == "debtor" else None
        if interval is not None and last_reached is not None and (day - last_reached).days < interval:
            codes = (*codes, CONTACT_INTERVAL)
        return codes

    def _rolling_calls(self, h: ContactHistory, contact_id: str, day: date) -> int:
        """Calls to the contact on the ``rolling_call_window_days`` local days ending with ``day``."""
        days = h.call_days.get(contact_id)
        if not days:
            return 0
        last = day.toordinal()
        return bisect_right(days, last) - bisect_left(days, last - self._rolling_days + 1)

    # ------------------------------------------------------------------ the earliest allowed instant

    def _next(self, r: ContactRequest, h: ContactHistory, now: datetime) -> datetime | None:
        """Step past the blocking rules until none blocks; each step re-checks at the real local time, so an
        instant found across a daylight-saving change is judged as any other."""
        t = now
        for _ in range(_MAX_STEPS):
            local = t.astimezone(h.zone)
            if self._standing(r, h, local.date()):
                return None
            timed = self._timed(r, h, local)
            if not timed:
                return t
            later = max(self._release(code, r, h, local) for code in timed)
            t = later if later > t else t + timedelta(minutes=1)
        return None

    def _release(self, code: str, r: ContactRequest, h: ContactHistory, local: datetime) -> datetime:
        day = local.date()
        if code == QUIET_HOURS:
            opens = day if local.time() < self._from else day + timedelta(days=1)
            return _instant(h, opens, self._from)
        if code in (CONNECTED_CAP, UNANSWERED_CAP):
            return _instant(h, day + timedelta(days=1), _MIDNIGHT)
        if code == ROLLING_CAP:
            k = 1
            while k < 400 and self._rolling_calls(h, r.contact_id, day + timedelta(days=k)) >= (
                self.policy.rolling_call_max or 0
            ):
                k += 1
            return _instant(h, day + timedelta(days=k), _MIDNIGHT)
        if code == AFTER_CONVERSATION:
            last = h.last_conversation[r.contact_id]
            return _instant(h, last + timedelta(days=self.policy.after_conversation_days or 0), _MIDNIGHT)
        last_contact = h.last_contact_on or day  # CONTACT_INTERVAL
        return _instant(h, last_contact + timedelta(days=self.policy.contact_interval_days or 0), _MIDNIGHT)


def _agreed(h: ContactHistory, contact_id: str, wall: time) -> bool:
    windows = h.agreed.get(contact_id) if h.agreed else None
    return windows is not None and any(w.covers(wall) for w in windows)


def _instant(h: ContactHistory, day: date, wall: time) -> datetime:
    """The UTC instant of a local wall-clock time. A time skipped by a spring gap resolves (fold 0, the offset
    before the change) to the instant after the gap; the caller re-checks it at its real local time anyway."""
    return datetime.combine(day, wall, tzinfo=h.zone).astimezone(UTC)
