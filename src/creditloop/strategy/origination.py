"""Origination policy: rules as a versioned JSON document, evaluated with a per-rule trace.

Hit policy is "collect": every rule is evaluated and every failing rule contributes its reason, in
rule order, so an adverse-action notice lists all principal reasons and the audit row shows each rule
with what was observed and what the threshold was.

``Applicant`` deliberately carries no protected attributes (sex, marital status, ethnicity, religion,
national origin). ECOA / Reg B forbids using them in credit decisions, and China's credit-reporting
regulation (征信业管理条例 Art. 14) bans collecting religion and similar data; if they are never in the
decision input they cannot leak into it, and the inputs hash proves what the decision saw.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

from creditloop.core.documents import Schema, Spec, load_document, packaged_document, read_document
from creditloop.core.errors import ValidationError
from creditloop.strategy.reasons import ReasonCode

BPS = 10_000


@dataclass(frozen=True, slots=True)
class Applicant:
    """What the policy sees about an application. Amounts are monthly, in fen."""

    application_id: str
    age: int
    monthly_income_minor: int
    monthly_debt_payments_minor: int  # owed to OTHER lenders each month
    lenders_count: int  # other lenders with active loans (multi-lending, 多头借贷)

    def __post_init__(self) -> None:
        if not self.application_id:
            raise ValidationError("application_id must not be empty", field="application_id")
        for name in ("age", "monthly_income_minor", "monthly_debt_payments_minor", "lenders_count"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValidationError(f"{name} must be an integer", field=name)
            if value < 0:
                raise ValidationError(f"{name} must not be negative, got {value}", field=name)

    @property
    def disposable_income_minor(self) -> int:
        """Income left after other lenders' payments, never below zero."""
        return max(0, self.monthly_income_minor - self.monthly_debt_payments_minor)


@dataclass(frozen=True, slots=True)
class OriginationPolicy:
    policy_id: str
    version: str
    min_age: int
    max_age: int
    min_monthly_income_minor: int
    max_debt_to_income_bps: int
    max_lenders: int
    limit_income_multiple: Decimal
    min_limit_minor: int
    max_limit_minor: int
    limit_step_minor: int = 10_000  # limits are whole hundreds of yuan

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> OriginationPolicy:
        """Build from a decoded policy document; a malformed one raises ``ValidationError(field=...)``."""
        return read_document(doc, POLICY_SCHEMA)


def _build_policy(values: dict[str, Any]) -> OriginationPolicy:
    step = values["limit_step_minor"]
    for name in ("min_limit_minor", "max_limit_minor"):
        if values[name] % step:
            raise ValidationError(f"{name} must be a multiple of limit_step_minor ({step})", field=name)
    return OriginationPolicy(**values)


POLICY_SCHEMA: Schema[OriginationPolicy] = Schema(
    "origination policy",
    (
        # Lending to minors is not allowed, whatever a document says.
        Spec("min_age", "int", lo=18, hi=120),
        Spec("max_age", "int", lo="min_age", hi=120),
        Spec("limit_step_minor", "int", lo=1, default=10_000),
        Spec("min_limit_minor", "int", lo="limit_step_minor"),
        Spec("max_limit_minor", "int", lo="min_limit_minor"),
        Spec("policy_id", "str"),
        Spec("version", "str"),
        Spec("min_monthly_income_minor", "int", lo=0),
        Spec("max_debt_to_income_bps", "int", lo=0, hi=BPS),
        Spec("max_lenders", "int", lo=0),
        Spec("limit_income_multiple", "decimal", lo=Decimal(0), hi=Decimal(100)),
    ),
    build=_build_policy,
)


def load_policy(path: str | Path) -> OriginationPolicy:
    """Load a policy document from a JSON file."""
    return load_document(path, POLICY_SCHEMA)


def default_policy() -> OriginationPolicy:
    """The packaged default policy (``policies/origination_v1.json``)."""
    return packaged_policy("origination_v1")


PACKAGED_POLICIES = ("origination_v1", "origination_strict_v1")


def packaged_policy(name: str) -> OriginationPolicy:
    """A policy shipped with the package, by file name without ``.json`` (see ``PACKAGED_POLICIES``)."""
    if name not in PACKAGED_POLICIES:
        raise ValidationError(
            f"unknown packaged policy {name!r}; choose one of {', '.join(PACKAGED_POLICIES)}", field="policy"
        )
    return packaged_document("creditloop.strategy", f"policies/{name}.json", POLICY_SCHEMA)


@dataclass(frozen=True, slots=True)
class RuleTrace:
    """One evaluated rule: enough to explain and audit the decision."""

    rule_id: str
    passed: bool
    observed: str
    threshold: str


