"""Limit management: periodic limit increases for good payers, cuts for risky ones, unfreezing cured lines.

The rule is versioned data; ``review`` is a pure function of a line's recent history (a ``LineReview``) and
returns the action the lender takes, with a stable reason code, or ``None``. The caller sends the action as a
``ChangeLine`` command, so every change is idempotent and in the line's own history.
"""

from __future__ import annotations

from dataclasses import dataclass

from creditloop.core.errors import ValidationError
from creditloop.servicing.credit_line import LineStatus

BPS = 10_000
REASON_LIMIT_RAISE_GOOD_PAYER = "LIMIT_RAISE_GOOD_PAYER"
REASON_LIMIT_CUT_RISK = "LIMIT_CUT_RISK"
REASON_UNFREEZE_CURED = "UNFREEZE_CURED"


@dataclass(frozen=True, slots=True)
class LineReview:
    """What a limit review sees about one line (no personal data)."""

    line_id: str
    months_on_book: int
    status: LineStatus  # ACTIVE | FROZEN (a StrEnum: the plain strings compare equal)
    limit_minor: int
    principal_minor: int
    dpd: int
    worst_dpd_recent: int  # worst month-end DPD over the rule's lookback
    alerts_recent: int  # early-warning alerts raised over the lookback
    restructured: bool


@dataclass(frozen=True, slots=True)
class LimitAction:
    action: str  # limit | freeze | unfreeze (the ChangeLine actions)
    limit_minor: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class LimitRule:
    rule_id: str
    version: str
    review_every_months: int = 3  # on months on book that are a multiple of this
    min_months_on_book: int = 3
    lookback_months: int = 6
    raise_bps: int = 0  # raise clean lines by this share (0: never raise)
    raise_min_utilisation_bps: int = 3_000  # only lines that use the credit
    cut_bps: int = 0  # cut the limit of risky lines by this share (0: never cut)
    risky_worst_dpd: int = 1  # risky: worst month-end DPD over the lookback at least this, or an alert
    unfreeze_when_clean: bool = False
    min_limit_minor: int = 50_000
    max_limit_minor: int = 5_000_000
    step_minor: int = 10_000

    def __post_init__(self) -> None:
        for name in ("review_every_months", "lookback_months", "step_minor", "min_limit_minor"):
            if getattr(self, name) < 1:
                raise ValidationError(f"{name} must be at least 1", field=name)
        for name in ("raise_bps", "cut_bps", "raise_min_utilisation_bps"):
            if not 0 <= getattr(self, name) <= BPS:
                raise ValidationError(f"{name} must be between 0 and {BPS}", field=name)
        if self.max_limit_minor < self.min_limit_minor:
            raise ValidationError("max_limit_minor must not be below min_limit_minor", field="max_limit_minor")


def _floor(amount: int, step: int) -> int:
    return amount - amount % step


def _ceil(amount: int, step: int) -> int:
    return -(-amount // step) * step


def cut_limit_minor(rule: LimitRule, line: LineReview, cut_bps: int) -> int:
    """The cut limit: the unused part shrinks, never below what is already drawn or the product minimum."""
    target = _floor(line.limit_minor * (BPS - cut_bps) // BPS, rule.step_minor)
    return max(rule.min_limit_minor, _ceil(line.principal_minor, rule.step_minor), target)


def is_risky(rule: LimitRule, line: LineReview) -> bool:
    return line.dpd > 0 or line.worst_dpd_recent >= rule.risky_worst_dpd or line.alerts_recent > 0


def review(rule: LimitRule, line: LineReview) -> LimitAction | None:
    """The action the rule takes on this line this month, or None."""
    if line.restructured:
        return None  # lines under a workout plan keep their terms
    if line.status == LineStatus.FROZEN:
        if rule.unfreeze_when_clean and not is_risky(rule, line):
            return LimitAction("unfreeze", None, REASON_UNFREEZE_CURED)
        return None
    if line.status != LineStatus.ACTIVE or line.months_on_book < rule.min_months_on_book:
        return None
    if line.months_on_book % rule.review_every_months:
        return None
    if is_risky(rule, line):
        if rule.cut_bps:
            new = cut_limit_minor(rule, line, rule.cut_bps)
            if new < line.limit_minor:
                return LimitAction("limit", new, REASON_LIMIT_CUT_RISK)
        return None
    used_bps = line.principal_minor * BPS // line.limit_minor if line.limit_minor else 0
    if rule.raise_bps and used_bps >= rule.raise_min_utilisation_bps:
        new = min(rule.max_limit_minor, _floor(line.limit_minor * (BPS + rule.raise_bps) // BPS, rule.step_minor))
        if new > line.limit_minor:
            return LimitAction("limit", new, REASON_LIMIT_RAISE_GOOD_PAYER)
    return None


# ---------------------------------------------------------------------------------------- starter graduation

REASON_STARTER_GRADUATION = "STARTER_GRADUATION"


@dataclass(frozen=True, slots=True)
class StarterGraduation:
    """Grow a thin-file starter line toward the affordability limit recorded at origination, in steps.

    After ``clean_statements`` clean statements in a row (paid in full or at least the minimum by the due date,
    no DPD, no early-warning alert) since the last change, the limit is multiplied by ``growth_bps`` (floored to
    the step) but never above the target; the count restarts after each raise (the caller counts from the last
    change). A line without a recorded target, or already at it, is left alone."""

    rule_id: str
    version: str
    clean_statements: int = 3
    growth_bps: int = 20_000  # 2x per graduation: 350 -> 700 -> 1,400 ... up to the target
    step_minor: int = 10_000

    def __post_init__(self) -> None:
        if self.clean_statements < 1:
            raise ValidationError("clean_statements must be at least 1", field="clean_statements")
        if not BPS < self.growth_bps <= 10 * BPS:
            raise ValidationError(f"growth_bps must be above {BPS} and at most {10 * BPS}", field="growth_bps")
        if self.step_minor < 1:
            raise ValidationError("step_minor must be at least 1", field="step_minor")


@dataclass(frozen=True, slots=True)
class StarterLine:
    """What graduation sees about one starter line (no personal data)."""

    line_id: str
    status: LineStatus
    limit_minor: int
    clean_statements: int  # consecutive clean statements since the last limit change
    affordable_limit_minor: int  # the decision's affordable_limit_minor at origination (0: none recorded)
    dpd: int = 0
    alerts_recent: int = 0
    restructured: bool = False


def graduate(rule: StarterGraduation, line: StarterLine) -> LimitAction | None:
    """The raise a clean starter line earns this statement, or None."""
    if line.restructured or line.status != LineStatus.ACTIVE or line.dpd > 0 or line.alerts_recent > 0:
        return None
    if line.clean_statements < rule.clean_statements or line.limit_minor >= line.affordable_limit_minor:
        return None
    grown = _floor(line.limit_minor * rule.growth_bps // BPS, rule.step_minor)
    new = min(line.affordable_limit_minor, grown)
    if new <= line.limit_minor:
        return None
    return LimitAction("limit", new, REASON_STARTER_GRADUATION)
