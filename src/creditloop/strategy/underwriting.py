"""The scored underwriting decision (CONTRACT; see helper brief).

Composes, in order: the application checks (already evaluated), the model's PD and score band, repayment
capacity (income − living costs − debts elsewhere), a limit = affordability × PD-band multiple, thin-file
starter lines, and a price tier inside the cap. Everything tunable is policy data
(``policies/underwriting_v1.json``); the decision carries a per-step trace for audit and replay.

``strategy`` does not import ``scoring`` (policy contexts meet in the service layer): the model's output
arrives as a ``ModelOutput``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR
from functools import cache

from creditloop.core.errors import DomainError, ValidationError
from creditloop.strategy.affordability import Affordability, LivingCostTable, assess, packaged_living_costs
from creditloop.strategy.checks import OUTCOME_RANK, CheckResult, Outcome, flags, worst
from creditloop.strategy.underwriting_policy import (
    Band,
    UnderwritingPolicy,
    load_underwriting_policy,
    packaged_underwriting_policy,
    read_underwriting_policy,
)
from creditloop.strategy.underwriting_reasons import UwReason

__all__ = [
    "DECISIONS",
    "ApplicantFacts",
    "ModelOutput",
    "StepTrace",
    "UnderwritingDecision",
    "UnderwritingPolicy",
    "decide_application",
    "is_thin_file",
    "load_underwriting_policy",
    "packaged_underwriting_policy",
    "read_underwriting_policy",
]

DECISIONS = ("approve", "refer", "decline")
BPS = 10_000


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
    # Added by the policy helper (defaults keep the contract's constructor working):
    affordable_limit_minor: int = 0  # capacity × band multiple within the band/policy max, before the starter
    #   cap and the amount requested: the target of starter-line graduation (limit_management.graduate)
    reason_texts: tuple[tuple[str, str, str], ...] = ()  # (code, zh, en) of the model's reasons, for notices


# ---------------------------------------------------------------------------------------------- the decision


@dataclass(frozen=True, slots=True)
class _Step:
    """One step's verdict: its outcome, the reasons it contributes when adverse, and its trace rows."""

    outcome: Outcome
    reasons: tuple[str, ...]
    trace: tuple[StepTrace, ...]


def is_thin_file(facts: ApplicantFacts) -> bool:
    """No bureau consent or no other lenders, and no verified income: too little evidence for a full line."""
    return (not facts.consent_bureau or facts.other_lenders == 0) and facts.verified_income_minor is None


def _checks_step(checks: tuple[CheckResult, ...], policy: UnderwritingPolicy) -> _Step:
    outcome = worst(checks)
    if outcome is Outcome.REFER and policy.on_check_refer == "decline":
        outcome = Outcome.DECLINE
    # Principal first: the checks that decline, then the ones that refer, each in check order.
    ordered = [r.code for r in checks if r.outcome is Outcome.DECLINE]
    ordered += [r.code for r in checks if r.outcome is Outcome.REFER]
    trace = StepTrace("CHECKS", ",".join(flags(checks)) or "clean", f"refer->{policy.on_check_refer}", outcome.value)
    return _Step(outcome, tuple(ordered), (trace,))


def _pd_outcome(pd: float, policy: UnderwritingPolicy) -> Outcome:
    if pd <= policy.approve_max_pd:
        return Outcome.PASS
    if pd >= policy.decline_min_pd:
        return Outcome.DECLINE
    return Outcome.REFER


