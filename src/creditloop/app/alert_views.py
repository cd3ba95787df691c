"""Read view of early-warning alerts (issue 14) for the API's alert list: plain dicts, in alert id order."""

from __future__ import annotations

from typing import Any

from creditloop.app.alerts import AlertQuery, StoredAlert
from creditloop.app.ports import UnitOfWork
from creditloop.core.errors import ValidationError

STATUSES = ("open", "actioned", "closed")


def alert_dict(a: StoredAlert) -> dict[str, Any]:
    return {
        "alert_id": a.alert_id, "line_id": a.line_id, "rule_id": a.rule_id, "rule_set_id": a.rule_set_id,
        "rule_set_version": a.rule_set_version, "raised_on": a.raised_on.isoformat(), "severity": a.severity,
        "reasons": list(a.reasons), "features": dict(a.features), "score": a.score, "status": a.status,
        "actioned_on": None if a.actioned_on is None else a.actioned_on.isoformat(), "action": a.action,
        "closed_on": None if a.closed_on is None else a.closed_on.isoformat(), "outcome": a.outcome,
    }  # fmt: skip


def list_alerts(
    uow: UnitOfWork, status: str | None = None, line_id: str | None = None, after: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """Alerts of one line (``line_id``) or the unclosed ones of every line (or, with ``status``, only those), in
    alert id order; ``after`` (an alert id) and ``limit`` page them in the store's own query."""
    if status is not None and status not in STATUSES:
        raise ValidationError(f"status must be one of {', '.join(STATUSES)}, got {status!r}", field="status")
    if status == "closed" and line_id is None:
        raise ValidationError("status=closed needs line_id (closed alerts are listed per line)", field="status")
    with uow:
        store = getattr(uow, "alerts", None)
        if store is None:
            return []
        return [alert_dict(a) for a in store.listed(AlertQuery(line_id, status, after, limit))]
