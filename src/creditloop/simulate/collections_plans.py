"""Collection strategies the simulator can run (issue 15 item 5), and the customer side of a contact.

A plan says which days a delinquent case is worked, with which contact ladder, and how many further call attempts
the lender's dialer makes. Every contact goes through the app's commands (``PlanContact``, then
``RecordContactAttempt``: the conduct engine decides at dial time, on the customer's local clock).

- ``standard``: the packaged ladder (``collections_v1.json``: early SMS -> app -> call -> letter, late call first,
  recovery letter first) planned once on each working day of the case: DPD 1, 2, 3, 5, 7, 10, 14, then weekly.
- ``intensive``: call first in every segment, worked every day to 90 DPD (weekly after), and while no call has
  connected that day the dialer calls again at 12:00, 16:00 and 21:30 on the lender's clock (Asia/Shanghai),
  whatever the customer's own time: the conduct engine refuses those the rules forbid.

Customer contact profile and response model: assumptions, fixed before measuring (docs/simulation.md, "Collections
in the simulator"). Nothing here is fitted to data.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import time
from zoneinfo import ZoneInfo

from creditloop.collections.segments import CollectionsPolicy, default_collections_policy

LENDER_ZONE = ZoneInfo("Asia/Shanghai")  # the lender's clock: its business dates and its dialer
PLAN_AT = time(9, 0)  # the day's planning run, lender time
# Where customers live: most on Beijing time; some in Xinjiang keep Urumqi time (UTC+6), a few work abroad (Tokyo,
# UTC+9). Percent of customers; an assumption for exercising the local-time rule, not a measured distribution.
ZONES: tuple[tuple[str, int], ...] = (("Asia/Shanghai", 95), ("Asia/Urumqi", 3), ("Asia/Tokyo", 2))
CALL_OPT_OUT_PCT = 5  # customers who opted out of calls before their case opened (they are texted instead)
# Response: a call attempt reaches the debtor with CONNECT; a reached debtor (call connected, message delivered)
# answers by ``behaviour.reminder_response`` with RESPONSE[channel] in place of REMINDER_RESPONSE (0.6, the
# day-after-due reminder), so a live conversation does most, a letter least.
CONNECT = 0.35
RESPONSE: dict[str, float] = {"call": 0.5, "sms": 0.15, "app": 0.15, "letter": 0.1}
# A reached debtor on the phone who will not pay now still promises with FALSE_PROMISE x willingness (a broken
# promise to pay), and asks not to be called again with STOP_CALLS (an opt-out of calls, from then on).
FALSE_PROMISE = 0.3
STOP_CALLS = 0.03
PROMISE_DAYS = 5  # a promise without a payment is due this many days after it was made
MAX_WORK_DPD = 180  # past this (or charged off) the case leaves the simulated collections


def _weekly(start: int) -> frozenset[int]:
    return frozenset(range(start, MAX_WORK_DPD + 1, 7))


@dataclass(frozen=True, slots=True)
class CollectionsPlan:
    name: str
    policy: CollectionsPolicy
    work_dpd: frozenset[int]  # days past due on which a case is worked
    follow_ups: tuple[time, ...] = ()  # further call attempts, lender time, while no call connected that day

    def works(self, dpd: int) -> bool:
        return dpd in self.work_dpd


def _call_first(policy: CollectionsPolicy) -> CollectionsPolicy:
    ladders = {"early": ("call", "sms", "app", "letter"), "late": ("call", "sms", "app", "letter"),
               "recovery": ("call", "letter")}  # fmt: skip
    return replace(
        policy, policy_id="collections_intensive", ladders=ladders, wait_hours={**policy.wait_hours, "call": 2}
    )


def collections_plan(name: str) -> CollectionsPlan:
    policy = default_collections_policy()
    if name == "standard":
        return CollectionsPlan("standard", policy, frozenset({1, 2, 3, 5, 7, 10, 14}) | _weekly(21))
    if name == "intensive":
        days = frozenset(range(1, 91)) | _weekly(91)
        return CollectionsPlan("intensive", _call_first(policy), days, (time(12, 0), time(16, 0), time(21, 30)))
    raise ValueError(f"unknown collections plan {name!r}")


COLLECTIONS_PLANS = ("standard", "intensive")


def _pct(customer_id: str, salt: str) -> int:
    """A stable 0..99 draw from the customer id: the profile never touches a random stream."""
    return int.from_bytes(hashlib.sha256(f"{salt}|{customer_id}".encode()).digest()[:4], "big") % 100


def zone_for(customer_id: str) -> str:
    u, acc = _pct(customer_id, "zone"), 0
    for zone, pct in ZONES:
        acc += pct
        if u < acc:
            return zone
    return ZONES[0][0]


def opted_out_of_calls(customer_id: str) -> bool:
    return _pct(customer_id, "call-opt-out") < CALL_OPT_OUT_PCT
