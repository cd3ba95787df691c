"""SQL alert store (``app.alerts.AlertStore``) over ``ewi_alerts``, inside the unit of work's transaction."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlalchemy as sa

from creditloop.adapters.sqlalchemy.common import ConnectionSource, code_point, to_json
from creditloop.adapters.sqlalchemy.tables import ewi_alerts
from creditloop.app.alerts import AlertQuery, StoredAlert, _same_raising
from creditloop.core.errors import IdempotencyConflict, NotFound

_LIFECYCLE = ("status", "actioned_on", "action", "closed_on", "outcome")


def _day(value: Any) -> date | None:
    return value if value is None or isinstance(value, date) else date.fromisoformat(str(value))


def _alert(row: Any) -> StoredAlert:
    m = row._mapping
    raised = _day(m["raised_on"])
    assert raised is not None
    return StoredAlert(
        m["alert_id"], m["line_id"], m["rule_id"], m["rule_set_id"], m["rule_set_version"], raised, m["severity"],
        tuple(json.loads(m["reasons"])), json.loads(m["features"]), m["score"], m["status"], _day(m["actioned_on"]),
        m["action"], _day(m["closed_on"]), m["outcome"],
    )  # fmt: skip


class SqlAlertStore:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    def add(self, alert: StoredAlert) -> None:
        known = self.get(alert.alert_id)
        if known is not None:
            if not _same_raising(known, alert):
                raise IdempotencyConflict(f"alert {alert.alert_id!r} is already stored with another raising")
            return
        row = {
            "alert_id": alert.alert_id, "line_id": alert.line_id, "rule_id": alert.rule_id,
            "rule_set_id": alert.rule_set_id, "rule_set_version": alert.rule_set_version,
            "raised_on": alert.raised_on, "severity": alert.severity, "reasons": to_json(list(alert.reasons)),
            "features": to_json(dict(alert.features)), "score": alert.score,
            **{k: getattr(alert, k) for k in _LIFECYCLE},
        }  # fmt: skip
        self._connection().execute(ewi_alerts.insert().values(**row))

    def update(self, alert: StoredAlert) -> None:
        values = {k: getattr(alert, k) for k in _LIFECYCLE}
        done = self._connection().execute(
            ewi_alerts.update().where(ewi_alerts.c.alert_id == alert.alert_id).values(**values)
        )
        if done.rowcount != 1:
            raise NotFound(f"alert {alert.alert_id!r} is not stored", field="alert_id")

    def get(self, alert_id: str) -> StoredAlert | None:
        row = self._connection().execute(sa.select(ewi_alerts).where(ewi_alerts.c.alert_id == alert_id)).first()
        return None if row is None else _alert(row)

    def for_line(self, line_id: str) -> list[StoredAlert]:
        query = (
            sa.select(ewi_alerts)
            .where(ewi_alerts.c.line_id == line_id)
            .order_by(ewi_alerts.c.raised_on, ewi_alerts.c.alert_id)
        )
        return [_alert(r) for r in self._connection().execute(query)]

    def unclosed(self) -> list[StoredAlert]:
        query = (
            sa.select(ewi_alerts)
            .where(ewi_alerts.c.status != "closed")
            .order_by(ewi_alerts.c.line_id, ewi_alerts.c.raised_on, ewi_alerts.c.alert_id)
        )
        return [_alert(r) for r in self._connection().execute(query)]

    def raised_between(self, first: date, last: date) -> list[StoredAlert]:
        query = (
            sa.select(ewi_alerts)
            .where(ewi_alerts.c.raised_on >= first, ewi_alerts.c.raised_on <= last)
            .order_by(ewi_alerts.c.raised_on, ewi_alerts.c.alert_id)
        )
        return [_alert(r) for r in self._connection().execute(query)]

    def listed(self, query: AlertQuery) -> list[StoredAlert]:
        conn, c = self._connection(), ewi_alerts.c
        key = code_point(conn, c.alert_id)
        stmt = sa.select(ewi_alerts).order_by(key)
        stmt = stmt.where(c.line_id == query.line_id) if query.line_id is not None else stmt.where(c.status != "closed")
        if query.status is not None:
            stmt = stmt.where(c.status == query.status)
        if query.after is not None:
            stmt = stmt.where(key > query.after)
        if query.limit is not None:
            stmt = stmt.limit(query.limit)
        return [_alert(r) for r in conn.execute(stmt)]
