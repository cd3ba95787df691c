"""The scored underwriting decision (CONTRACT; see helper brief).

Composes, in order: the application checks (already evaluated), the model's PD and score band, repayment
capacity (income − living costs − debts elsewhere), a limit = affordability × PD-band multiple, thin-file
starter lines, and a price tier inside the cap. Everything tunable is policy data
(``policies/underwriting_v1.json``); the decision carries a per-step trace for audit and replay.

``strategy`` does not import ``scoring`` (policy contexts meet in the service layer): the model's output
arrives as a ``ModelOutput``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from creditloop.strategy.checks import CheckResult

DECISIONS = ("approve", "refer", "decline")


@dataclass(frozen=True, slots=True)
class ModelOutput:
    model_id: str
    model_version: str
    pd: float
    score: float | None
    reasons: tuple[str, ...]
    reason_texts: tuple[tuple[str, str], ...] = ()  # (zh, en) per reason, aligned with ``reasons``


@dataclass(frozen=True, slots=True)
class ApplicantFacts:
    """What the decision derives from the form (no personal data): the inputs of limits and of the model."""

    application_id: str
    applied_on: date  # business date of the application (Asia/Shanghai calendar)
    age: int  # from the stated birth date at applied_on
    city_tier: int
    household_size: int
    sector: str
    channel: str
    monthly_income_minor: int  # stated
    verified_income_minor: int | None
    monthly_debt_payments_minor: int
    other_lenders: int
    requested_limit_minor: int
    consent_bureau: bool
    consent_sharing: bool


@dataclass(frozen=True, slots=True)
class StepTrace:
    step: str  # CHECKS | SCORE | BAND | AFFORDABILITY | LIMIT | PRICE | ...
    observed: str
    threshold: str
    outcome: str


@dataclass(frozen=True, slots=True)
class UnderwritingDecision:
    application_id: str
    decision: str  # approve | refer | decline
    limit_minor: int  # 0 unless approved
    pd: float | None
    score: float | None
    score_band: str | None
    price_tier: str | None  # the product / fee tier offered (inside the cap)
    reasons: tuple[str, ...]  # reason codes, principal first (checks, then model, then affordability)
    check_flags: tuple[str, ...]
    checks: tuple[CheckResult, ...]
    disposable_income_minor: int
    policy_id: str
    policy_version: str
    model_id: str | None
    model_version: str | None
    arm: str  # champion | challenger (or the policy's own arm name)
    trace: tuple[StepTrace, ...]
