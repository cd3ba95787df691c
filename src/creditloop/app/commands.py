"""Commands: what the CLI, the API and the simulator ask the system to do. Plain immutable data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from creditloop.strategy.application import ApplicationForm
from creditloop.strategy.origination import Applicant


@dataclass(frozen=True, slots=True)
class SubmitApplication:
    application_id: str
    customer_id: str
    applicant: Applicant
    applied_on: date


@dataclass(frozen=True, slots=True)
class DecideApplication:
    """Decide one application under the scored underwriting policy (checks, model, limits, arm); an approval
    opens the line ``L-{customer_id}``. A retry with the same form returns the recorded decision."""

    form: ApplicationForm
    customer_id: str  # the line is L-{customer_id}; the CLI uses the application id
    open_line: bool = True


@dataclass(frozen=True, slots=True)
class DecideApplications:
    """Decide a chunk of applications, in order (callers sort by ``applied_at``), with the outcome of deciding
    each alone (``app.underwriting_batch``). The result lists, per item, its decision or the error that refused
    it (nothing of that item written); the other items are decided and written all the same."""

    items: tuple[DecideApplication, ...]


@dataclass(frozen=True, slots=True)
class OpenLine:
    line_id: str
    customer_id: str
    limit_minor: int
    opened_on: date
    statement_day: int | None = None  # per account; the product's by default
    due_days: int | None = None
    product: str | None = None  # a catalog product, ``id`` or ``id@version``; None: the policies' product


@dataclass(frozen=True, slots=True)
class Purchase:
    purchase_id: str
    line_id: str
    amount_minor: int
    periods: int
    on: date


@dataclass(frozen=True, slots=True)
class Refund:
    refund_id: str
    line_id: str
    purchase_id: str
    amount_minor: int
    on: date


@dataclass(frozen=True, slots=True)
class Repay:
    payment_id: str
    line_id: str
    amount_minor: int
    on: date


@dataclass(frozen=True, slots=True)
class RunDayEnd:
    business_date: date
    reconcile: bool = True


@dataclass(frozen=True, slots=True)
class RequestHardship:
    """Assess a delinquent customer for a term extension and, if ``accept`` and eligible, apply it."""

    request_id: str
    line_id: str
    on: date
    monthly_income_minor: int
    monthly_other_debt_minor: int
    accept: bool = True


@dataclass(frozen=True, slots=True)
class Authorise:
    hold_id: str
    line_id: str
    amount_minor: int
    on: date
    expires_on: date


@dataclass(frozen=True, slots=True)
class Capture:
    capture_id: str
    line_id: str
    hold_id: str
    amount_minor: int
    periods: int
    on: date
    final: bool = True


@dataclass(frozen=True, slots=True)
class Void:
    void_id: str
    line_id: str
    hold_id: str
    on: date


@dataclass(frozen=True, slots=True)
class ReversePayment:
    """A bounced payment: undo it and re-derive everything after its value date."""

    reversal_id: str
    line_id: str
    payment_id: str
    on: date


@dataclass(frozen=True, slots=True)
class RefundCreditBalance:
    refund_id: str
    line_id: str
    amount_minor: int
    on: date


@dataclass(frozen=True, slots=True)
class ChangeLine:
    """Limit change, freeze, unfreeze or close (``action``), each idempotent by ``change_id``."""

    change_id: str
    line_id: str
    action: str  # limit | freeze | unfreeze | close
    on: date
    limit_minor: int | None = None


@dataclass(frozen=True, slots=True)
class Restructure:
    """A restructuring primitive by name (see ``servicing.restructure``), applied or only previewed."""

    request_id: str
    line_id: str
    kind: str  # term_extension | reage | reamortise | fee_reduction | penalty_waiver | payment_holiday | settlement
    on: date
    params: tuple[tuple[str, object], ...] = ()
    preview: bool = False


@dataclass(frozen=True, slots=True)
class UndoRestructure:
    undo_id: str
    line_id: str
    request_id: str
    on: date


@dataclass(frozen=True, slots=True)
class RaiseAlert:
    """Store an early-warning alert (issue 14); a retry is a no-op, and an unclosed alert of the same rule on the
    line blocks a second one (de-duplication at the store, whatever the caller evaluated)."""

    alert_id: str
    line_id: str
    rule_id: str
    rule_set_id: str
    rule_set_version: str
    on: date
    severity: str
    reasons: tuple[str, ...]
    features: tuple[tuple[str, float | None], ...]
    score: float | None = None


@dataclass(frozen=True, slots=True)
class ActOnAlert:
    """Run the action an action policy chose for an open alert (``monitoring.action_policies``): a reminder, a
    freeze or limit reduction through ``ChangeLine``, or a hand-off; audited, and the alert becomes actioned."""

    alert_id: str
    on: date
    policy_id: str
    policy_version: str
    action: str  # reminder | freeze | reduce | hardship_offer | collections_referral
    text_zh: str
    text_en: str
    days_before_due: int = 0
    limit_share: Decimal | None = None
    of: str = "limit"


@dataclass(frozen=True, slots=True)
class CloseAlert:
    alert_id: str
    on: date
    outcome: str  # cured | rolled | hardship | charged_off | expired
