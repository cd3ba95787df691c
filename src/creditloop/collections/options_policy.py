"""The hardship-options policy document (``policies/hardship_options_v1.json``): which options are generated, how
they are valued and ranked, who may approve them, when an accepted plan is broken and how each plan is reported.

Everything a decision depends on is data here, versioned, so a changed rule is a new document version, not code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from creditloop.core.documents import Schema, Spec, load_document, packaged_document
from creditloop.core.errors import ValidationError

BPS = 10_000
KINDS = ("term_extension", "reamortise", "fee_reduction", "penalty_waiver", "payment_holiday", "settlement")
RANK_KEYS = ("affordable", "npv_minor", "customer_total_minor", "monthly_payment_minor", "concession_minor")
ROLES = ("agent", "team_lead", "manager", "risk")  # ascending authority
LINE_ACTIONS = ("none", "freeze")
CONCESSION_TREATMENTS = ("retain",)  # booked concessions stay booked: reversing them needs a servicing operation


@dataclass(frozen=True, slots=True)
class OptionTemplate:
    """One option the generator may offer; fields a kind does not use stay at their defaults."""

    option_id: str
    kind: str
    periods: int = 0  # term_extension
    monthly_fee_bps: int = 0  # term_extension, fee_reduction
    waive_penalty: bool = False  # term_extension
    months: int = 0  # payment_holiday
    accrue: bool = False  # payment_holiday: fees keep accruing over the holiday
    discount_bps: int = 0  # settlement: share of the balance forgiven
    pay_within_days: int = 0  # settlement: days to pay the settled amount
    charged_off_only: bool = False  # offered only on charged-off balances (settlement)
    max_dpd: int = 10_000  # offered only up to this many days past due


@dataclass(frozen=True, slots=True)
class RedefaultBand:
    """Re-default probability of a plan with payment-to-income up to ``max_pti_bps`` at up to ``max_dpd``."""

    max_pti_bps: int
    max_dpd: int
    probability_bps: int


@dataclass(frozen=True, slots=True)
class RankKey:
    key: str
    descending: bool


@dataclass(frozen=True, slots=True)
class Authority:
    """What a role may approve alone: a concession up to an amount AND up to a share of the balance."""

    role: str
    max_concession_minor: int
    max_concession_share_bps: int


@dataclass(frozen=True, slots=True)
class ReportingMark:
    """How a plan of ``kind`` is reported while it runs (DOMAIN.md §6.2)."""

    kind: str
    metro2_special_comment: str  # Metro 2 Special Comment code; "none": no special comment
    china: str  # how the credit-reference report follows the plan


@dataclass(frozen=True, slots=True)
class BrokenRule:
    """A plan is broken after ``missed_payments`` missed plan payments, or once a plan payment is ``days_late`` days
    overdue; a payment counts as missed ``grace_days`` after its due date."""

    missed_payments: int
    days_late: int
    grace_days: int
    concession: str  # what happens to concessions already booked
    line_action: str  # none | freeze


@dataclass(frozen=True, slots=True)
class OptionsPolicy:
    policy_id: str
    version: str
    affordability_bps: int  # the largest monthly payment as a share of disposable income
    cost_of_funds_bps: int  # the lender's annual cost of funds, the NPV's discount rate
    lgd_bps: int  # share of the plan's value lost when it re-defaults
    present_top: int
    options: tuple[OptionTemplate, ...]
    redefault: tuple[RedefaultBand, ...]  # first match; the last row is the catch-all
    ranking: tuple[RankKey, ...]
    approval: tuple[Authority, ...]
    marks: tuple[ReportingMark, ...]
    disaster_comment: str  # Metro 2 comment for a plan granted for a disaster (overrides the kind's)
    broken: BrokenRule
    eu_non_performing_dpd: int  # forborne at or past this DPD: non-performing forborne
    eu_probation_months: int  # performing forborne probation
    eu_cure_months: int  # non-performing forborne: cure period before probation starts
    eu_dfo_threshold_bps: int  # a diminished financial obligation above this is a distressed restructuring
    reage_months_between: int  # re-aging options at most once in this many months (FFIEC: 12)
    reage_max_in_5_years: int  # and at most this many times in five years (FFIEC: 2)

    def template(self, option_id: str) -> OptionTemplate:
        for t in self.options:
            if t.option_id == option_id:
                return t
        known = [t.option_id for t in self.options]
        raise ValidationError(f"unknown option {option_id!r}; the policy offers {known}", field="option_id")

    def mark(self, kind: str) -> ReportingMark:
        return next(m for m in self.marks if m.kind == kind)


def _template(v: dict[str, Any]) -> OptionTemplate:
    if v["kind"] not in KINDS:
        raise ValidationError(f"kind must be one of {list(KINDS)}, got {v['kind']!r}", field="kind")
    if v["kind"] == "term_extension" and v["periods"] < 1:
        raise ValidationError("a term extension needs periods >= 1", field="periods")
    if v["kind"] == "payment_holiday" and v["months"] < 1:
        raise ValidationError("a payment holiday needs months >= 1", field="months")
    if v["kind"] == "settlement" and not (v["discount_bps"] > 0 and v["pay_within_days"] > 0):
        raise ValidationError("a settlement needs discount_bps and pay_within_days", field="discount_bps")
    return OptionTemplate(**v)


TEMPLATE_SCHEMA: Schema[OptionTemplate] = Schema(
    "hardship option",
    (
        Spec("option_id", "str"),
        Spec("kind", "str"),
        Spec("periods", "int", lo=0, hi=60, default=0),  # workouts amortise within 60 months (OCC 2003-1)
        Spec("monthly_fee_bps", "int", lo=0, hi=500, default=0),
        Spec("waive_penalty", "bool", default=False),
        Spec("months", "int", lo=0, hi=12, default=0),
        Spec("accrue", "bool", default=False),
        Spec("discount_bps", "int", lo=0, hi=BPS - 1, default=0),
        Spec("pay_within_days", "int", lo=0, hi=366, default=0),
        Spec("charged_off_only", "bool", default=False),
        Spec("max_dpd", "int", lo=0, default=10_000),
    ),
    build=_template,
)
BAND_SCHEMA: Schema[RedefaultBand] = Schema(
    "re-default band",
    (
        Spec("max_pti_bps", "int", lo=0),
        Spec("max_dpd", "int", lo=0),
        Spec("probability_bps", "int", lo=0, hi=BPS),
    ),
    build=lambda v: RedefaultBand(**v),
)


def _rank_key(v: dict[str, Any]) -> RankKey:
    if v["key"] not in RANK_KEYS:
        raise ValidationError(f"key must be one of {list(RANK_KEYS)}, got {v['key']!r}", field="key")
    if v["order"] not in ("asc", "desc"):
        raise ValidationError(f"order must be asc or desc, got {v['order']!r}", field="order")
    return RankKey(v["key"], v["order"] == "desc")


RANK_SCHEMA: Schema[RankKey] = Schema("rank key", (Spec("key", "str"), Spec("order", "str")), build=_rank_key)
AUTHORITY_SCHEMA: Schema[Authority] = Schema(
    "approval authority",
    (
        Spec("role", "str"),
        Spec("max_concession_minor", "int", lo=0),
        Spec("max_concession_share_bps", "int", lo=0, hi=BPS),
    ),
    build=lambda v: Authority(**v),
)
MARK_SCHEMA: Schema[ReportingMark] = Schema(
    "reporting mark",
    (Spec("kind", "str"), Spec("metro2_special_comment", "str"), Spec("china", "str")),
    build=lambda v: ReportingMark(**v),
)


def _broken(v: dict[str, Any]) -> BrokenRule:
    if v["concession"] not in CONCESSION_TREATMENTS:
        raise ValidationError(f"concession must be one of {list(CONCESSION_TREATMENTS)}", field="concession")
    if v["line_action"] not in LINE_ACTIONS:
        raise ValidationError(f"line_action must be one of {list(LINE_ACTIONS)}", field="line_action")
    return BrokenRule(**v)


BROKEN_SCHEMA: Schema[BrokenRule] = Schema(
    "broken-plan rule",
    (
        Spec("missed_payments", "int", lo=1, hi=12),
        Spec("days_late", "int", lo=1, hi=366),
        Spec("grace_days", "int", lo=0, hi=30),
        Spec("concession", "str"),
        Spec("line_action", "str"),
    ),
    build=_broken,
)


def _policy(v: dict[str, Any]) -> OptionsPolicy:
    ids = [t.option_id for t in v["options"]]
    if len(set(ids)) != len(ids):
        raise ValidationError("option ids must be unique", field="options")
    last = v["redefault"][-1]
    if last.max_pti_bps < 10 * BPS or last.max_dpd < 10_000:
        raise ValidationError("the last re-default band must be a catch-all", field="redefault")
    roles = [a.role for a in v["approval"]]
    if tuple(roles) != ROLES:
        raise ValidationError(f"approval must list the roles {list(ROLES)} in order", field="approval")
    for low, high in zip(v["approval"], v["approval"][1:], strict=False):
        if (high.max_concession_minor, high.max_concession_share_bps) < (
            low.max_concession_minor,
            low.max_concession_share_bps,
        ):
            raise ValidationError(f"{high.role} must have at least {low.role}'s authority", field="approval")
    marked = {m.kind for m in v["marks"]}
    if missing := sorted(set(KINDS) - marked):
        raise ValidationError(f"marks must cover every kind; missing {missing}", field="marks")
    return OptionsPolicy(**v)


POLICY_SCHEMA: Schema[OptionsPolicy] = Schema(
    "hardship options policy",
    (
        Spec("policy_id", "str"),
        Spec("version", "str"),
        Spec("affordability_bps", "int", lo=1, hi=BPS),
        Spec("cost_of_funds_bps", "int", lo=0, hi=5000),
        Spec("lgd_bps", "int", lo=0, hi=BPS),
        Spec("present_top", "int", lo=1, hi=10),
        Spec("options", "list", lo=1, hi=30, schema=TEMPLATE_SCHEMA),
        Spec("redefault", "list", lo=1, hi=100, schema=BAND_SCHEMA),
        Spec("ranking", "list", lo=1, hi=len(RANK_KEYS), schema=RANK_SCHEMA),
        Spec("approval", "list", lo=len(ROLES), hi=len(ROLES), schema=AUTHORITY_SCHEMA),
        Spec("marks", "list", lo=1, schema=MARK_SCHEMA),
        Spec("disaster_comment", "str"),
        Spec("broken", "object", schema=BROKEN_SCHEMA),
        Spec("eu_non_performing_dpd", "int", lo=1, hi=365),
        Spec("eu_probation_months", "int", lo=0, hi=60),
        Spec("eu_cure_months", "int", lo=0, hi=60),
        Spec("eu_dfo_threshold_bps", "int", lo=0, hi=BPS),
        Spec("reage_months_between", "int", lo=0, hi=120),
        Spec("reage_max_in_5_years", "int", lo=1, hi=60),
    ),
    build=_policy,
    ignored=frozenset({"description", "sources"}),
)


def load_options_policy(path: str | Path) -> OptionsPolicy:
    return load_document(path, POLICY_SCHEMA)


def default_options_policy() -> OptionsPolicy:
    """The packaged policy (``policies/hardship_options_v1.json``)."""
    return packaged_document("creditloop.collections", "policies/hardship_options_v1.json", POLICY_SCHEMA)
