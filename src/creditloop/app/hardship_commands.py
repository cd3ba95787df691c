"""Commands of the hardship workflow (issue 15): request, options, accept, track. Plain immutable data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class SubmitHardshipRequest:
    """A hardship request from the customer or an agent. ``text`` is used and stored only when ``consent``; without
    consent it is dropped unread. A dispute or fraud claim is recorded and routed out of the hardship path."""

    request_id: str
    line_id: str
    on: date
    channel: str  # customer | agent
    category: str  # collections.hardship_requests.CATEGORIES
    monthly_income_minor: int
    monthly_expenses_minor: int
    consent: bool
    text: str | None = None
    lang: str = "zh"


@dataclass(frozen=True, slots=True)
class GenerateHardshipOptions:
    """Preview every option of the policy on the request's line, value and rank them, and store the offer."""

    request_id: str
    on: date


@dataclass(frozen=True, slots=True)
class AcceptHardshipOption:
    """Accept one offered option: checked against the approving role's authority, then applied through the
    ``Restructure`` command and tracked as a plan (``plan_id`` derived from the request and the option)."""

    request_id: str
    option_id: str
    role: str  # agent | team_lead | manager | risk
    on: date


@dataclass(frozen=True, slots=True)
class TrackHardshipPlans:
    """Compare payments with the schedule of every active plan (or of ``plan``) as of ``on``; apply the
    broken-plan rule. ``after`` (a plan id) and ``limit`` track one batch of the active plans in plan id order (the
    API's pages); re-tracking a plan on the same day changes nothing, so a batch can be retried."""

    on: date
    plan: str | None = None
    after: str | None = None
    limit: int | None = None
