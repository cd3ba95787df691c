"""Read views: what the CLI (and the REST API) show, read through a unit of work and returned as plain values.

Callers parse, call one of these and render; they never walk ``uow.lines`` or ``uow.journal`` themselves.
Amounts are integer fen (``*_minor``); dates are ``date`` objects until ``to_dict`` writes them ISO.
Each function opens the unit of work itself (``with uow``) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any, Literal, TypedDict

from creditloop.app.ports import UnitOfWork
from creditloop.ledger import checks
from creditloop.servicing.credit_line import CreditLine


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


# ----------------------------------------------------------------------------- one line


@dataclass(frozen=True, slots=True)
class LineView:
    """A line's balances, schedule, statements, holds and history (``line show``)."""

    line_id: str
    customer_id: str
    status: str
    limit_minor: int
    open_to_buy_minor: int
    principal_minor: int
    fee_minor: int
    penalty_minor: int
    credit_balance_minor: int
    charged_off_minor: int
    dpd: int
    bucket: str
    last_closed_on: date
    restructured_on: date | None
    schedule: tuple[dict[str, Any], ...]
    statements: tuple[dict[str, Any], ...]
    holds: tuple[dict[str, Any], ...]
    events: tuple[dict[str, Any], ...]
    settlement: dict[str, Any] | None = None  # the latest settlement offer (open, settled or lapsed), if any

    def to_dict(self) -> dict[str, Any]:
        return {
            **{k: _iso(v) for k, v in asdict(self).items()},
            "schedule": list(self.schedule),
            "statements": list(self.statements),
            "holds": list(self.holds),
            "events": list(self.events),
        }


def line_view(line: CreditLine) -> LineView:
    """The view of a line already in hand (inside a unit of work the caller holds open)."""
    return LineView(
        line_id=line.line_id,
        customer_id=line.customer_id,
        status=line.status.value,
        limit_minor=line.limit_minor,
        open_to_buy_minor=line.open_to_buy_minor,
        principal_minor=line.principal_minor,
        fee_minor=line.fee_minor,
        penalty_minor=line.penalty_minor,
        credit_balance_minor=line.credit_balance_minor,
        charged_off_minor=line.charged_off_minor,
        dpd=line.dpd,
        bucket=line.bucket,
        last_closed_on=line.last_closed_on,
        restructured_on=line.restructured_on,
        schedule=tuple(line.schedule_rows()),
        statements=tuple({k: _iso(v) for k, v in asdict(s).items()} for s in line.statements),
        holds=tuple(asdict(h) for h in line.holds.values()),
        events=tuple(line.events),
        settlement=None if line.settlement is None else {k: _iso(v) for k, v in asdict(line.settlement).items()},
    )


def line_summary(uow: UnitOfWork, line_id: str) -> LineView:
    """The line as it stands (NotFound when there is no such line)."""
    with uow:
        return line_view(uow.lines.get(line_id))


def latest_statement(uow: UnitOfWork, line_id: str) -> dict[str, Any] | None:
    """The line's latest statement, dates ISO and amounts in fen; None before its first statement."""
    with uow:
        line = uow.lines.get(line_id)
        if not line.statements:
            return None
        return {k: _iso(v) for k, v in asdict(line.statements[-1]).items()}


def recorded_day(uow: UnitOfWork, line_id: str, command_id: str | None) -> date | None:
    """The business date a command was first recorded with (``command_id`` None: the line's opening date);
    None when the line or the command is unknown."""
    with uow:
        return recorded_on(uow.lines.get(line_id), command_id)


def recorded_on(line: CreditLine, command_id: str | None) -> date | None:
    """``recorded_day`` of a line already in hand."""
    if command_id is None:
        return line.opened_on
    for event in line.events:
        if event.get("id") == command_id and "on" in event:
            return date.fromisoformat(str(event["on"]))
    return None


# ----------------------------------------------------------------------------- reversal


@dataclass(frozen=True, slots=True)
class ReversalResult:
    """How a bounced payment was reversed.

    ``rederived``: the payment was taken out of history and everything after its value date re-derived.
    ``returned``: history could not be re-derived without it (its credit was paid out, the line closed...), so
    the payment stands and a returned-payment entry was booked on ``booked_on``: what never arrived is owed
    again at once."""

    kind: Literal["rederived", "returned"]
    reversal_id: str
    payment_id: str
    amount_minor: int  # the bounced payment
    value_on: date  # the date the payment bounced
    booked_on: date  # the date the reversal took effect in the books
    owed_again_minor: int = 0  # returned: what is due again at once (the rest came back from the credit balance)

    def to_dict(self) -> dict[str, Any]:
        return {k: _iso(v) for k, v in asdict(self).items()}


