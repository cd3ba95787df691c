"""Issue 15, measured: over random histories, time zones and daylight-saving dates, no contact the engine allows
or plans breaks a conduct rule, and the engine refuses exactly what the rules refuse.

A simulated dialer works through random steps on one case: time moves on (minutes to hours, across the
transition days of America/New_York, Europe/London and Australia/Lord_Howe, and Asia/Shanghai which has none),
requests come in for the debtor's numbers, a third party, or an unrelated person, by every channel; disputes,
complaints, opt-outs and agreed windows open and close. Each request is checked by the engine and by an
independent naive oracle (``conduct_oracle``, a re-scan of the whole history): their rule codes must be equal.
An allowed request is executed with a random outcome; a refused one with a ``next_allowed_at`` is executed at
that instant (a planned contact), where the oracle must find no broken rule either; the contact strategy's plan
(``plan_contact``) is checked the same way. At the end the whole history is audited day by day against the caps.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conduct_oracle import ANSWERED, World, broken_rules
from hypothesis import given, settings
from hypothesis import strategies as st

from creditloop.collections.conduct import ConductEngine
from creditloop.collections.conduct_history import AgreedWindow, ContactAttempt, ContactHistory, ContactRequest
from creditloop.collections.conduct_policy import ConductPolicy, conduct_policy
from creditloop.collections.contact_strategy import plan_contact
from creditloop.collections.scripts import SCRIPTS
from creditloop.collections.segments import default_collections_policy

# (zone, a local transition day in 2026 or none) - the run starts a little before it.
ZONE_DAYS = [
    ("America/New_York", datetime(2026, 3, 8)), ("America/New_York", datetime(2026, 11, 1)),
    ("Europe/London", datetime(2026, 3, 29)), ("Europe/London", datetime(2026, 10, 25)),
    ("Australia/Lord_Howe", datetime(2026, 4, 5)), ("Australia/Lord_Howe", datetime(2026, 10, 4)),
    ("Asia/Shanghai", datetime(2026, 3, 8)),
]  # fmt: skip
REQUESTS = [
    ContactRequest("d1", "debtor", "call"), ContactRequest("d2", "debtor", "call"),
    ContactRequest("d1", "debtor", "sms"), ContactRequest("d1", "debtor", "app"),
    ContactRequest("d1", "debtor", "letter"),
    ContactRequest("t1", "third_party", "call", "locate", discloses_debt=False),
    ContactRequest("t1", "third_party", "call", "locate", discloses_debt=True),
    ContactRequest("t1", "third_party", "sms", "collect", discloses_debt=False),
    ContactRequest("u1", "unrelated", "call", "locate", discloses_debt=False),
]  # fmt: skip
CALL_OUTCOMES = ["connected", "unanswered", "unanswered", "unanswered", "wrong_party", "refused"]

step = st.tuples(
    st.integers(0, 8 * 60),  # minutes to advance
    st.integers(0, len(REQUESTS) - 1),
    st.integers(0, len(CALL_OUTCOMES) - 1),
    st.integers(0, 40),  # < 6: a change of state (dispute, complaint, opt-out, agreed window)
    st.integers(0, 11),  # < 6: jump to the next local boundary time instead of advancing
)
BOUNDARIES = [time(7, 59), time(8, 0), time(20, 59), time(21, 0), time(21, 59), time(22, 0)]


def _next_wall(now: datetime, zone: ZoneInfo, wall: time) -> datetime:
    """The next instant after ``now`` whose local wall-clock time is ``wall`` (a day with none is skipped)."""
    day = now.astimezone(zone).date()
    for k in range(3):
        at = datetime.combine(day + timedelta(days=k), wall, tzinfo=zone).astimezone(UTC)
        if at > now and at.astimezone(zone).time() == wall:
            return at
    return now + timedelta(minutes=1)


def _policies() -> list[ConductPolicy]:
    cn, us = conduct_policy("cn"), conduct_policy("us")
    from dataclasses import replace

    return [cn, us, replace(cn, contact_interval_days=7, max_unanswered_calls_per_contact_per_day=2)]


POLICIES = _policies()
LADDERS = default_collections_policy()


def _change(kind: int, h: ContactHistory, w: World, n: int) -> None:
    if kind == 0:
        h.open_disputes.add(f"x{n}"), w.disputes.add(f"x{n}")
    elif kind == 1:
        h.open_disputes.clear(), w.disputes.clear()
    elif kind == 2:
        h.open_complaints.add(f"c{n}"), w.complaints.add(f"c{n}")
    elif kind == 3:
        h.open_complaints.clear(), w.complaints.clear()
    elif kind == 4:
        h.opt_out("d1", "sms"), w.opt_outs.add(("d1", "sms"))
    elif kind == 5:
        window = AgreedWindow("d2", time(22, 0), time(23, 30))
        h.agree(window), w.agreed.append(window)


def _execute(h: ContactHistory, w: World, r: ContactRequest, at: datetime, outcome: str, n: int) -> None:
    if r.channel != "call":
        outcome = "delivered"
    attempt = ContactAttempt(f"a{n}", r.contact_id, r.party, r.channel, at, outcome, agent=f"agency{n % 2}")
    h.add(attempt)
    w.attempts.append(attempt)


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from(range(len(ZONE_DAYS))),
    st.sampled_from(range(len(POLICIES))),
    st.integers(-3 * 24 * 60, 24 * 60),
    st.lists(step, min_size=1, max_size=160),
)
def test_no_allowed_or_planned_contact_breaks_a_rule(zone_i: int, policy_i: int, offset: int, steps: list) -> None:
    zone, day = ZONE_DAYS[zone_i]
    policy = POLICIES[policy_i]
    engine = ConductEngine(policy)
    h, w = ContactHistory(zone), World(zone)
    now = day.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC) + timedelta(minutes=offset)
    for n, (minutes, ri, oi, change, snap) in enumerate(steps):
        now = _next_wall(now, ZoneInfo(zone), BOUNDARIES[snap]) if snap < 6 else now + timedelta(minutes=minutes)
        if change < 6:
            _change(change, h, w, n)
        if change % 4 == 0:
            _check_plan(engine, policy, h, w, now, ("early", "late", "recovery")[oi % 3])
        r = REQUESTS[ri]
        d = engine.eligible(r, h, now)
        assert set(d.codes) == broken_rules(policy, w, r, now), (zone, now, r)
        assert d.allowed == (not d.codes)
        if d.allowed:
            _execute(h, w, r, now, CALL_OUTCOMES[oi], n)
        elif d.next_allowed_at is not None:
            assert d.next_allowed_at > now
            assert broken_rules(policy, w, r, d.next_allowed_at) == set(), (zone, d.next_allowed_at, r)
            now = d.next_allowed_at  # the planned contact happens
            _execute(h, w, r, now, CALL_OUTCOMES[oi], n)
    _audit(policy, w)


def _check_plan(engine: ConductEngine, policy: ConductPolicy, h: ContactHistory, w: World, now: datetime,
                segment: str) -> None:  # fmt: skip
    """The contact strategy's plan is a contact the oracle allows at the planned instant."""
    plan, _ = plan_contact(engine, LADDERS, segment, ("d1", "d2"), h, now)
    if plan is None:
        assert w.disputes or w.complaints or any(a.outcome == "refused" for a in w.attempts)
        return
    assert plan.at >= now
    r = ContactRequest(plan.contact_id, "debtor", plan.channel, "collect", SCRIPTS[plan.script_id].mentions_debt)
    assert broken_rules(policy, w, r, plan.at) == set(), (w.zone, plan)


