"""The month's furnishing with the notice before negative information is first reported (征信业管理条例 Art. 15).

When a line's record for the month reports a negative code (``reporting.disputes.is_negative``: overdue 1..7, M
or bad debt B) and the line has had no notice yet, a notice is recorded in the same transaction, before the file
is written: the audit record ``credit_notice/<line>`` (kind ``credit_notice``: what, which month, from when) and
the outbound message ``message/credit_notice/<line>`` (kind ``outbound_message``, zh and en, as the early-warning
reminders are). One notice per line, ever: it is the *first* report that needs notice; a later overdue episode on
the same line is already known to the customer, and a re-run of the same month finds the notice and adds none.
Per line rather than per customer because each line is a separate account on the report, and the notice names it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from creditloop.app.dispute_commands import FurnishMonth
from creditloop.app.furnishing import furnish_records
from creditloop.app.ports import AuditRecord, UnitOfWork
from creditloop.core.dates import month_end
from creditloop.core.errors import ValidationError
from creditloop.reporting.dispute_text import notice_text
from creditloop.reporting.disputes import dispute_clock, is_negative
from creditloop.reporting.furnishing import FurnishedMonth

POLICY = ("credit_notices", "1")


@dataclass(frozen=True, slots=True)
class FurnishResult:
    records: list[FurnishedMonth]
    notices: list[str]  # line ids noticed by this run


def furnish_with_notices(cmd: FurnishMonth, uow: UnitOfWork, policies: Any) -> FurnishResult:
    if month_end(cmd.on) != cmd.on:
        raise ValidationError(f"a furnishing month ends on its last day, got {cmd.on}", field="on")
    records = list(furnish_records(uow, cmd.on))
    noticed = [r.line_id for r in records if is_negative(r.status) and notify(uow, r, cmd.on)]
    return FurnishResult(records, noticed)


def notify(uow: UnitOfWork, record: FurnishedMonth, day: date) -> bool:
    """Record the line's notice unless it has one; True when this call recorded it."""
    if uow.audit.get(f"credit_notice/{record.line_id}") is not None:
        return False
    clock = dispute_clock("cn")
    report_on = day + timedelta(days=1)  # the file is sent after the month end it reports
    texts = {
        lang: notice_text(line_id=record.line_id, month=record.month, status=record.status,
                          overdue_minor=record.overdue_minor, report_on=report_on, clock=clock, lang=lang)
        for lang in ("zh", "en")
    }  # fmt: skip
    inputs = hashlib.sha256(f"{record.line_id}|{record.month}|{record.status}".encode()).hexdigest()[:32]
    what = {"month": record.month, "status": record.status, "overdue_minor": record.overdue_minor,
            "noticed_on": day.isoformat(), "report_on": report_on.isoformat()}  # fmt: skip
    uow.audit.record(
        AuditRecord(
            f"credit_notice/{record.line_id}",
            "credit_notice",
            record.line_id,
            day,
            *POLICY,
            inputs,
            "noticed",
            ("credit.first_negative",),
            (what,),
        )
    )
    message = {"send_on": day.isoformat(), **texts}
    uow.audit.record(
        AuditRecord(
            f"message/credit_notice/{record.line_id}",
            "outbound_message",
            record.line_id,
            day,
            *POLICY,
            inputs,
            "queued",
            (),
            (message,),
        )
    )
    return True