def _model_step(model: ModelOutput | None, policy: UnderwritingPolicy) -> tuple[_Step, Band]:
    """The PD cut-offs and the score band (a PD is compared as the float the model gave)."""
    if model is None:
        action = policy.without_model
        band = policy.band_named(policy.rule_only_band) if policy.rule_only_band else policy.bands[-1]
        outcome = {"refer": Outcome.REFER, "decline": Outcome.DECLINE}.get(action, Outcome.PASS)
        missing: tuple[str, ...] = () if outcome is Outcome.PASS else (UwReason.NO_MODEL_SCORE.value,)
        traces = (
            StepTrace("SCORE", "no model", f"without_model={action}", outcome.value),
            StepTrace("BAND", band.name, "rule_only_band" if action == "rule_only" else "riskiest band", "info"),
        )
        return _Step(outcome, missing, traces), band
    if not policy.accepts_model(model.model_id, model.model_version):
        named = ", ".join(f"{m.model_id}@{m.version}" for m in policy.models) or "none"
        raise DomainError(
            f"model {model.model_id}@{model.model_version} is not named by policy "
            f"{policy.policy_id}@{policy.version} (it names {named})",
            code="model_not_in_policy",
        )
    pd = model.pd
    if not (isinstance(pd, float | int) and math.isfinite(pd) and 0.0 <= pd <= 1.0):
        raise ValidationError(f"model PD must be a probability in [0, 1], got {pd!r}", field="pd")
    outcome = _pd_outcome(pd, policy)
    reasons: tuple[str, ...] = ()
    if outcome is not Outcome.PASS:
        generic = UwReason.SCORE_DECLINE if outcome is Outcome.DECLINE else UwReason.SCORE_REFER
        reasons = model.reasons or (generic.value,)
    band = policy.band_for(pd)
    threshold = f"approve<={policy.approve_max_pd!r};decline>={policy.decline_min_pd!r}"
    traces = (
        StepTrace("SCORE", f"{model.model_id}@{model.model_version} pd={pd!r}", threshold, outcome.value),
        StepTrace("BAND", band.name, f"pd<={band.max_pd!r}", "info"),
    )
    return _Step(outcome, reasons, traces), band


def _without_debts(aff: Affordability) -> int:
    """Disposable income had there been no debts elsewhere: if this clears the bar, the debts are the reason."""
    return max(0, aff.income_used_minor - aff.living_costs_minor)


def _income_reasons(aff: Affordability, debts_push_below: bool) -> tuple[str, ...]:
    reasons = [UwReason.OBLIGATIONS_HIGH.value] if debts_push_below else []
    if aff.income_source == "verified":
        reasons.append(UwReason.VERIFIED_INCOME_LOWER.value)
    return tuple(reasons)


def _affordability_step(aff: Affordability, policy: UnderwritingPolicy) -> _Step:
    floor = policy.affordability.min_disposable_minor
    ok = aff.disposable_minor >= floor
    outcome = Outcome.PASS if ok else Outcome.DECLINE
    reasons: tuple[str, ...] = ()
    if not ok:
        pushed = aff.debt_payments_minor > 0 and _without_debts(aff) >= floor
        reasons = (UwReason.DISPOSABLE_INCOME_LOW.value, *_income_reasons(aff, pushed))
    trace = StepTrace("AFFORDABILITY", aff.describe(), f"disposable>={floor}", outcome.value)
    return _Step(outcome, reasons, (trace,))


@dataclass(frozen=True, slots=True)
class _Limit:
    step: _Step
    limit_minor: int
    affordable_limit_minor: int
    capped_by: tuple[str, ...]  # why an approved line is below the request


def _floor_step(amount: int, step: int) -> int:
    return amount - amount % step


def _limit_step(facts: ApplicantFacts, aff: Affordability, band: Band, policy: UnderwritingPolicy) -> _Limit:
    """Capacity × band multiple, within the band and policy max and the amount asked, floored to the step;
    a thin file gets at most the starter line."""
    rules = policy.limits
    raw = int((band.limit_multiple * aff.capacity_minor).to_integral_value(rounding=ROUND_FLOOR))
    within = min(raw, band.max_limit_minor, rules.max_limit_minor)
    offered = min(within, facts.requested_limit_minor)  # never more than asked
    thin = is_thin_file(facts)
    if thin and offered >= rules.starter_line_minor:
        limit = rules.starter_line_minor  # the article's 350 yuan: exact, the only limit off the step grid
    else:
        limit = _floor_step(offered, rules.step_minor)
    ok = limit >= rules.min_limit_minor
    reasons: tuple[str, ...] = ()
    if not ok:
        if facts.requested_limit_minor < rules.min_limit_minor:
            reasons = (UwReason.REQUEST_BELOW_MIN.value,)
        else:
            capacity = _without_debts(aff) * policy.affordability.capacity_bps // BPS
            gross = int((band.limit_multiple * capacity).to_integral_value(rounding=ROUND_FLOOR))
            pushed = aff.debt_payments_minor > 0 and gross >= rules.min_limit_minor
            reasons = (UwReason.INCOME_INSUFFICIENT.value, *_income_reasons(aff, pushed))
    capped: list[str] = []
    # Flooring a request to the step is not a cut; the starter line or a policy bound below the request is.
    if thin and limit == rules.starter_line_minor < facts.requested_limit_minor:
        capped.append(UwReason.STARTER_LINE.value)
    elif within < facts.requested_limit_minor:
        if within == raw:
            capped.append(UwReason.LIMIT_AFFORDABILITY.value)
        elif within == band.max_limit_minor and band.max_limit_minor < rules.max_limit_minor:
            capped.append(UwReason.LIMIT_BAND_MAX.value)
        else:
            capped.append(UwReason.LIMIT_POLICY_MAX.value)
    outcome = Outcome.PASS if ok else Outcome.DECLINE
    traces = (
        StepTrace("THIN_FILE", str(thin).lower(), f"starter<={rules.starter_line_minor}", "info"),
        StepTrace(
            "LIMIT",
            f"raw={raw};band_max={band.max_limit_minor};requested={facts.requested_limit_minor};limit={limit}",
            f"step={rules.step_minor};min={rules.min_limit_minor};max={rules.max_limit_minor}",
            outcome.value,
        ),
    )
    return _Limit(_Step(outcome, reasons, traces), limit, _floor_step(within, rules.step_minor), tuple(capped))