def _audit(p: ConductPolicy, w: World) -> None:
    """The whole history against the caps, by local day: what a regulator's sample would check."""
    z = ZoneInfo(w.zone)
    calls = [a for a in w.attempts if a.channel == "call"]
    answered = Counter(a.at.astimezone(z).date() for a in calls if a.outcome in ANSWERED)
    if p.max_connected_calls_per_day is not None:
        assert max(answered.values(), default=0) <= p.max_connected_calls_per_day
    unanswered = Counter((a.contact_id, a.at.astimezone(z).date()) for a in calls if a.outcome not in ANSWERED)
    if p.max_unanswered_calls_per_contact_per_day is not None:
        assert max(unanswered.values(), default=0) <= p.max_unanswered_calls_per_contact_per_day
    for a in w.attempts:
        local = a.at.astimezone(z)
        if a.channel in p.hours_channels and not (p.allowed_from <= local.time() < p.allowed_until):
            assert any(g.contact_id == a.contact_id for g in w.agreed), (a, local)
        assert a.party != "unrelated"
    if p.rolling_call_window_days is not None:
        per_contact = Counter((a.contact_id, a.at.astimezone(z).date()) for a in calls)
        for (contact, day), _ in per_contact.items():
            window = sum(per_contact.get((contact, day - timedelta(days=k)), 0) for k in range(7))
            assert window <= (p.rolling_call_max or 0)