def reversal_result(line: CreditLine, reversal_id: str, payment_id: str) -> ReversalResult:
    """The result of ``line.reverse_payment`` (or of its retry), read from the line's history."""
    payment = next(e for e in line.events if e["id"] == payment_id and e["kind"] == "repay")
    done = next(e for e in line.events if e["id"] == reversal_id)
    returned = done["kind"] == "return_payment"
    owed = sum(
        p.principal_minor
        for p in (*line.settled_plans, *line.plans)
        if p.kind == "returned_payment" and p.purchase_id == reversal_id
    )
    return ReversalResult(
        kind="returned" if returned else "rederived",
        reversal_id=reversal_id,
        payment_id=payment_id,
        amount_minor=int(str(payment["amount_minor"])),
        value_on=date.fromisoformat(str(done.get("value_on", done["on"]))),
        booked_on=date.fromisoformat(str(done["on"])),
        owed_again_minor=owed,
    )


# ----------------------------------------------------------------------------- journal


class JournalRow(TypedDict):
    """One posting of one entry, as ``journal export`` writes it."""

    entry_id: str
    code: str
    effective_on: str
    line_id: str | None
    account: str
    side: str
    amount_minor: int
    links: str
    reverses: str


JOURNAL_FIELDS = tuple(JournalRow.__annotations__)


def journal_rows(uow: UnitOfWork) -> Iterator[JournalRow]:
    """Every posting of every entry, in the order they were recorded (streamed: the journal may be large)."""
    with uow:
        for e in uow.journal.entries():
            for p in e.postings:
                yield JournalRow(
                    entry_id=e.entry_id,
                    code=e.code.value,
                    effective_on=e.effective_on.isoformat(),
                    line_id=e.line_id,
                    account=p.account.value,
                    side=p.side.value,
                    amount_minor=p.amount_minor,
                    links=";".join(sorted(e.links)),
                    reverses=e.reverses or "",
                )


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """``journal verify``: trial balance zero, running totals equal to the postings, control accounts equal to
    the sub-ledgers, every line's balances rebuilt from the journal equal to its stored balances."""

    trial_balance_minor: int
    running_totals_equal_postings: bool
    control_equals_sub_ledger: bool
    lines_mismatched: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return (
            self.trial_balance_minor == 0
            and self.running_totals_equal_postings
            and self.control_equals_sub_ledger
            and not self.lines_mismatched
        )

    def to_dict(self, max_lines: int = 50) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "trial_balance_minor": self.trial_balance_minor,
            "running_totals_equal_postings": self.running_totals_equal_postings,
            "control_equals_sub_ledger": self.control_equals_sub_ledger,
            "lines_mismatched": list(self.lines_mismatched[:max_lines]),
        }


def verify_journal(uow: UnitOfWork) -> VerifyReport:
    """Check the books end to end (reads everything; changes nothing)."""
    with uow:
        balances = uow.journal.account_balances()  # the running totals against every posting, summed again
        summed, unbalanced = checks.audit_postings(checks.posting_rows(uow.journal.entries()))
        totals_ok = not checks.totals_equal_postings(balances, summed) and not unbalanced
        mismatched = []
        for line in uow.lines:
            journal = {line.line_id: uow.journal.line_balances(line.line_id)}
            if checks.lines_match_journal(journal, {line.line_id: line.sub_ledger()}):
                mismatched.append(line.line_id)
        sub = uow.lines.sub_ledger_totals()
    return VerifyReport(
        trial_balance_minor=sum(summed.values()),
        running_totals_equal_postings=totals_ok,
        control_equals_sub_ledger=not checks.control_equals_lines(balances, sub),
        lines_mismatched=tuple(mismatched),
    )


def pending_dates(uow: UnitOfWork, business_date: date) -> tuple[date, ...]:
    """The business dates not yet closed, through ``business_date``, in order (inside a unit of work)."""
    last = uow.day_ends.last_done()
    if last is not None and business_date <= last:
        return ()
    start = business_date if last is None else last + timedelta(days=1)
    return tuple(start + timedelta(days=k) for k in range((business_date - start).days + 1))


def pending_day_ends(uow: UnitOfWork, through: date) -> tuple[date, ...]:
    """The business dates a day-end through ``through`` would close, in order (the progress total)."""
    with uow:
        return pending_dates(uow, through)


# ----------------------------------------------------------------------------- database


@dataclass(frozen=True, slots=True)
class DbStatus:
    """Where a ledger's schema stands (``db status``)."""

    database: str  # the URL with any password hidden
    revision: str | None
    head: str
    purpose: str | None

    @property
    def up_to_date(self) -> bool:
        return self.revision == self.head

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "up_to_date": self.up_to_date}
