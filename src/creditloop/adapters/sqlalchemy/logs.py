"""Insert-only audit log of automated decisions, and the day-end run and reconciliation records."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect

from creditloop.adapters.sqlalchemy.common import (
    ConnectionSource,
    to_json,
    upsert,
)
from creditloop.adapters.sqlalchemy.tables import (
    audit_decisions,
    day_end_runs,
    reconciliations,
)
from creditloop.app.ports import (
    AuditRecord,
    DayEndRecord,
    ReconciliationRecord,
)
from creditloop.core.errors import IdempotencyConflict

_AUDIT_COLUMNS = tuple(c.name for c in audit_decisions.columns)
_SQLITE_RECORD_DECISION = (
    f"INSERT INTO audit_decisions ({', '.join(_AUDIT_COLUMNS)}) VALUES ({', '.join('?' for _ in _AUDIT_COLUMNS)}) "
    "ON CONFLICT (decision_id) DO NOTHING"
)
_PG_RECORD_DECISION = _SQLITE_RECORD_DECISION.replace("?", "%s")


def _audit_values(item: AuditRecord, sqlite: bool) -> tuple[Any, ...]:
    """The row in ``_AUDIT_COLUMNS`` order, for the driver (on SQLite the date as ISO text, as its Date stores it)."""
    row = {
        "decision_id": item.decision_id,
        "kind": item.kind,
        "subject_id": item.subject_id,
        "decided_on": item.decided_on.isoformat() if sqlite else item.decided_on,
        "policy_id": item.policy_id,
        "policy_version": item.policy_version,
        "inputs_hash": item.inputs_hash,
        "outcome": item.outcome,
        "reasons": to_json(list(item.reasons)),
        "trace": to_json(list(item.trace)),
    }
    return tuple(row[c] for c in _AUDIT_COLUMNS)


_SQLITE_GET_DECISION = (
    f"SELECT {', '.join(c.name for c in audit_decisions.columns)} FROM audit_decisions WHERE decision_id = ?"
)


class SqlAudit:
    """Audit log of automated decisions: insert-only. The same record again is a no-op; another record under
    the same id is refused, so a decision once made can never be rewritten."""

    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    def record(self, item: AuditRecord) -> None:
        row = {
            "decision_id": item.decision_id,
            "kind": item.kind,
            "subject_id": item.subject_id,
            "decided_on": item.decided_on,
            "policy_id": item.policy_id,
            "policy_version": item.policy_version,
            "inputs_hash": item.inputs_hash,
            "outcome": item.outcome,
            "reasons": to_json(list(item.reasons)),
            "trace": to_json(list(item.trace)),
        }
        conn = self._connection()
        # Insert unless the id exists (one statement on the usual path); only then compare with what is stored.
        if conn.dialect.name == "sqlite" and type(item.decided_on) is date:  # the driver directly (as ``get``)
            values = tuple(item.decided_on.isoformat() if c == "decided_on" else row[c] for c in _AUDIT_COLUMNS)
            inserted = conn.exec_driver_sql(_SQLITE_RECORD_DECISION, values).rowcount
        else:
            insert: Any = (pg_dialect if conn.dialect.name == "postgresql" else sqlite_dialect).insert(audit_decisions)
            inserted = conn.execute(insert.on_conflict_do_nothing(index_elements=["decision_id"]), row).rowcount
        if inserted == 1:
            return
        known = self.get(item.decision_id)
        if known != item:
            raise IdempotencyConflict(f"decision {item.decision_id!r} is already recorded with another outcome")

    def record_many(self, items: Sequence[AuditRecord]) -> None:
        """``record`` for a batch: one executemany (a decision batch's audit rows); a row already there must be
        the same record."""
        if not items:
            return
        conn = self._connection()
        name = conn.dialect.name
        sql = _SQLITE_RECORD_DECISION if name == "sqlite" else _PG_RECORD_DECISION
        values = [_audit_values(item, name == "sqlite") for item in items]
        done = conn.exec_driver_sql(sql, values if len(values) > 1 else values[0]).rowcount
        if done == len(items):
            return
        for item in items:  # some were there already (error path only)
            if self.get(item.decision_id) != item:
                raise IdempotencyConflict(f"decision {item.decision_id!r} is already recorded with another outcome")

    def get(self, decision_id: str) -> AuditRecord | None:
        t = audit_decisions
        conn = self._connection()
        if conn.dialect.name == "sqlite":  # the driver directly: one lookup per application in a simulation
            r = conn.exec_driver_sql(_SQLITE_GET_DECISION, (decision_id,)).first()
        else:
            r = conn.execute(sa.select(t).where(t.c.decision_id == decision_id)).first()
        if r is None:
            return None
        decided_on = r.decided_on if isinstance(r.decided_on, date) else date.fromisoformat(r.decided_on)
        return AuditRecord(
            decision_id=r.decision_id,
            kind=r.kind,
            subject_id=r.subject_id,
            decided_on=decided_on,
            policy_id=r.policy_id,
            policy_version=r.policy_version,
            inputs_hash=r.inputs_hash,
            outcome=r.outcome,
            reasons=tuple(json.loads(r.reasons)),
            trace=tuple(json.loads(r.trace)),
        )


_SQLITE_LAST_DONE = "SELECT max(business_date) FROM day_end_runs WHERE status = 'DONE'"
_SQLITE_MARK_DAY = (
    "INSERT INTO day_end_runs (business_date, status, lines_closed) VALUES (?, ?, ?) ON CONFLICT (business_date) "
    "DO UPDATE SET status = excluded.status, lines_closed = excluded.lines_closed"
)


class SqlDayEnds:
    """Day-end runs and reconciliation records, one row per business date (upserted)."""

    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    def get(self, business_date: date) -> DayEndRecord | None:
        t = day_end_runs
        r = self._connection().execute(sa.select(t).where(t.c.business_date == business_date)).first()
        return None if r is None else DayEndRecord(r.business_date, r.status, r.lines_closed)

    def last_done(self) -> date | None:
        t = day_end_runs
        conn = self._connection()
        if conn.dialect.name == "sqlite":  # the driver directly: asked every simulated day (dates are ISO text)
            text = conn.exec_driver_sql(_SQLITE_LAST_DONE).scalar_one()
            return None if text is None else date.fromisoformat(text)
        value: date | None = conn.execute(
            sa.select(sa.func.max(t.c.business_date)).where(t.c.status == "DONE")
        ).scalar_one()
        return value

    def mark(self, record: DayEndRecord) -> None:
        conn = self._connection()
        if conn.dialect.name == "sqlite":  # the same upsert as below, without building a statement twice a day
            values = (record.business_date.isoformat(), record.status, record.lines_closed)
            conn.exec_driver_sql(_SQLITE_MARK_DAY, values)
            return
        row = {"business_date": record.business_date, "status": record.status, "lines_closed": record.lines_closed}
        upsert(conn, day_end_runs, [row], ["business_date"])

    def reconcile(self, record: ReconciliationRecord) -> None:
        row = {
            "business_date": record.business_date,
            "trial_balance_minor": record.trial_balance_minor,
            "control": to_json(record.control),
            "sub_ledger": to_json(record.sub_ledger),
            "ok": record.ok,
        }
        upsert(self._connection(), reconciliations, [row], ["business_date"])

    def reconciliation(self, business_date: date) -> ReconciliationRecord | None:
        t = reconciliations
        r = self._connection().execute(sa.select(t).where(t.c.business_date == business_date)).first()
        if r is None:
            return None
        control = {k: int(v) for k, v in json.loads(r.control).items()}
        sub = {k: int(v) for k, v in json.loads(r.sub_ledger).items()}
        return ReconciliationRecord(r.business_date, int(r.trial_balance_minor), control, sub, bool(r.ok))
