"""Early-warning batch: evaluate the payment-ratio rule on every line after a due date, audit each alert."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from creditloop.app.ports import AuditRecord, UnitOfWork
from creditloop.monitoring.ewi import Alert, CycleRecord, PaymentRatioRule, evaluate
from creditloop.servicing.credit_line import CreditLine, LineStatus


@dataclass(frozen=True, slots=True)
class RaisedAlert:
    alert_id: str
    line_id: str
    alert: Alert


def cycle_history(line: CreditLine, as_of: date, informative: int | None = None) -> list[CycleRecord]:
    """One record per statement whose due date has passed: what was due and what was paid by then.

    With ``informative``, only the most recent records, back to the ``informative``-th one with something
    due: a rule that reads that many such cycles decides the same on them (``evaluate`` skips cycles with
    nothing due and raises on the last cycle), and the job need not rebuild a line's whole history monthly.
    """
    out: list[CycleRecord] = []
    need = informative
    for s in reversed(line.statements):  # in statement order, so those still before their due date come last
        if s.due_on >= as_of:
            continue
        out.append(CycleRecord(s.statement_on, s.total_due_minor, s.paid_by_due_minor))
        if need is not None and s.total_due_minor:
            need -= 1
            if need == 0:
                break
    out.reverse()
    return out


def run_early_warning(uow: UnitOfWork, rule: PaymentRatioRule, as_of: date) -> list[RaisedAlert]:
    raised = []
    for line in uow.lines:
        if line.status not in (LineStatus.ACTIVE, LineStatus.FROZEN):
            continue
        history = cycle_history(line, as_of, rule.recent_cycles + rule.base_cycles)
        if not history:
            continue
        alert = evaluate(rule, history)
        if alert is None or alert.raised_on != history[-1].cycle_on:
            continue
        alert_id = f"alert/{rule.rule_id}/{line.line_id}/{alert.raised_on.isoformat()}"
        if uow.audit.get(alert_id) is not None:
            continue  # already raised for this cycle: a re-run raises nothing new
        uow.audit.record(
            AuditRecord(
                decision_id=alert_id,
                kind="alert",
                subject_id=line.line_id,
                decided_on=as_of,
                policy_id=rule.rule_id,
                policy_version=rule.version,
                inputs_hash="",
                outcome="alert",
                reasons=(alert.reason_code,),
                trace=(
                    {"value": str(alert.value), "baseline": str(alert.baseline), "threshold": str(alert.threshold)},
                ),
            )
        )
        raised.append(RaisedAlert(alert_id, line.line_id, alert))
    return raised
