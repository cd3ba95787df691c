"""The contact-strategy engine (issue 15): the next channel and time for a case, always one the conduct
engine allows.

The segment's ladder (``collections_v1.json``: early SMS -> app -> call -> letter, late call first, recovery
letter first) is walked in order; a channel used within its wait (``wait_hours``) without an answer is passed
over, so contact escalates. For each candidate channel and debtor contact the conduct engine gives the
earliest allowed instant; the plan is the first channel of the ladder allowed within ``plan_within_hours``
(after a quiet night the morning SMS, not a letter posted at midnight), else the earliest of them. Nothing is
planned when every channel is blocked by a standing rule (dispute, complaint, opt-out, refusal).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from creditloop.collections.conduct import ConductEngine
from creditloop.collections.conduct_history import ContactHistory, ContactRequest
from creditloop.collections.scripts import script_for
from creditloop.collections.segments import CollectionsPolicy


@dataclass(frozen=True, slots=True)
class Plan:
    channel: str
    contact_id: str
    at: datetime  # when the conduct engine allows it (now, or the next allowed instant)
    script_id: str
    passed_over: tuple[str, ...]  # ladder channels skipped, with why: "sms:waiting", "call:conduct.dispute_open"


def _recently_used(h: ContactHistory, channel: str, now: datetime, hours: int) -> bool:
    since = now - timedelta(hours=hours)
    return any(a.channel == channel and a.party == "debtor" and since <= a.at <= now for a in reversed(h.attempts))


def plan_contact(
    engine: ConductEngine, policy: CollectionsPolicy, segment: str, contacts: Sequence[str], h: ContactHistory,
    now: datetime,
) -> tuple[Plan | None, tuple[str, ...]]:  # fmt: skip
    """The plan (or None) and the channels passed over with the reason."""
    ladder = policy.ladders.get(segment, policy.ladders["early"])
    passed: list[str] = []
    fresh = [c for c in ladder if not _recently_used(h, c, now, policy.wait_hours[c])]
    passed.extend(f"{c}:waiting" for c in ladder if c not in fresh)
    best: tuple[datetime, int, str, str] | None = None
    soon = now + timedelta(hours=policy.plan_within_hours)
    for rank, channel in enumerate(fresh or ladder):
        if best is not None and best[0] <= soon:
            break  # an earlier rung of the ladder is allowed soon enough
        for contact in contacts:
            script = script_for("debtor", channel)
            d = engine.eligible(ContactRequest(contact, "debtor", channel, "collect", script.mentions_debt), h, now)
            if d.next_allowed_at is None:
                passed.append(f"{channel}:{'+'.join(d.codes)}")
                continue
            if best is None or (d.next_allowed_at, rank) < (best[0], best[1]):
                best = (d.next_allowed_at, rank, channel, contact)
    if best is None:
        return None, tuple(passed)
    at, _, channel, contact = best
    plan = Plan(channel, contact, at, script_for("debtor", channel).script_id, tuple(passed))
    return plan, tuple(passed)