@cache
def _living_costs(name: str) -> LivingCostTable:
    return packaged_living_costs(name)


def _dedupe(codes: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(codes))


def decide_application(
    facts: ApplicantFacts,
    checks: tuple[CheckResult, ...],
    model: ModelOutput | None,
    policy: UnderwritingPolicy,
    *,
    arm: str,
    living_costs: LivingCostTable | None = None,
) -> UnderwritingDecision:
    """The scored decision: checks, PD cut-offs and band, affordability, limit, price. Pure and deterministic.

    Every step is evaluated (the trace is complete); the decision is the strongest outcome of any step, and
    the reasons are those of the adverse steps, principal first: checks, then the model, then affordability
    and the limit. An approved line below the request carries why (``STARTER_LINE``, ``LIMIT_*``)."""
    table = living_costs or _living_costs(policy.affordability.living_costs)
    aff = assess(
        stated_income_minor=facts.monthly_income_minor,
        verified_income_minor=facts.verified_income_minor,
        debt_payments_minor=facts.monthly_debt_payments_minor,
        city_tier=facts.city_tier,
        household_size=facts.household_size,
        table=table,
        capacity_bps=policy.affordability.capacity_bps,
    )
    checked = _checks_step(checks, policy)
    scored, band = _model_step(model, policy)
    afford = _affordability_step(aff, policy)
    limit = _limit_step(facts, aff, band, policy)
    steps = (checked, scored, afford, limit.step)
    outcome = worst_outcome(s.outcome for s in steps)
    decision = {Outcome.PASS: "approve", Outcome.REFER: "refer", Outcome.DECLINE: "decline"}[outcome]
    if decision == "approve":
        reasons = limit.capped_by
    else:
        reasons = _dedupe([code for s in steps if s.outcome is not Outcome.PASS for code in s.reasons])
    price = None if decision == "decline" else band.price_tier
    price_trace = StepTrace("PRICE", price or "-", f"{policy.cap_regime.value} on {policy.effective_on}", "info")
    trace = (*checked.trace, *scored.trace, *afford.trace, *limit.step.trace, price_trace)
    trace += (StepTrace("DECISION", decision, f"{policy.policy_id}@{policy.version}", outcome.value),)
    texts = tuple((c, zh, en) for c, (zh, en) in zip(model.reasons, model.reason_texts, strict=False)) if model else ()
    return UnderwritingDecision(
        application_id=facts.application_id,
        decision=decision,
        limit_minor=limit.limit_minor if decision == "approve" else 0,
        pd=model.pd if model else None,
        score=model.score if model else None,
        score_band=band.name,
        price_tier=price,
        reasons=reasons,
        check_flags=flags(checks),
        checks=checks,
        disposable_income_minor=aff.disposable_minor,
        policy_id=policy.policy_id,
        policy_version=policy.version,
        model_id=model.model_id if model else None,
        model_version=model.model_version if model else None,
        arm=arm,
        trace=trace,
        affordable_limit_minor=limit.affordable_limit_minor,
        reason_texts=texts,
    )


def worst_outcome(outcomes: Iterable[Outcome]) -> Outcome:
    worst, rank = Outcome.PASS, 0
    for outcome in outcomes:  # a loop, not max(key=...): called for every decision
        r = OUTCOME_RANK[outcome]
        if r > rank:
            worst, rank = outcome, r
    return worst
