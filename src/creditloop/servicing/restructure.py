"""Restructuring, the public face: term extension, re-age, re-amortise, fee-rate reduction, penalty waiver,
payment holiday, settlement with a discount.

Each is a typed command (``commands.py``) applied by the line like any other (``CreditLine.execute``; the money
operations themselves are in ``workouts.py``), so it is idempotent by its request id, replayed on re-derivation,
previewable (``preview`` applies it to a copy) and undoable while nothing has happened after it
(``CreditLine.undo``). Fees never recognised (unbilled) are forgone without an entry and reported in the
preview. Hardship *decisions* — who gets which offer — live in ``creditloop.collections``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from typing import Any, TypedDict

from creditloop.core.errors import ValidationError
from creditloop.ledger.accounts import Account
from creditloop.ledger.entries import JournalEntry
from creditloop.products.schedule import ScheduledInstallment
from creditloop.servicing import commands as c
from creditloop.servicing.credit_line import CreditLine
from creditloop.servicing.model import ONE_DAY, Plan
from creditloop.servicing.settlement import owed_minor

# ----------------------------------------------------------------------------- previews


class ScheduleRow(TypedDict):
    plan_id: str
    seq: int
    due_on: date
    principal_minor: int
    fee_minor: int
    interest_minor: int  # scheduled interest (EMI products) still to pay: owed, or unbilled


@dataclass(frozen=True, slots=True)
class PricedPlan:
    """A plan the restructure created or re-priced (its scheduled fees and interest rose): the pricing cap is
    checked on it, over its own contract — its principal advanced on the day the plan began (the restructure
    date for a new plan), repaid on its due dates with its scheduled fees and interest. Fees and interest
    already owed and carried in from earlier plans are not new cost and stay out."""

    plan_id: str
    start_on: date
    amount_minor: int
    installments: tuple[ScheduledInstallment, ...]


@dataclass(frozen=True, slots=True)
class RestructurePreview:
    line_id: str
    kind: str
    on: date
    before: tuple[ScheduleRow, ...]  # open installments before
    after: tuple[ScheduleRow, ...]  # open installments after
    entries: tuple[JournalEntry, ...]  # what would be booked (concessions)
    forgone_fee_minor: int  # unbilled fees and interest that will never be charged
    concession_minor: int  # booked concessions (waived penalty or billed fees)
    dpd_after: int
    disclosure: dict[str, object] | None = None  # the new plan's annualised cost, added by the service layer
    priced: tuple[PricedPlan, ...] = ()  # what the pricing cap is checked on (``PricedPlan``)
    added_charges_minor: int = 0  # fees the restructure adds (a new plan's, a holiday's accrual)
    discount_minor: int = 0  # a settlement's discount: what is owed today less the agreed amount
    total_before_minor: int = 0  # the customer's total to repay before: owed, unbilled charges, less credit
    total_after_minor: int = 0  # the same after (a settlement: the agreed amount)
    disclosures: tuple[dict[str, object], ...] = ()  # every priced plan's disclosure (service layer)

    @property
    def installment_minor(self) -> int:
        """The largest installment of the new schedule (principal, fees and interest)."""
        return max((r["principal_minor"] + r["fee_minor"] + r["interest_minor"] for r in self.after), default=0)

    @property
    def principal_minor(self) -> int:
        return sum(r["principal_minor"] for r in self.after)


def _open_rows(line: CreditLine) -> tuple[ScheduleRow, ...]:
    rows: list[ScheduleRow] = []
    for plan in line.plans:
        for i in plan.installments:
            fee = i.unpaid_fee_minor + (0 if i.billed else i.fee_minor)
            interest = i.unpaid_interest_minor + (0 if i.billed else i.interest_minor)
            if i.unpaid_principal_minor or fee or interest:
                rows.append(
                    {
                        "plan_id": plan.plan_id,
                        "seq": i.seq,
                        "due_on": i.due_on,
                        "principal_minor": i.unpaid_principal_minor,
                        "fee_minor": fee,
                        "interest_minor": interest,
                    }
                )
    return tuple(sorted(rows, key=lambda r: (r["due_on"], r["plan_id"], r["seq"])))


def _unbilled_charges(line: CreditLine) -> int:
    return sum(i.fee_minor + i.interest_minor for p in line.plans for i in p.installments if not i.billed)


def customer_total(line: CreditLine) -> int:
    """Everything the customer is to repay as the line stands: owed receivables (penalty included), fees and
    interest still to bill, and a charged-off line's memo balance, less the credit the line holds."""
    return line.balance_minor + _unbilled_charges(line) + line.charged_off_minor - line.credit_balance_minor


def _charges(plan: Plan) -> int:
    return sum(i.fee_minor + i.interest_minor for i in plan.installments)


