"""Handlers of credit-report disputes and statements (issue 16). Audited; handlers never commit (the bus does).

Checks run before anything is written, so bad input (an unknown line or month, an outcome not in the list, a
dispute closed twice) raises an error naming the field and leaves nothing behind.

Collections link: a credit dispute on the *amount* reported for the latest reported month (``balance`` or
``overdue``) disputes what the customer is being asked to pay now, so it also opens a collections ``dispute`` flag
(``credit-<dispute id>``) that holds collection contact until the dispute closes (the conduct rules already stop
contact on an open dispute). A dispute about a status code or about an earlier month disputes how the history
was reported, not the debt: collection goes on (Art. 25 is about the record; FCRA §623 reinvestigation does not
stop collection either, only an FDCPA validation dispute of the debt does).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any

from creditloop.app import collections_commands as cc
from creditloop.app import dispute_commands as dc
from creditloop.app.collections_records import close_dispute, open_dispute
from creditloop.app.credit_notices import furnish_with_notices
from creditloop.app.dispute_store import CreditDispute, CreditStatement, dispute_store
from creditloop.app.ports import AuditRecord, UnitOfWork
from creditloop.core.dates import add_months, month_end, month_key
from creditloop.core.errors import NotFound, ValidationError
from creditloop.reporting.dispute_text import reply_text
from creditloop.reporting.disputes import (
    CHANNELS,
    MAX_CLAIM_CHARS,
    check_corrected_value,
    check_field,
    check_month,
    check_outcome,
    dispute_clock,
)
from creditloop.servicing.credit_line import CreditLine

POLICY = ("credit_disputes", "1")
MAX_STATEMENT_CHARS = 500
LANGS = ("zh", "en")


def _digest(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]


def _audit(uow: UnitOfWork, decision_id: str, kind: str, subject: str, on: Any, outcome: str, reasons: tuple[str, ...],
           inputs: str, trace: dict[str, Any]) -> None:  # fmt: skip
    uow.audit.record(AuditRecord(decision_id, kind, subject, on, *POLICY, inputs, outcome, reasons, (trace,)))


def _line(uow: UnitOfWork, line_id: str) -> CreditLine:
    try:
        return uow.lines.get(line_id)
    except NotFound as exc:
        raise NotFound(f"no line {line_id!r}", field="line_id") from exc


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValidationError(f"lang must be zh or en, got {lang!r}", field="lang")


def _months(cmd: dc.FileCreditDispute, line: CreditLine) -> tuple[str, ...]:
    """The disputed months, each one the line has been reported for: from its opening month, ended before the
    filing day (a month's record exists only once the month has ended)."""
    if not cmd.months:
        raise ValidationError("name at least one reported month", field="months")
    months = tuple(sorted({check_month(m) for m in cmd.months}))
    first = month_key(line.opened_on)
    for m in months:
        end = month_end(date(int(m[:4]), int(m[5:]), 1))
        if m < first or end >= cmd.on:
            raise ValidationError(
                f"{m} is not a reported month of line {line.line_id} (reported from {first}, each month "
                f"once it has ended before {cmd.on})",
                field="months",
            )
    return months


def file_dispute(cmd: dc.FileCreditDispute, uow: UnitOfWork, policies: Any) -> CreditDispute:
    if cmd.channel not in CHANNELS:
        raise ValidationError(f"channel must be customer or agent, got {cmd.channel!r}", field="channel")
    check_field(cmd.field)
    _check_lang(cmd.lang)
    clock = dispute_clock(cmd.jurisdiction)
    claim = cmd.claim if cmd.consent else None  # without consent the text is dropped unread
    if claim is not None and len(claim) > MAX_CLAIM_CHARS:
        raise ValidationError(f"claim is longer than {MAX_CLAIM_CHARS} characters", field="claim")
    line = _line(uow, cmd.line_id)
    months = _months(cmd, line)
    latest = month_key(add_months(cmd.on.replace(day=1), -1))  # the last month reported by the filing day
    holds = cmd.field in ("balance", "overdue") and months[-1] == latest
    dispute = CreditDispute(
        cmd.dispute_id, line.line_id, line.customer_id, months, cmd.field, cmd.channel, cmd.jurisdiction, cmd.on,
        clock.due_on(cmd.on), cmd.consent, claim, cmd.lang, holds,
    )  # fmt: skip
    store = dispute_store(uow)
    known = store.get(cmd.dispute_id)
    if known is not None:
        store.add(replace(dispute, status=known.status, outcome=known.outcome, closed_on=known.closed_on,
                          corrected_value=known.corrected_value))  # fmt: skip  # a retry: no-op, else conflict
        return known
    store.add(dispute)
    if holds:
        at = datetime.combine(cmd.on, time(0), tzinfo=UTC)
        open_dispute(cc.OpenDispute(f"credit-{cmd.dispute_id}", line.line_id, "dispute", at), uow, policies)
    trace = {"months": list(months), "field": cmd.field, "channel": cmd.channel, "jurisdiction": cmd.jurisdiction,
             "due_on": dispute.due_on.isoformat(), "holds_collections": holds, "consent": cmd.consent}  # fmt: skip
    inputs = _digest(line.line_id, months, cmd.field, cmd.channel, cmd.on)
    _audit(uow, f"credit_dispute/{cmd.dispute_id}", "credit_dispute", line.line_id, cmd.on, "opened", (), inputs, trace)
    return dispute


def resolve_dispute(cmd: dc.ResolveCreditDispute, uow: UnitOfWork, policies: Any) -> dict[str, Any]:
    check_outcome(cmd.outcome)
    store = dispute_store(uow)
    dispute = store.get(cmd.dispute_id)
    if dispute is None:
        raise NotFound(f"no credit dispute {cmd.dispute_id!r}", field="dispute_id")
    if dispute.status != "open":
        raise ValidationError(
            f"{cmd.dispute_id} was already closed on {dispute.closed_on} ({dispute.outcome})",
            field="dispute_id",
        )
    if cmd.on < dispute.filed_on:
        raise ValidationError(f"a dispute cannot close before it was filed ({dispute.filed_on})", field="on")
    value = None
    if cmd.outcome == "corrected":
        value = check_corrected_value(dispute.field, cmd.corrected_value)
    elif cmd.corrected_value is not None:
        raise ValidationError(
            f"corrected_value is only for a corrected outcome, not {cmd.outcome}", field="corrected_value"
        )
    closed = replace(dispute, status="closed", outcome=cmd.outcome, closed_on=cmd.on, corrected_value=value)
    store.close(closed)
    if dispute.holds_collections:
        at = datetime.combine(cmd.on, time(0), tzinfo=UTC)
        close_dispute(cc.CloseDispute(f"credit-{dispute.dispute_id}", at), uow, policies)
    late = max(0, (cmd.on - dispute.due_on).days)
    reasons = ("dispute.investigation_late",) if late else ()
    trace = {"closed_on": cmd.on.isoformat(), "due_on": dispute.due_on.isoformat(), "days_late": late,
             "corrected_value": value}  # fmt: skip
    subject = dispute.line_id
    inputs = _digest(dispute.dispute_id, cmd.outcome, value, cmd.on)
    _audit(uow, f"credit_dispute_closed/{dispute.dispute_id}", "credit_dispute", subject, cmd.on, cmd.outcome,
           reasons, inputs, trace)  # fmt: skip
    replies = {lang: reply_for(closed, lang) for lang in LANGS}
    message = {"send_on": cmd.on.isoformat(), "lang": dispute.lang, **replies}
    _audit(uow, f"message/credit_dispute/{dispute.dispute_id}", "outbound_message", subject, cmd.on, "queued", (),
           inputs, message)  # fmt: skip
    return {"dispute": closed, "reply": replies}


def reply_for(dispute: CreditDispute, lang: str) -> str:
    """The written reply of a closed dispute."""
    if dispute.outcome is None or dispute.closed_on is None:
        raise ValidationError(f"dispute {dispute.dispute_id} is still open: no reply yet", field="dispute_id")
    return reply_text(
        dispute_id=dispute.dispute_id, line_id=dispute.line_id, months=dispute.months, field=dispute.field,
        outcome=dispute.outcome, value=dispute.corrected_value, filed_on=dispute.filed_on,
        closed_on=dispute.closed_on, clock=dispute_clock(dispute.jurisdiction), lang=lang,
    )  # fmt: skip


def customer_lines(uow: UnitOfWork, customer_id: str) -> list[CreditLine]:
    """The customer's lines in line-id order, found through the customer index (``customer_line_ids``)."""
    found = [uow.lines.get(i) for i in uow.lines.customer_line_ids(customer_id)]
    if not found:
        raise NotFound(f"no lines of customer {customer_id!r}", field="customer_id")
    return found


def add_statement(cmd: dc.AddCreditStatement, uow: UnitOfWork, policies: Any) -> CreditStatement:
    _check_lang(cmd.lang)
    text = cmd.text.strip()
    if not text:
        raise ValidationError("text is empty", field="text")
    if len(text) > MAX_STATEMENT_CHARS:
        raise ValidationError(f"text is longer than {MAX_STATEMENT_CHARS} characters", field="text")
    lines = {line.line_id for line in customer_lines(uow, cmd.customer_id)}
    if cmd.about_line is not None and cmd.about_line not in lines:
        raise ValidationError(f"line {cmd.about_line!r} is not a line of this customer", field="about_line")
    statement = CreditStatement(cmd.statement_id, cmd.customer_id, cmd.about_line, text, cmd.lang, cmd.on)
    dispute_store(uow).add_statement(statement)
    inputs = _digest(cmd.customer_id, cmd.about_line, text)
    trace = {"about_line": cmd.about_line, "lang": cmd.lang}
    _audit(uow, f"credit_statement/{cmd.statement_id}", "credit_statement", cmd.customer_id, cmd.on, "added", (),
           inputs, trace)  # fmt: skip
    return statement


DISPUTE_HANDLERS: dict[type, Callable[..., Any]] = {
    dc.FileCreditDispute: file_dispute,
    dc.ResolveCreditDispute: resolve_dispute,
    dc.AddCreditStatement: add_statement,
    dc.FurnishMonth: furnish_with_notices,
}
