"""Handlers of the early-warning commands (issue 14): store an alert, act on it, close it.

The bus routes these commands (``EWI_HANDLERS``) beside ``handlers.HANDLERS``. Every action is audited (kind
``ewi_action``, the alert's reason codes, the action policy's id and version) and moves the alert open → actioned
in the same transaction. Line changes go through the ``ChangeLine`` handler; a
reminder is recorded as an outbound message (kind ``outbound_message``) and a hand-off as a record of kind
``hardship_offer`` or ``collections_referral`` for the workflow that takes it over. A referral also opens a
``referral`` flag in the collections store, so the work queue takes the line up (even while current) until the
alert closes or the collections policy's ``referral_days`` pass. Nothing is sent from here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

from creditloop.app import commands as c
from creditloop.app.alerts import AlertingUnitOfWork, StoredAlert
from creditloop.app.collections_store import Flag
from creditloop.app.handlers import change_line
from creditloop.app.ports import AuditRecord, UnitOfWork
from creditloop.core.errors import NotFound, ValidationError
from creditloop.core.money import Rounding, round_minor
from creditloop.monitoring.action_policies import ACTIONS
from creditloop.products.schedule import next_statement_on
from creditloop.servicing.credit_line import CreditLine, LineStatus

HANDOFFS = ("hardship_offer", "collections_referral")


def short_id(prefix: str, *parts: object) -> str:
    """A client id (at most 64 characters) derived from ``parts``: the same parts always give the same id."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:24]
    return f"{prefix}-{digest}"


def _store(uow: UnitOfWork) -> AlertingUnitOfWork:
    if not hasattr(uow, "alerts"):
        raise TypeError(f"{type(uow).__name__} has no alert store")
    return cast(AlertingUnitOfWork, uow)


def raise_alert(cmd: c.RaiseAlert, uow: UnitOfWork, policies: Any) -> StoredAlert | None:
    """The stored alert, or None when an unclosed alert of the rule already stands on the line."""
    store = _store(uow).alerts
    known = store.get(cmd.alert_id)
    if known is not None:
        store.add(_alert_of(cmd))  # a retry is a no-op; another raising under the id is refused
        return known
    if any(a.rule_id == cmd.rule_id and not a.is_closed for a in store.for_line(cmd.line_id)):
        return None
    uow.lines.get(cmd.line_id)  # NotFound for an unknown line, before anything is written
    alert = _alert_of(cmd)
    store.add(alert)
    return alert


def _alert_of(cmd: c.RaiseAlert) -> StoredAlert:
    return StoredAlert(
        cmd.alert_id, cmd.line_id, cmd.rule_id, cmd.rule_set_id, cmd.rule_set_version, cmd.on, cmd.severity,
        cmd.reasons, dict(cmd.features), cmd.score,
    )  # fmt: skip


def close_alert(cmd: c.CloseAlert, uow: UnitOfWork, policies: Any) -> StoredAlert:
    store = _store(uow).alerts
    alert = store.get(cmd.alert_id)
    if alert is None:
        raise NotFound(f"no alert {cmd.alert_id!r}", field="alert_id")
    if alert.is_closed and alert.outcome == cmd.outcome and alert.closed_on == cmd.on:
        return alert  # a retry
    closed = alert.moved(alert.case().closed(cmd.on, cmd.outcome))  # type: ignore[arg-type]
    store.update(closed)
    referrals = getattr(uow, "collections", None)
    flag = referrals.get_flag(referral_id(alert)) if referrals is not None else None
    if flag is not None and flag.is_open:
        referrals.put_flag(replace(flag, closed_at=_instant(cmd.on)))  # type: ignore[union-attr]
    return closed


def referral_id(alert: StoredAlert) -> str:
    return short_id("referral", alert.alert_id)  # fits the flag id column whatever the alert id


def _instant(on: date) -> datetime:
    return datetime.combine(on, time(), UTC)


def act_on_alert(cmd: c.ActOnAlert, uow: UnitOfWork, policies: Any) -> str:
    """Run the action; the result is the audited outcome (``frozen``, ``reduced``, ``queued``, ``handed_off`` or
    ``skipped`` when the line's state makes the action moot). A retry returns the recorded outcome."""
    if cmd.action not in ACTIONS:
        raise ValidationError(f"action must be one of {', '.join(ACTIONS)}, got {cmd.action!r}", field="action")
    decision_id = f"ewi_action/{cmd.alert_id}"
    done = uow.audit.get(decision_id)
    if done is not None:
        return done.outcome
    store = _store(uow).alerts
    alert = store.get(cmd.alert_id)
    if alert is None:
        raise NotFound(f"no alert {cmd.alert_id!r}", field="alert_id")
    actioned = alert.case().actioned(cmd.on, cmd.action)  # refuses an alert that is not open
    line = uow.lines.get(alert.line_id)
    outcome, detail = _perform(cmd, alert, line, uow, policies)
    uow.audit.record(
        AuditRecord(
            decision_id=decision_id, kind="ewi_action", subject_id=alert.line_id, decided_on=cmd.on,
            policy_id=cmd.policy_id, policy_version=cmd.policy_version, inputs_hash=cmd.alert_id, outcome=outcome,
            reasons=alert.reasons,
            trace=({"action": cmd.action, "alert_id": alert.alert_id, "rule_id": alert.rule_id, **detail},),
        )
    )  # fmt: skip
    store.update(alert.moved(actioned))
    return outcome