def _priced(before: dict[str, int], line: CreditLine) -> tuple[PricedPlan, ...]:
    """The plans that are new or whose scheduled charges rose (``PricedPlan``)."""
    out = []
    for plan in line.plans:
        known = before.get(plan.plan_id)
        if known is not None and _charges(plan) <= known:
            continue
        rows = tuple(
            ScheduledInstallment(
                i.seq, i.statement_on, i.due_on, i.principal_minor, i.fee_minor, i.interest_minor, i.down_payment
            )
            for i in plan.installments
        )
        out.append(PricedPlan(plan.plan_id, plan.purchased_on, sum(r.principal_minor for r in rows), rows))
    return tuple(out)


def preview(line: CreditLine, cmd: c.LineCommand) -> RestructurePreview:
    """What a restructure would do, computed on a copy: the line itself is untouched."""
    # The copy shares what no command changes in place: the product (frozen), the logged commands and the stored
    # repayment results (each replaced, never edited); their containers are copied, everything else deeply.
    # The command log grows with the line's history, and copying it deeply was most of a preview's time.
    shared: dict[int, object] = {
        id(line.product): line.product,
        id(line.events): list(line.events),
        id(line.seen_ids): dict(line.seen_ids),
        id(line.results): dict(line.results),
    }
    trial = copy.deepcopy(line, shared)
    trial.pending_entries = []
    trial.close_through(cmd.on - ONE_DAY)
    before = _open_rows(trial)
    unbilled_before, total_before = _unbilled_charges(trial), customer_total(trial)
    charges_before = {p.plan_id: _charges(p) for p in (*trial.plans, *trial.settled_plans)}
    owed_before = owed_minor(trial) if isinstance(cmd, c.Settlement) else 0
    trial.drain_entries()
    trial.execute(cmd)
    booked = tuple(trial.drain_entries())
    concession = sum(p.amount_minor for e in booked for p in e.postings if p.account is Account.EXPENSE_CONCESSIONS)
    priced = _priced(charges_before, trial)
    added = sum(_charges(p) - charges_before.get(p.plan_id, 0) for p in trial.plans if p.plan_id in _ids(priced))
    if isinstance(cmd, c.Settlement):
        # Nothing is booked yet: paid in time, the discount is forgiven and unbilled charges are forgone.
        discount, total_after = owed_before - cmd.amount_minor, cmd.amount_minor
        forgone = total_before - owed_before
    else:
        discount, total_after = 0, customer_total(trial)
        forgone = unbilled_before - _unbilled_charges(trial) + added
    return RestructurePreview(
        line.line_id, cmd.kind, cmd.on, before, _open_rows(trial), booked, forgone, concession, trial.dpd,
        priced=priced, added_charges_minor=added, discount_minor=discount,
        total_before_minor=total_before, total_after_minor=total_after,
    )  # fmt: skip


def _ids(priced: tuple[PricedPlan, ...]) -> frozenset[str]:
    return frozenset(p.plan_id for p in priced)


def apply(line: CreditLine, cmd: c.LineCommand) -> RestructurePreview:
    """Apply a restructure command and return what it did (the preview of the same command)."""
    result = preview(line, cmd)
    line.execute(cmd)
    return result


def original(line: CreditLine, cmd: c.LineCommand) -> RestructurePreview:
    """The answer an applied restructure gave: its preview on the line as it stood then (a retry's answer).

    Rebuilt from the command log, so nothing extra is stored and the line itself is untouched."""
    return preview(line.as_before(cmd.id), cmd)


# ----------------------------------------------------------------------------- public commands


def term_extension(
    line: CreditLine,
    request_id: str,
    on: date,
    periods: int,
    *,
    monthly_fee_bps: int = 0,
    waive_penalty: bool = True,
    first_due_on: date | None = None,
    from_due_on: date | None = None,
    freeze: bool = True,
) -> None:
    """Spread unpaid principal over ``periods`` new monthly installments.

    By default all of it, past due included (a hardship re-age); with ``from_due_on`` only what falls due from
    that date (a plain extension of the remaining term, Fineract's extraTerms).
    """
    line.execute(
        c.TermExtension(request_id, on, periods, monthly_fee_bps, waive_penalty, first_due_on, from_due_on, freeze)
    )


def reage(
    line: CreditLine,
    request_id: str,
    on: date,
    periods: int,
    start_on: date,
    *,
    every: int = 1,
    unit: str = "months",
    multiple_minor: int = 1,
    freeze: bool = False,
) -> None:
    """Fineract-style re-age: unpaid principal of every plan spread over ``periods`` installments from ``start_on``."""
    line.execute(c.Reage(request_id, on, periods, start_on, every, unit, multiple_minor, freeze))


def reamortise(line: CreditLine, request_id: str, on: date, *, multiple_minor: int = 1) -> None:
    """Spread each plan's past-due principal over its remaining future installments, keeping the due dates."""
    line.execute(c.Reamortise(request_id, on, multiple_minor))


def fee_reduction(
    line: CreditLine, request_id: str, on: date, monthly_fee_bps: int, *, include_billed: bool = False
) -> None:
    """Lower the monthly fee rate of every plan from now on; optionally also on billed, unpaid fees."""
    line.execute(c.FeeReduction(request_id, on, monthly_fee_bps, include_billed))


