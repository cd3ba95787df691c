"""Restructuring money operations: term extension, re-age, re-amortise, fee-rate reduction, penalty waiver,
payment holiday.

Each is a command in the line's event log, so it is idempotent by its request id, replayed on
re-derivation, previewable (``preview`` applies it to a copy) and undoable while nothing has happened
after it (``CreditLine.undo``). Concessions are booked (Dr Expenses:Concessions); fees never recognised
(unbilled) are forgone without an entry and reported in the preview. Hardship *decisions* — who gets
which offer — live in ``creditloop.collections``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from creditloop.core.dates import add_months
from creditloop.core.errors import DomainError, ValidationError
from creditloop.core.money import round_minor
from creditloop.ledger.accounts import Account
from creditloop.ledger.entries import EntryCode, JournalEntry, entry
from creditloop.ledger.ids import escape_id
from creditloop.products.schedule import next_statement_on
from creditloop.servicing.credit_line import CreditLine, Installment, LineStatus, Plan

# ----------------------------------------------------------------------------- previews


@dataclass(frozen=True, slots=True)
class RestructurePreview:
    line_id: str
    kind: str
    on: date
    before: tuple[dict[str, Any], ...]  # open installments before
    after: tuple[dict[str, Any], ...]  # open installments after
    entries: tuple[JournalEntry, ...]  # what would be booked (concessions)
    forgone_fee_minor: int  # unbilled fees that will never be charged
    concession_minor: int  # booked concessions (waived penalty or billed fees)
    dpd_after: int
    disclosure: dict[str, Any] | None = None  # the new plan's annualised cost, added by the service layer

    @property
    def installment_minor(self) -> int:
        """The largest installment of the new schedule (principal and fees)."""
        return max((r["principal_minor"] + r["fee_minor"] for r in self.after), default=0)

    @property
    def principal_minor(self) -> int:
        return sum(r["principal_minor"] for r in self.after)


def _open_rows(line: CreditLine) -> tuple[dict[str, Any], ...]:
    rows = []
    for plan in line.plans:
        for i in plan.installments:
            if i.unpaid_principal_minor or i.unpaid_fee_minor or (not i.billed and i.fee_minor):
                rows.append(
                    {
                        "plan_id": plan.plan_id,
                        "seq": i.seq,
                        "due_on": i.due_on,
                        "principal_minor": i.unpaid_principal_minor,
                        "fee_minor": i.unpaid_fee_minor + (0 if i.billed else i.fee_minor),
                    }
                )
    return tuple(sorted(rows, key=lambda r: (r["due_on"], r["plan_id"], r["seq"])))


def _unbilled_fees(line: CreditLine) -> int:
    return sum(i.fee_minor for p in line.plans for i in p.installments if not i.billed)


def preview(line: CreditLine, ev: dict[str, Any]) -> RestructurePreview:
    """What a restructure would do, computed on a copy: the line itself is untouched."""
    # The copy shares what no command changes in place: the product (frozen), the logged events and the stored
    # repayment results (each replaced, never edited); their containers are copied, everything else deeply.
    # The event log grows with the line's history, and copying it deeply was most of a preview's time.
    shared: dict[int, Any] = {
        id(line.product): line.product,
        id(line.events): list(line.events),
        id(line.seen_ids): dict(line.seen_ids),
        id(line.results): dict(line.results),
    }
    trial = copy.deepcopy(line, shared)
    trial.pending_entries = []
    on = date.fromisoformat(ev["on"])
    trial.close_through(on - timedelta(days=1))
    before = _open_rows(trial)
    fees_before = _unbilled_fees(trial)
    trial.drain_entries()
    trial._run(ev)
    booked = tuple(trial.drain_entries())
    concession = sum(p.amount_minor for e in booked for p in e.postings if p.account is Account.EXPENSE_CONCESSIONS)
    forgone = max(0, fees_before - _unbilled_fees(trial) - _new_plan_fees(trial, ev["id"]))
    return RestructurePreview(
        line.line_id, ev["kind"], on, before, _open_rows(trial), booked, forgone, concession, trial.dpd
    )


def _new_plan_fees(line: CreditLine, request_id: str) -> int:
    plan = next((p for p in line.plans if p.purchase_id == request_id), None)
    return 0 if plan is None else sum(i.fee_minor for i in plan.installments if not i.billed)


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
) -> Any:
    """Spread unpaid principal over ``periods`` new monthly installments.

    By default all of it, past due included (a hardship re-age); with ``from_due_on`` only what falls due from
    that date (a plain extension of the remaining term, Fineract's extraTerms).
    """
    return line._run(
        _ev(
            "term_extension",
            request_id,
            on,
            periods=periods,
            monthly_fee_bps=monthly_fee_bps,
            waive_penalty=waive_penalty,
            first_due_on=_iso(first_due_on),
            from_due_on=_iso(from_due_on),
            freeze=freeze,
        )
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
) -> Any:
    """Fineract-style re-age: unpaid principal of every plan spread over ``periods`` installments from ``start_on``."""
    return line._run(
        _ev(
            "reage",
            request_id,
            on,
            periods=periods,
            start_on=start_on.isoformat(),
            every=every,
            unit=unit,
            multiple_minor=multiple_minor,
            freeze=freeze,
        )
    )


def reamortise(line: CreditLine, request_id: str, on: date, *, multiple_minor: int = 1) -> Any:
    """Spread each plan's past-due principal over its remaining future installments, keeping the due dates."""
    return line._run(_ev("reamortise", request_id, on, multiple_minor=multiple_minor))


def fee_reduction(
    line: CreditLine, request_id: str, on: date, monthly_fee_bps: int, *, include_billed: bool = False
) -> Any:
    """Lower the monthly fee rate of every plan from now on; optionally also on billed, unpaid fees."""
    return line._run(
        _ev("fee_reduction", request_id, on, monthly_fee_bps=monthly_fee_bps, include_billed=include_billed)
    )


def penalty_waiver(line: CreditLine, request_id: str, on: date, amount_minor: int | None = None) -> Any:
    """Waive accrued penalty (all of it by default), booked as a concession."""
    return line._run(_ev("penalty_waiver", request_id, on, amount_minor=amount_minor))


def payment_holiday(line: CreditLine, request_id: str, on: date, from_due_on: date, months: int = 1) -> Any:
    """Move every unbilled installment due on or after ``from_due_on`` later by ``months`` months."""
    return line._run(_ev("payment_holiday", request_id, on, from_due_on=from_due_on.isoformat(), months=months))


def _hardship_extension(
    request_id: str, on: date, periods: int, monthly_fee_bps: int, waive_penalty: bool
) -> dict[str, Any]:
    """A hardship term extension: everything owed re-aged over ``periods`` months, the line frozen."""
    return event(
        "term_extension",
        request_id,
        on,
        {"periods": periods, "monthly_fee_bps": monthly_fee_bps, "waive_penalty": waive_penalty},
    )


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


_DEFAULTS: dict[str, dict[str, Any]] = {
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
    "payment_holiday": {"months": 1},
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "term_extension": ("periods",),
    "reage": ("periods", "start_on"),
    "reamortise": (),
    "fee_reduction": ("monthly_fee_bps",),
    "penalty_waiver": (),
    "payment_holiday": ("from_due_on",),
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
_DATES = frozenset({"first_due_on", "from_due_on", "start_on"})
_BOOLS = frozenset({"waive_penalty", "freeze", "include_billed"})


def _checked(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _DATES:
        try:
            return date.fromisoformat(str(value)).isoformat()
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


def event(kind: str, request_id: str, on: date, params: dict[str, Any]) -> dict[str, Any]:
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
    values = {**_DEFAULTS[kind], **params}
    return _ev(kind, request_id, on, **{name: _checked(name, value) for name, value in values.items()})


def apply(line: CreditLine, ev: dict[str, Any]) -> RestructurePreview:
    """Apply a restructure command and return what it did (the preview of the same command)."""
    result = preview(line, ev)
    line._run(ev)
    return result


def original(line: CreditLine, ev: dict[str, Any]) -> RestructurePreview:
    """The answer an applied restructure gave: its preview on the line as it stood then (a retry's answer).

    Rebuilt from the event log, so nothing extra is stored and the line itself is untouched."""
    return preview(line.as_before(ev["id"]), ev)


def _ev(kind: str, request_id: str, on: date, **data: Any) -> dict[str, Any]:
    return {"kind": kind, "id": request_id, "on": on.isoformat(), **data}


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


# ----------------------------------------------------------------------------- appliers


def _restructurable(line: CreditLine) -> None:
    if line.status not in (LineStatus.ACTIVE, LineStatus.FROZEN):
        raise DomainError(f"line {line.line_id} is {line.status.value}: cannot restructure", code="line_not_active")


def _periods(value: Any, name: str = "periods") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60:
        raise ValidationError(f"{name} must be an integer between 1 and 60, got {value!r}", field=name)
    return value


def _mark(line: CreditLine, on: date, freeze: bool) -> None:
    line.restructured_on = on
    if freeze and line.status is LineStatus.ACTIVE:
        # A workout closes the line to new spending (OCC 2003-1 "workout programs").
        line.status = LineStatus.FROZEN
        line._release_holds()
    line.archive_settled()


def _waive(line: CreditLine, request_id: str, on: date, amount: int) -> None:
    if amount <= 0:
        return
    line.penalty_minor -= amount
    line._post(
        entry(
            f"{escape_id(line.line_id)}/waive/{escape_id(request_id)}",
            EntryCode.CONCESSION,
            on,
            line.line_id,
            [(Account.EXPENSE_CONCESSIONS, amount)],
            [(Account.RECEIVABLE_PENALTY, amount)],
            frozenset({f"restructure:{request_id}"}),
        )
    )


def _consolidate(line: CreditLine) -> tuple[int, int, int]:
    """Close every installment at what was paid; return (unpaid principal, owed fees, owed interest) moved out."""
    principal, owed_fees, owed_interest = line.principal_minor, line.fee_minor, line.interest_minor
    for plan in line.plans:
        for inst in plan.installments:
            inst.principal_minor = inst.paid_principal_minor
            inst.fee_minor = inst.interest_minor = 0
            inst.carried_fee_minor = inst.paid_fee_minor
            inst.carried_interest_minor = inst.paid_interest_minor
            inst.billed = True
    return principal, owed_fees, owed_interest


def _new_plan(
    line: CreditLine, request_id: str, on: date, principal: int, fee_bps: int, installments: list[Installment]
) -> Plan:
    plan = Plan(
        plan_id=f"{escape_id(line.line_id)}/plan/{line.plan_count + 1}",
        purchase_id=request_id,
        purchased_on=on,
        principal_minor=principal,
        periods=len(installments),
        monthly_fee_bps=fee_bps,
        installments=installments,
        kind="restructure",
    )
    line.plans.append(plan)
    return plan


def _statement_for(line: CreditLine, due_on: date) -> date:
    """The statement that bills an installment due on ``due_on``: the last statement day before it."""
    candidate = due_on.replace(day=line.statement_day)
    if candidate >= due_on:
        candidate = add_months(candidate, -1)
    return candidate


def _do_term_extension(line: CreditLine, ev: dict[str, Any]) -> None:
    """Consolidate unpaid principal (all of it, or that due from ``from_due_on``) into ``periods`` new monthly
    installments; owed fees and interest ride on the first one."""
    _restructurable(line)
    periods, fee_bps, on = _periods(ev["periods"]), ev["monthly_fee_bps"], date.fromisoformat(ev["on"])
    if isinstance(fee_bps, bool) or not isinstance(fee_bps, int) or not 0 <= fee_bps <= 500:
        raise ValidationError("monthly_fee_bps must be an integer between 0 and 500", field="monthly_fee_bps")
    from_due = date.fromisoformat(ev["from_due_on"]) if ev.get("from_due_on") else None
    first_due = date.fromisoformat(ev["first_due_on"]) if ev["first_due_on"] else from_due
    if first_due is not None and first_due <= on:
        raise ValidationError("the first new due date must be after the restructure date", field="first_due_on")
    if from_due is None:
        if line.principal_minor <= 0:
            raise DomainError("nothing to restructure: no unpaid principal", code="nothing_to_restructure")
        principal, owed_fees, owed_interest = _consolidate(line)
    else:
        principal, owed_fees, owed_interest = _consolidate_from(line, from_due), 0, 0
        if principal <= 0:
            raise DomainError(f"nothing due from {from_due} to extend", code="nothing_to_restructure")
    if first_due is None:
        first_statement = next_statement_on(on, line.statement_day)
        dues = [add_months(first_statement, k) + timedelta(days=line.due_days) for k in range(periods)]
    else:
        dues = [add_months(first_due, k) for k in range(periods)]
    fee = round_minor(Decimal(principal) * fee_bps / Decimal(10_000), line.product.rounding)
    amounts = _split(principal, periods, 1)
    installments = [
        Installment(k + 1, _statement_for(line, due), due, amount, fee)
        for k, (due, amount) in enumerate(zip(dues, amounts, strict=True))
    ]
    installments[0].carried_fee_minor = owed_fees  # already recognised: carried, never billed again
    installments[0].carried_interest_minor = owed_interest
    _new_plan(line, ev["id"], on, principal, fee_bps, installments)
    if ev["waive_penalty"]:
        _waive(line, ev["id"], on, line.penalty_minor)
    if line.past_due_minor(on) == 0:
        line.delinquent_since, line.dpd = None, 0
    _mark(line, on, ev["freeze"])


def _consolidate_from(line: CreditLine, from_due: date) -> int:
    """Take the unpaid principal of unbilled installments due on or after ``from_due`` (their charges are
    forgone: they were never recognised)."""
    moved = 0
    for plan in line.plans:
        for inst in plan.installments:
            if not inst.billed and inst.due_on >= from_due and inst.unpaid_principal_minor:
                moved += inst.unpaid_principal_minor
                inst.principal_minor = inst.paid_principal_minor
                inst.fee_minor = inst.interest_minor = 0
    return moved


def _dates(start: date, periods: int, every: int, unit: str) -> list[date]:
    if unit == "months":
        return [add_months(start, k * every) for k in range(periods)]
    if unit == "days":
        return [start + timedelta(days=k * every) for k in range(periods)]
    raise ValidationError(f"unit must be 'months' or 'days', got {unit!r}", field="unit")


def _split(total: int, parts: int, multiple: int) -> list[int]:
    """Equal parts rounded down to the multiple; the last absorbs the rest (Baitiao's and Fineract's convention)."""
    base = (total // parts) // max(1, multiple) * max(1, multiple)
    return [base] * (parts - 1) + [total - base * (parts - 1)]


def _do_reage(line: CreditLine, ev: dict[str, Any]) -> None:
    _restructurable(line)
    periods, on, start = _periods(ev["periods"]), date.fromisoformat(ev["on"]), date.fromisoformat(ev["start_on"])
    if start <= on:
        raise ValidationError("start_on must be after the re-age date", field="start_on")
    every = _periods(ev["every"], "every") if ev["unit"] == "months" else int(ev["every"])
    if line.principal_minor <= 0:
        raise DomainError("nothing to re-age: no unpaid principal", code="nothing_to_restructure")
    dues = _dates(start, periods, every, ev["unit"])
    principal, owed_fees, owed_interest = _consolidate(line)
    amounts = _split(principal, periods, int(ev["multiple_minor"]))
    installments = [
        Installment(k + 1, _statement_for(line, due), due, amount, 0)
        for k, (due, amount) in enumerate(zip(dues, amounts, strict=True))
    ]
    installments[0].carried_fee_minor = owed_fees
    installments[0].carried_interest_minor = owed_interest
    _new_plan(line, ev["id"], on, principal, 0, installments)
    line.delinquent_since, line.dpd = None, 0
    _mark(line, on, ev["freeze"])


def _do_reamortise(line: CreditLine, ev: dict[str, Any]) -> None:
    _restructurable(line)
    on = date.fromisoformat(ev["on"])
    multiple = int(ev["multiple_minor"])
    work = []
    for plan in line.plans:  # validate every plan first: a refusal must leave the line untouched
        past = [i for i in plan.installments if i.billed and i.due_on < on and i.unpaid_principal_minor]
        future = [i for i in plan.installments if i.due_on >= on and not (i.billed and i.due_on < on)]
        amount = sum(i.unpaid_principal_minor for i in past)
        if not amount:
            continue
        if not future:
            raise DomainError(
                f"plan {plan.plan_id} has no future installment to re-amortise over", code="nothing_to_restructure"
            )
        work.append((past, future, amount))
    if not work:
        raise DomainError("nothing past due to re-amortise", code="nothing_to_restructure")
    for past, future, amount in work:
        for inst in past:
            inst.principal_minor = inst.paid_principal_minor
        # Fineract: the past-due amount joins the future installments, each rounded to the multiple.
        owed = amount + sum(i.unpaid_principal_minor for i in future)
        for inst, share in zip(future, _split(owed, len(future), multiple), strict=True):
            inst.principal_minor = inst.paid_principal_minor + share
    if line.past_due_minor(on) == 0:
        line.delinquent_since, line.dpd = None, 0
    _mark(line, on, freeze=False)


def _do_fee_reduction(line: CreditLine, ev: dict[str, Any]) -> None:
    _restructurable(line)
    bps, on = ev["monthly_fee_bps"], date.fromisoformat(ev["on"])
    if isinstance(bps, bool) or not isinstance(bps, int) or bps < 0:
        raise ValidationError("monthly_fee_bps must be a non-negative integer", field="monthly_fee_bps")
    conceded = 0
    for plan in line.plans:
        if bps >= plan.monthly_fee_bps:
            continue
        new_fee = round_minor(Decimal(plan.principal_minor) * bps / Decimal(10_000), line.product.rounding)
        for inst in plan.installments:
            if not inst.billed and inst.fee_minor:
                inst.fee_minor = min(inst.fee_minor, new_fee)
            elif ev["include_billed"] and inst.billed and inst.unpaid_fee_minor:
                cut = min(inst.unpaid_fee_minor, max(0, inst.fee_minor - new_fee))
                inst.fee_minor -= cut
                conceded += cut
        plan.monthly_fee_bps = bps
    if conceded:
        line._post(
            entry(
                f"{escape_id(line.line_id)}/fee-cut/{escape_id(ev['id'])}",
                EntryCode.CONCESSION,
                on,
                line.line_id,
                [(Account.EXPENSE_CONCESSIONS, conceded)],
                [(Account.RECEIVABLE_FEE, conceded)],
                frozenset({f"restructure:{ev['id']}"}),
            )
        )
    _mark(line, on, freeze=False)


def _do_penalty_waiver(line: CreditLine, ev: dict[str, Any]) -> None:
    _restructurable(line)
    amount = line.penalty_minor if ev["amount_minor"] is None else ev["amount_minor"]
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationError("amount_minor must be a positive integer", field="amount_minor")
    if amount > line.penalty_minor:
        raise DomainError(
            f"waiver {amount} exceeds the accrued penalty {line.penalty_minor}", code="waiver_exceeds_penalty"
        )
    _waive(line, ev["id"], date.fromisoformat(ev["on"]), amount)
    _mark(line, date.fromisoformat(ev["on"]), freeze=False)


def _do_payment_holiday(line: CreditLine, ev: dict[str, Any]) -> None:
    _restructurable(line)
    months, start = _periods(ev["months"], "months"), date.fromisoformat(ev["from_due_on"])
    on = date.fromisoformat(ev["on"])
    moved = 0
    for plan in line.plans:
        for inst in plan.installments:
            if not inst.billed and inst.due_on >= start:
                inst.due_on = add_months(inst.due_on, months)
                inst.statement_on = add_months(inst.statement_on, months)
                moved += 1
    if not moved:
        raise DomainError("no unbilled installment falls in the holiday", code="nothing_to_restructure")
    _mark(line, on, freeze=False)


APPLIERS: dict[str, Callable[[CreditLine, dict[str, Any]], Any]] = {
    "term_extension": _do_term_extension,
    "reage": _do_reage,
    "reamortise": _do_reamortise,
    "fee_reduction": _do_fee_reduction,
    "penalty_waiver": _do_penalty_waiver,
    "payment_holiday": _do_payment_holiday,
}
