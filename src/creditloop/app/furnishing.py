"""Monthly furnishing from the ledger (issue 16): each line as it stood at each of the last 24 month ends, re-derived
from its command log (``CreditLine.at_ends_of``), turned into ``MonthFacts`` and then into the month's record.

How a month's facts are read from the month-end views:

* ``dpd``, ``balance`` — the view at month end (a charged-off line: the charged-off debt still owed, its DPD
  stopped on the charge-off day);
* overdue during the month — past due at the previous month end, or a statement falling due in the month not paid
  in full by its due date (the minimum, when the product has one); with nothing past due at month end that is 'M';
* due in the month — a statement with its due date in the month asked for something; nothing: '*';
* ended — a closed line owing nothing: 'G' when it closed under a settlement (the rest forgiven), else 'C';
* overdue amount — what is past due at month end plus penalty; a charged-off line: the whole debt still owed;
* marks — restructure commands on the log by month end, hardship plans in their forborne period (``forborne``,
  ``furnishing_plans``), disputes open at month end (credit-report disputes and collections dispute flags), and
  ``repaired`` when a one-off repair hides a repaid overdue episode (``furnishing_repair``: its months show 'N');
* corrections — a credit dispute closed as ``corrected`` (``reporting.disputes.Correction``) overlays the derived
  facts of its months in every file for a month ending on or after the day it closed (``apply_corrections``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta

from creditloop.app.furnishing_corrections import (
    apply_corrections,
    corrections_of,
    credit_dispute_closed,
    credit_disputed,
)
from creditloop.app.furnishing_plans import forborne, plans_of
from creditloop.app.furnishing_repair import repaired_grid
from creditloop.app.ports import UnitOfWork
from creditloop.core.dates import add_months, month_end, month_key
from creditloop.core.errors import DomainError, ValidationError
from creditloop.reporting.credit_record import HISTORY_MONTHS, history_string
from creditloop.reporting.disputes import Correction
from creditloop.reporting.furnishing import FurnishedMonth
from creditloop.reporting.record_rules import RuleBook, rule_book
from creditloop.reporting.status_codes import (
    Ending,
    MonthFacts,
    card_class,
    metro2_account_status,
    metro2_rating,
    pboc_status,
)
from creditloop.servicing.credit_line import CreditLine
from creditloop.servicing.model import LineStatus, SettlementStatus

_RESTRUCTURED = frozenset({"term_extension", "reage", "reamortise", "fee_reduction", "penalty_waiver"})
_SKIPPING = frozenset({"reverse_payment", "undo"})


def grid_days(day: date, opened_on: date) -> list[date]:
    """The month ends of the grid ending at ``day``: at most 24, none before the line's opening month."""
    first = max(add_months(day.replace(day=1), 1 - HISTORY_MONTHS), opened_on.replace(day=1))
    out, cur = [], month_end(first)
    while cur <= day:
        out.append(cur)
        cur = month_end(cur + timedelta(days=1))
    return out


def _owed(view: CreditLine) -> int:
    return view.charged_off_minor if view.status is LineStatus.CHARGED_OFF else view.balance_minor


def month_facts(view: CreditLine, day: date, previous_dpd: int) -> MonthFacts:
    """The facts of the month ending ``day`` from the line's view at ``day`` (and the DPD a month before)."""
    start = day.replace(day=1)
    charged = view.status is LineStatus.CHARGED_OFF
    owed = _owed(view)
    dpd = view.dpd_on(day) if charged else view.dpd
    if owed == 0:
        dpd = 0
    due = [s for s in view.statements if start <= s.due_on <= day]
    asked = sum((s.minimum_due_minor or s.total_due_minor) for s in due)
    missed = any(s.paid_by_due_minor < (s.minimum_due_minor or s.total_due_minor) for s in due)
    overdue_in_month = previous_dpd + 1 if previous_dpd > 0 else (1 if missed else 0)
    ended = None
    if view.status is LineStatus.CLOSED and owed == 0:
        offer = view.settlement
        settled = offer is not None and offer.status is SettlementStatus.SETTLED and offer.forgiven_minor > 0
        ended = Ending.OTHER if settled else Ending.SETTLED
    return MonthFacts(
        dpd=dpd, max_dpd_in_month=max(dpd, overdue_in_month), due_in_month_minor=asked, balance_minor=owed,
        charged_off=charged, ended=ended,
    )  # fmt: skip


def marks_at(line: CreditLine, day: date, disputed: bool, plan_forborne: bool = False) -> tuple[str, ...]:
    """The special marks of the line at month end ``day`` (restructure commands on its log by then);
    ``plan_forborne``: a hardship plan makes the line forborne at ``day`` (``furnishing_plans``)."""
    skipped = {r["target_id"] for r in line.events if r["kind"] in _SKIPPING}
    kinds = {str(r["kind"]) for r in line.events if r["id"] not in skipped and date.fromisoformat(str(r["on"])) <= day}
    marks = []
    if kinds & _RESTRUCTURED:
        marks.append("restructured")
    if "payment_holiday" in kinds or plan_forborne:
        marks.append("forborne")
    offer = line.settlement
    settled_on = offer.closed_on if offer is not None and offer.status is SettlementStatus.SETTLED else None
    if "settlement" in kinds and settled_on is not None and settled_on <= day:
        marks.append("settled_for_less")
    if disputed:
        marks.append("disputed")
    return tuple(marks)