@dataclass(frozen=True, slots=True)
class Decision:
    application_id: str
    approved: bool
    reasons: tuple[ReasonCode, ...]  # every failing rule, in rule order; empty when approved
    limit_minor: int  # 0 when declined
    policy_id: str
    policy_version: str
    trace: tuple[RuleTrace, ...]


def raw_limit_minor(applicant: Applicant, policy: OriginationPolicy) -> int:
    """Multiple x disposable income, floored to the limit step, before the max clamp."""
    exact = policy.limit_income_multiple * applicant.disposable_income_minor
    whole = int(exact.to_integral_value(rounding=ROUND_FLOOR))
    return whole - whole % policy.limit_step_minor


def _limit_shortfall_reason(applicant: Applicant, policy: OriginationPolicy) -> ReasonCode:
    """Why the limit is below the minimum.

    If income alone (ignoring other lenders' payments) would have earned the minimum limit, the other
    obligations are what pushed it below, so DEBT_TO_INCOME_HIGH is the specific principal reason;
    otherwise the income itself is too low (INCOME_BELOW_MIN).
    """
    gross = policy.limit_income_multiple * applicant.monthly_income_minor
    if applicant.monthly_debt_payments_minor > 0 and gross >= policy.min_limit_minor:
        return ReasonCode.DEBT_TO_INCOME_HIGH
    return ReasonCode.INCOME_BELOW_MIN


def _dti_bps_text(applicant: Applicant) -> str:
    if applicant.monthly_income_minor == 0:
        return "inf" if applicant.monthly_debt_payments_minor else "0"
    dti = Decimal(applicant.monthly_debt_payments_minor * BPS) / applicant.monthly_income_minor
    return str(dti.quantize(Decimal(1), rounding=ROUND_FLOOR))


def decide(applicant: Applicant, policy: OriginationPolicy) -> Decision:
    """Evaluate every rule ("collect" hit policy) and assign a limit when all pass."""
    a, p = applicant, policy
    raw_limit = raw_limit_minor(a, p)
    # (rule_id, passed, observed, threshold, reason when failed), in rule order.
    rules: list[tuple[str, bool, str, str, ReasonCode]] = [
        # Payments owed to other lenders imply at least one other lender; a mismatch means the
        # application data cannot be trusted, so we decline rather than guess which field is wrong.
        (
            "DATA_CONSISTENCY",
            not (a.monthly_debt_payments_minor > 0 and a.lenders_count == 0),
            f"debt_payments_minor={a.monthly_debt_payments_minor};lenders={a.lenders_count}",
            "debt_payments_minor>0 requires lenders>=1",
            ReasonCode.INCONSISTENT_DATA,
        ),
        ("AGE_MIN", a.age >= p.min_age, str(a.age), f">={p.min_age}", ReasonCode.AGE_BELOW_MIN),
        ("AGE_MAX", a.age <= p.max_age, str(a.age), f"<={p.max_age}", ReasonCode.AGE_ABOVE_MAX),
        (
            "INCOME_MIN",
            a.monthly_income_minor >= p.min_monthly_income_minor,
            str(a.monthly_income_minor),
            f">={p.min_monthly_income_minor}",
            ReasonCode.INCOME_BELOW_MIN,
        ),
        (
            # Integer cross-multiplication: exact, and zero income with any debt fails.
            "DEBT_TO_INCOME_MAX",
            a.monthly_debt_payments_minor * BPS <= p.max_debt_to_income_bps * a.monthly_income_minor,
            f"{_dti_bps_text(a)}bps",
            f"<={p.max_debt_to_income_bps}bps",
            ReasonCode.DEBT_TO_INCOME_HIGH,
        ),
        (
            "LENDERS_MAX",
            a.lenders_count <= p.max_lenders,
            str(a.lenders_count),
            f"<={p.max_lenders}",
            ReasonCode.TOO_MANY_LENDERS,
        ),
        # We never lift a limit up to the minimum: that would lend more than affordability supports.
        (
            "LIMIT_MIN",
            raw_limit >= p.min_limit_minor,
            str(raw_limit),
            f">={p.min_limit_minor}",
            _limit_shortfall_reason(a, p),
        ),
    ]
    trace = tuple(RuleTrace(rule_id, ok, observed, threshold) for rule_id, ok, observed, threshold, _ in rules)
    reasons: list[ReasonCode] = []
    for _, ok, _, _, reason in rules:
        if not ok and reason not in reasons:  # one reason may be hit by two rules; list it once
            reasons.append(reason)
    approved = not reasons
    return Decision(
        application_id=a.application_id,
        approved=approved,
        reasons=tuple(reasons),
        limit_minor=min(raw_limit, p.max_limit_minor) if approved else 0,
        policy_id=p.policy_id,
        policy_version=p.version,
        trace=trace,
    )


def inputs_hash(applicant: Applicant) -> str:
    """sha256 of the canonical JSON of the decision inputs, for the audit row."""
    canonical = json.dumps(asdict(applicant), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
