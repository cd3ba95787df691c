"""Lender strategies the simulator can run: the plug points and the named strategies to compare.

A ``Strategy`` holds the lender's decisions, never the customers': which origination policy decides
applications, how limits are managed, what is done with early-warning alerts, whether late payers get a
reminder the day after the due date, and whether hardship plans are offered. Everything a strategy decides is
sent through the message bus (``SubmitApplication`` under the strategy's policy, ``ChangeLine`` for limit
changes and freezes, ``RequestHardship``), so it is audited like any production decision.

Custom strategies: build a ``Strategy`` with any ``LimitReviewer`` callable (``LineReview`` in,
``LimitAction | None`` out) and pass it in ``SimConfig(strategy=...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal, get_args

from creditloop.core.errors import ValidationError
from creditloop.monitoring.alert_rules import packaged_alert_rules
from creditloop.simulate.collections_plans import COLLECTIONS_PLANS
from creditloop.simulate.impulse import CHECKOUT_PLANS
from creditloop.simulate.learning import LearningPlan
from creditloop.strategy.limit_management import LimitAction, LimitRule, LineReview, review
from creditloop.strategy.origination import OriginationPolicy, packaged_policy
from creditloop.strategy.underwriting_policy import packaged_underwriting_policy

LimitReviewer = Callable[[LineReview], LimitAction | None]
EwiAction = Literal["record", "remind", "cut", "freeze", "hardship"]
# "single-rule": the payment-ratio drop job (jobs/early_warning.py) the day after the due date; "behaviour-v1": the
# issue 14 rules (monitoring/alert_rules/ewi_v1.json) on an online behaviour state per line at each month end.
EwiPolicy = Literal["single-rule", "behaviour-v1"]
EWI_POLICIES: tuple[str, ...] = get_args(EwiPolicy)
DecisionPath = Literal["scored", "rules"]
# "term-extension": the old one-step ``RequestHardship`` (a term extension, accepted or not); "workflow": the issue 15
# request -> options -> accept -> track commands (simulate/hardship_flow.py).
HardshipPath = Literal["term-extension", "workflow"]
HARDSHIP_PATHS: tuple[str, ...] = get_args(HardshipPath)
EWI_ACTIONS: tuple[str, ...] = get_args(EwiAction)
EWI_CUT_BPS = 5_000  # an alert under the "cut" action halves the unused limit


@dataclass(frozen=True, slots=True)
class Strategy:
    name: str
    description: str = ""
    origination: OriginationPolicy | None = None  # None: the policy the system was built with
    limit_rule: LimitRule | None = None  # periodic limit review (None: limits never change)
    limit_reviewer: LimitReviewer | None = None  # custom review code; takes precedence over limit_rule
    ewi_action: EwiAction = "record"  # what to do with an early-warning alert
    ewi_policy: EwiPolicy = "single-rule"  # which early warning raises the alerts
    ewi_model: str | None = None  # behaviour-v1: a behaviour-score file (`ewi score fit`) for the score rule
    # behaviour-v1: a packaged rule set by id or id@version (``alert_rules.PACKAGED_VERSIONS``, e.g. "ewi@2" with
    # its alert budget); None: the packaged default (ewi@1).
    ewi_rules: str | None = None
    reminders: bool = True  # remind lines that missed the due date, on the day after it
    hardship_outreach: bool = True  # offer term extensions at all
    hardship_outreach_dpd: int = 31  # contact customers once they are this far behind
    hardship_path: HardshipPath = "term-extension"  # the old outputs stay byte-identical; the A/B uses "workflow"
    collections: str | None = None  # a collections plan (simulate/collections_plans.py); None: no collections cases
    # Issue #13: fit a scorecard on the first cohorts and deploy it (simulate/learning.py); None: never learns.
    learning: LearningPlan | None = None
    # "scored": DecideApplication with the whole form (checks, model, limits, arm); "rules": the issue #1 rule
    # policy on the self-declared fields (SubmitApplication), today's policy the scored one is compared with.
    decision: DecisionPath = "scored"
    # One scored underwriting policy for every application (an UnderwritingPolicy, e.g. with other PD cut-offs for
    # a loss-approval frontier); None: the packaged champion/challenger arms.
    underwriting_policy: Any = None
    # Issue 16: impulse buyers and the checkout nudge (simulate/impulse.py CHECKOUT_PLANS); None: neither (as always).
    checkout: str | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ValidationError("a strategy needs a name", field="strategy")
        if self.ewi_action not in EWI_ACTIONS:
            raise ValidationError(
                f"ewi_action must be one of {', '.join(EWI_ACTIONS)}, got {self.ewi_action!r}", field="ewi_action"
            )
        if self.ewi_policy not in EWI_POLICIES:
            raise ValidationError(
                f"ewi_policy must be one of {', '.join(EWI_POLICIES)}, got {self.ewi_policy!r}", field="ewi_policy"
            )
        if self.ewi_action == "hardship" and self.ewi_policy != "behaviour-v1":
            raise ValidationError("an early hardship offer follows the behaviour-v1 alerts", field="ewi_action")
        if self.ewi_rules is not None:
            try:
                packaged_alert_rules(self.ewi_rules)
            except ValidationError as exc:
                raise ValidationError(exc.message, field="ewi_rules") from None
        if self.decision not in ("scored", "rules"):
            raise ValidationError(f"decision must be scored or rules, got {self.decision!r}", field="decision")
        if self.learning is not None and self.decision != "scored":
            raise ValidationError("a learning lender decides with the scored underwriting", field="decision")
        if self.hardship_path not in HARDSHIP_PATHS:
            raise ValidationError(
                f"hardship_path must be one of {', '.join(HARDSHIP_PATHS)}, got {self.hardship_path!r}",
                field="hardship_path",
            )
        if self.collections is not None and self.collections not in COLLECTIONS_PLANS:
            raise ValidationError(
                f"collections must be one of {', '.join(COLLECTIONS_PLANS)}, got {self.collections!r}",
                field="collections",
            )
        if self.checkout is not None and self.checkout not in CHECKOUT_PLANS:
            raise ValidationError(
                f"checkout must be one of {', '.join(CHECKOUT_PLANS)}, got {self.checkout!r}", field="checkout"
            )
        if not 1 <= self.hardship_outreach_dpd <= 180:
            raise ValidationError("hardship_outreach_dpd must be between 1 and 180", field="hardship_outreach_dpd")

    @property
    def reviewer(self) -> LimitReviewer | None:
        if self.limit_reviewer is not None:
            return self.limit_reviewer
        if self.limit_rule is not None:
            return partial(review, self.limit_rule)
        return None


TIGHT_LIMITS = LimitRule(
    "tight-limits", "1", review_every_months=3, min_months_on_book=3, cut_bps=5_000, unfreeze_when_clean=True
)
LIMIT_GROWTH = LimitRule("limit-growth", "1", review_every_months=6, min_months_on_book=6, raise_bps=2_500)
UNFREEZE_ONLY = LimitRule("unfreeze-cured", "1", review_every_months=1, lookback_months=3, unfreeze_when_clean=True)

# Issue 14: the same book on the statement-mode product (a minimum payment, the rest revolving). A product choice,
# not a detector setting: underwriting_v1's decisions with every tier on baitiao-revolving@1 (one policy for all
# applications: no 10 % challenger arm).
STATEMENT_MODE = Strategy(
    "statement-mode",
    "baseline with lines opened on the statement-mode product (baitiao-revolving@1: pay at least the minimum, the "
    "rest revolves with daily interest), decided by underwriting_statement_v1",
    underwriting_policy=packaged_underwriting_policy("underwriting_statement_v1"),
)


def _ewi3_strategies() -> tuple[Strategy, ...]:
    """The behaviour-v1 strategies on the rule set ewi@3 (alert budget and multi-lending)."""
    return (
        Strategy(
            "ewi3-remind",
            "ewi-remind with the rule set ewi@3: a 10 % monthly alert budget and the new-lender rule",
            ewi_policy="behaviour-v1",
            ewi_action="remind",
            ewi_rules="ewi@3",
        ),
        Strategy(
            "ewi3-hardship",
            "ewi-hardship with the rule set ewi@3: a 10 % monthly alert budget and the new-lender rule",
            ewi_policy="behaviour-v1",
            ewi_action="hardship",
            ewi_rules="ewi@3",
        ),
    )


def _collections() -> tuple[Strategy, ...]:
    """Issue 15 item 5: collection strategies, compared with the baseline (tools/collections_ab.py)."""
    return (
        Strategy(
            "collections-standard",
            "baseline with hardship through the request/options workflow, and delinquent lines worked by the "
            "packaged collections ladder (SMS first early, call first late) on DPD 1, 2, 3, 5, 7, 10, 14, then "
            "weekly",
            hardship_path="workflow",
            collections="standard",
        ),
        Strategy(
            "collections-intensive",
            "collections-standard, but call first in every segment, every day to 90 DPD, and up to three more "
            "calls a day on the lender's clock while none connects (the conduct rules refuse what they forbid)",
            hardship_path="workflow",
            collections="intensive",
        ),
    )


def _named() -> dict[str, Strategy]:
    return {
        s.name: s
        for s in (
            Strategy("baseline", "reminders the day after the due date, hardship offers from 31 DPD, alerts recorded"),
            Strategy("no-outreach", "baseline without hardship offers", hardship_outreach=False),
            Strategy("no-reminders", "baseline without the day-after-due reminder", reminders=False),
            Strategy(
                "tight-limits",
                "baseline, and every quarter risky lines (any DPD or alert in 6 months) lose half the unused limit; "
                "an alert cuts at once",
                limit_rule=TIGHT_LIMITS,
                ewi_action="cut",
            ),
            Strategy(
                "limit-growth",
                "baseline, and every 6 months clean lines using at least 30 % of their limit get 25 % more",
                limit_rule=LIMIT_GROWTH,
            ),
            Strategy(
                "strict-origination",
                "baseline with the stricter origination policy (origination_strict_v1)",
                origination=packaged_policy("origination_strict_v1"),
                decision="rules",
            ),
            Strategy(
                "rule-policy",
                "baseline deciding applications with the issue #1 rule policy on the self-declared fields, "
                "without the application checks or a model (the comparison for the scored policy)",
                decision="rules",
            ),
            Strategy(
                "learning-lender",
                "baseline; decides with the checks and the rule policy for 6 months, then fits a scorecard on the "
                "first cohorts' outcomes and deploys it for later applicants",
                learning=LearningPlan(),
            ),
            Strategy(
                "ewi-freeze",
                "baseline, and an early-warning alert freezes the line until 3 clean months",
                limit_rule=UNFREEZE_ONLY,
                ewi_action="freeze",
            ),
            Strategy(
                "ewi-remind",
                "baseline, and a behaviour-v1 early-warning alert (month end) sends a reminder 3 days before the "
                "next due date",
                ewi_policy="behaviour-v1",
                ewi_action="remind",
            ),
            Strategy(
                "ewi-hardship",
                "baseline, and a line with a behaviour-v1 alert in the last 90 days is offered a hardship plan from "
                "1 DPD instead of 31",
                ewi_policy="behaviour-v1",
                ewi_action="hardship",
            ),
            Strategy(
                "ewi-v1-freeze",
                "baseline, and a behaviour-v1 alert freezes the line until 3 clean months",
                limit_rule=UNFREEZE_ONLY,
                ewi_policy="behaviour-v1",
                ewi_action="freeze",
            ),
            STATEMENT_MODE,
            *_ewi3_strategies(),
            *_collections(),
            *_impulse(),
        )
    }


def _impulse() -> tuple[Strategy, ...]:
    """Issue 16: impulse buyers without and with the checkout nudge (simulate/impulse.py)."""
    return (
        Strategy("impulse-no-nudge", "baseline with impulse buyers (5.8 %), no checkout", checkout="impulse-off"),
        Strategy("impulse-nudge", "impulse buyers, and the checkout_v1 nudge", checkout="impulse-nudge"),
    )


STRATEGY_NAMES: tuple[str, ...] = tuple(_named())
BASELINE = _named()["baseline"]


def get_strategy(name: str) -> Strategy:
    """A named strategy; an unknown name is refused with the list of known ones."""
    named = _named()
    if name not in named:
        raise ValidationError(f"unknown strategy {name!r}; choose one of {', '.join(named)}", field="strategy")
    return named[name]