def _disputed(uow: UnitOfWork, line_id: str, day: date) -> bool:
    if credit_disputed(uow, line_id, day):
        return True
    store = getattr(uow, "collections", None)
    if store is None:
        return False
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)
    return any(
        f.kind == "dispute" and f.opened_at < end and (f.closed_at is None or f.closed_at >= end)
        for f in store.flags_for(line_id)
    )


def furnish_line(
    line: CreditLine, day: date, disputed: bool = False, book: RuleBook | None = None,
    corrections: Sequence[Correction] = (), dispute_closed: bool = False, plan_forborne: bool = False,
) -> FurnishedMonth | None:  # fmt: skip
    """The record of ``line`` for the month ending ``day``; None when the line opened after it. ``book``: the
    retention and repair rules (default: the packaged ones) that may hide a repaid episode (``furnishing_repair``);
    ``corrections``: the line's dispute corrections (those effective by ``day`` apply); ``dispute_closed``: a
    credit dispute on the line closed in the month (the ``dispute_closed`` mark); ``plan_forborne``: a hardship plan
    makes the line forborne at ``day`` (``furnishing_plans``)."""
    if line.opened_on > day:
        return None
    if month_end(day) != day:
        raise ValidationError(f"a furnishing month ends on its last day, got {day}", field="on")
    if line.last_closed_on < day and line.next_action_on <= day:  # the month has days not yet closed (a quiet
        # line is not saved on quiet days, so its closed date may lag: it is closed if nothing was due to run)
        raise DomainError(
            f"line {line.line_id} is closed through {line.last_closed_on}: run day-end through {day} first",
            code="month_not_closed",
        )
    book = book if book is not None else rule_book()
    days = grid_days(day, line.opened_on)
    statuses: list[str] = []
    amounts: list[int] = []
    previous = 0
    last = None
    for when, view in line.at_ends_of(days):
        facts = month_facts(view, when, previous)
        statuses.append(pboc_status(facts))
        previous = facts.dpd
        overdue = 0
        if facts.charged_off:
            overdue = facts.balance_minor
        elif facts.dpd > 0:
            overdue = view.past_due_minor(when + timedelta(days=1)) + view.penalty_minor
        amounts.append(overdue or facts.due_in_month_minor)  # an 'M' month: what fell due
        if when == day:
            last = (facts, overdue, view.status is LineStatus.CLOSED)
    if last is None:
        return None
    facts, overdue, closed = last
    now = apply_corrections(days, statuses, amounts, corrections, day)
    dpd, balance, overdue = now.month(facts.dpd, facts.balance_minor, overdue)
    shown, repaired = repaired_grid(days, statuses, amounts, _payments(line), day, book)
    closed_mark = ("dispute_closed",) if dispute_closed else ()
    marks = marks_at(line, day, disputed, plan_forborne) + closed_mark + (("repaired",) if repaired else ())
    return FurnishedMonth(
        line.line_id, line.customer_id, month_key(day), statuses[-1], history_string(shown),
        dpd, balance, overdue,
        metro2_rating(dpd, charged_off=facts.charged_off),
        metro2_account_status(dpd, balance, charged_off=facts.charged_off, closed=closed),
        "loss" if facts.charged_off else card_class(dpd), marks,
    )  # fmt: skip


def _payments(line: CreditLine) -> list[date]:
    """Value dates of the payments still standing on the line's log."""
    skipped = {r["target_id"] for r in line.events if r["kind"] in _SKIPPING}
    return sorted(
        date.fromisoformat(str(r.get("value_on") or r["on"]))
        for r in line.events
        if r["kind"] == "repay" and r["id"] not in skipped
    )


def furnish_month(uow: UnitOfWork, day: date, line_ids: Sequence[str] | None = None) -> Iterator[FurnishedMonth]:
    """Every line's record for the month ending ``day`` (``day`` is that month's last day), in line-id order."""
    with uow:
        yield from furnish_records(uow, day, line_ids)


def furnish_records(uow: UnitOfWork, day: date, line_ids: Sequence[str] | None = None) -> Iterator[FurnishedMonth]:
    """As ``furnish_month``, inside a unit of work the caller has open."""
    ids = sorted(uow.lines.ids() if line_ids is None else line_ids)
    book = rule_book()
    for line_id in ids:
        record = furnish_stored(uow, uow.lines.get(line_id), day, book)
        if record is not None:
            yield record


def furnish_stored(uow: UnitOfWork, line: CreditLine, day: date, book: RuleBook) -> FurnishedMonth | None:
    """``furnish_line`` with what the unit of work's stores say of the line: open disputes (the disputed mark), a
    credit dispute closed in the month (``dispute_closed``), the corrections of closed ones and the hardship plans
    that make it forborne (``furnishing_plans``)."""
    line_id = line.line_id
    return furnish_line(
        line, day, _disputed(uow, line_id, day), book, corrections_of(uow, line_id),
        credit_dispute_closed(uow, line_id, day), forborne(plans_of(uow, line_id), day),
    )  # fmt: skip