def penalty_waiver(line: CreditLine, request_id: str, on: date, amount_minor: int | None = None) -> None:
    """Waive accrued penalty (all of it by default), booked as a concession."""
    line.execute(c.PenaltyWaiver(request_id, on, amount_minor))


def payment_holiday(
    line: CreditLine, request_id: str, on: date, from_due_on: date, months: int = 1, *, accrue: bool = False
) -> None:
    """Move every unbilled installment due on or after ``from_due_on`` later by ``months`` months; with
    ``accrue`` the plans' monthly fee runs on through the holiday."""
    line.execute(c.PaymentHoliday(request_id, on, from_due_on, months, accrue))


def settlement(line: CreditLine, request_id: str, on: date, amount_minor: int, due_on: date) -> None:
    """Offer a discounted settlement: ``amount_minor`` paid by ``due_on`` settles the line (``settlement.py``)."""
    line.execute(c.Settlement(request_id, on, amount_minor, due_on))


def _hardship_extension(
    request_id: str, on: date, periods: int, monthly_fee_bps: int, waive_penalty: bool
) -> c.TermExtension:
    """A hardship term extension: everything owed re-aged over ``periods`` months, the line frozen."""
    return c.TermExtension(request_id, on, periods, monthly_fee_bps=monthly_fee_bps, waive_penalty=waive_penalty)


def apply_term_extension(
    line: CreditLine,
    request_id: str,
    on: date,
    periods: int,
    monthly_fee_bps: int = 0,
    waive_penalty: bool = True,
) -> RestructurePreview:
    """Preview then apply a hardship term extension; returns the preview of what was applied."""
    return apply(line, _hardship_extension(request_id, on, periods, monthly_fee_bps, waive_penalty))


def preview_term_extension(
    line: CreditLine, on: date, periods: int, monthly_fee_bps: int = 0, waive_penalty: bool = True
) -> RestructurePreview:
    return preview(line, _hardship_extension("preview", on, periods, monthly_fee_bps, waive_penalty))


# ----------------------------------------------------------------------------- loose parameters

_DEFAULTS: dict[str, dict[str, object]] = {
    "term_extension": {
        "monthly_fee_bps": 0,
        "waive_penalty": True,
        "first_due_on": None,
        "from_due_on": None,
        "freeze": True,
    },
    "reage": {"every": 1, "unit": "months", "multiple_minor": 1, "freeze": False},
    "reamortise": {"multiple_minor": 1},
    "fee_reduction": {"include_billed": False},
    "penalty_waiver": {"amount_minor": None},
    "payment_holiday": {"months": 1, "accrue": False},
    "settlement": {},
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "term_extension": ("periods",),
    "reage": ("periods", "start_on"),
    "reamortise": (),
    "fee_reduction": ("monthly_fee_bps",),
    "penalty_waiver": (),
    "payment_holiday": ("from_due_on",),
    "settlement": ("amount_minor", "due_on"),
}

# Parameter kinds: what each restructure takes, and the rule each value must follow.
_INT_RANGES: dict[str, tuple[int, int]] = {
    "periods": (1, 60),
    "monthly_fee_bps": (0, 500),
    "every": (1, 366),
    "multiple_minor": (1, 1_000_000),
    "months": (1, 60),
    "amount_minor": (1, 10**15),
}
_DATES = frozenset({"first_due_on", "from_due_on", "start_on", "due_on"})
_BOOLS = frozenset({"waive_penalty", "freeze", "include_billed", "accrue"})


def _checked(name: str, value: object) -> object:
    if value is None:
        return None
    if name in _DATES:
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise ValidationError(f"{name} must be a date YYYY-MM-DD, got {value!r}", field=name) from None
    if name in _BOOLS:
        if not isinstance(value, bool):
            raise ValidationError(f"{name} must be true or false, got {value!r}", field=name)
        return value
    if name == "unit":
        if value not in ("months", "days"):
            raise ValidationError(f"unit must be 'months' or 'days', got {value!r}", field=name)
        return value
    low, high = _INT_RANGES[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{name} must be an integer between {low} and {high}, got {value!r}", field=name)
    return value


def event(kind: str, request_id: str, on: date, params: dict[str, object]) -> c.LineCommand:
    """A restructure command from loose parameters (CLI, API): checked, defaults filled, unknown names refused."""
    if kind not in _DEFAULTS:
        raise ValidationError(f"kind must be one of {sorted(_DEFAULTS)}, got {kind!r}", field="kind")
    allowed = set(_DEFAULTS[kind]) | set(_REQUIRED[kind])
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ValidationError(f"{kind} does not take {unknown}; it takes {sorted(allowed)}", field=unknown[0])
    missing = [k for k in _REQUIRED[kind] if params.get(k) is None]
    if missing:
        raise ValidationError(f"{kind} needs {missing[0]}", field=missing[0])
    # Every value is checked against its field's rule above, so the typed command's fields hold what they say.
    values: dict[str, Any] = {name: _checked(name, value) for name, value in {**_DEFAULTS[kind], **params}.items()}
    return c.BY_KIND[kind](id=request_id, on=on, **values)