def _perform(
    cmd: c.ActOnAlert, alert: StoredAlert, line: CreditLine, uow: UnitOfWork, policies: Any
) -> tuple[str, dict[str, Any]]:
    texts = {"text_zh": cmd.text_zh, "text_en": cmd.text_en}
    change_id = short_id("ewi", alert.alert_id, cmd.action)
    # The run reads the close of ``on``, usually after its day-end: a change takes effect on the open date.
    book_done = uow.day_ends.last_done() or line.last_closed_on  # a quiet line may lag the book's day-end
    effective = max(cmd.on, line.last_closed_on + timedelta(days=1), book_done + timedelta(days=1))
    if cmd.action == "freeze":
        if line.status is not LineStatus.ACTIVE:
            return "skipped", {"line_status": line.status.value}
        change_line(c.ChangeLine(change_id, line.line_id, "freeze", effective), uow, policies)
        return "frozen", {"change_id": change_id, "effective_on": effective.isoformat(), "notice": texts}
    if cmd.action == "reduce":
        base = line.limit_minor if cmd.of == "limit" else line.balance_minor
        share = cmd.limit_share if cmd.limit_share is not None else Decimal(1)
        new_limit = max(1, round_minor(share * base, Rounding.DOWN))  # the one rounding function, toward zero
        if line.status not in (LineStatus.ACTIVE, LineStatus.FROZEN) or new_limit >= line.limit_minor:
            return "skipped", {"line_status": line.status.value, "limit_minor": line.limit_minor}
        before = line.limit_minor
        change_line(c.ChangeLine(change_id, line.line_id, "limit", effective, new_limit), uow, policies)
        return "reduced", {"change_id": change_id, "effective_on": effective.isoformat(),
                           "limit_before_minor": before, "limit_minor": new_limit, "notice": texts}  # fmt: skip
    if cmd.action == "reminder":
        due_on = next_due_on(line, cmd.on)
        send_on = cmd.on if due_on is None else max(cmd.on, due_on - timedelta(days=cmd.days_before_due))
        message = {"send_on": send_on.isoformat(), "due_on": None if due_on is None else due_on.isoformat(), **texts}
        _record(uow, f"message/{alert.alert_id}", "outbound_message", alert, cmd, "queued", message)
        return "queued", {"message": message}
    handoff = {"dpd": line.dpd, "balance_minor": line.balance_minor, **texts}
    referrals = getattr(uow, "collections", None)
    if cmd.action == "collections_referral" and referrals is not None:
        referrals.put_flag(Flag(referral_id(alert), line.line_id, "referral", _instant(cmd.on)))
    _record(uow, f"handoff/{alert.alert_id}", cmd.action, alert, cmd, "handed_off", handoff)
    return "handed_off", {"handoff": cmd.action}


def next_due_on(line: CreditLine, on: date) -> date | None:
    """The nearest due date on or after ``on``: a statement's already cut, else the next statement's (None when the
    line owes nothing that a statement would bill)."""
    ahead = [s.due_on for s in line.statements if s.due_on >= on]
    if ahead:
        return min(ahead)
    if not line.balance_minor:
        return None
    return next_statement_on(on - timedelta(days=1), line.statement_day) + timedelta(days=line.due_days)


def _record(
    uow: UnitOfWork, decision_id: str, kind: str, alert: StoredAlert, cmd: c.ActOnAlert, outcome: str,
    detail: dict[str, Any],
) -> None:  # fmt: skip
    uow.audit.record(
        AuditRecord(
            decision_id=decision_id, kind=kind, subject_id=alert.line_id, decided_on=cmd.on, policy_id=cmd.policy_id,
            policy_version=cmd.policy_version, inputs_hash=alert.alert_id, outcome=outcome, reasons=alert.reasons,
            trace=(detail,),
        )
    )  # fmt: skip


EWI_HANDLERS: dict[type, Callable[..., Any]] = {
    c.RaiseAlert: raise_alert,
    c.ActOnAlert: act_on_alert,
    c.CloseAlert: close_alert,
}
