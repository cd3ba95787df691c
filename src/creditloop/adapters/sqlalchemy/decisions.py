"""Underwriting decisions on SQLite and PostgreSQL (``app.ports.DecisionStore``): insert-only, for audit and replay."""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, Protocol

import sqlalchemy as sa

from creditloop.adapters.sqlalchemy.common import ConnectionSource, chunks, driver
from creditloop.adapters.sqlalchemy.tables import underwriting_decisions
from creditloop.app.ports import StoredDecision
from creditloop.core.errors import IdempotencyConflict, ValidationError

_T = underwriting_decisions
_ISO = "%Y-%m-%dT%H:%M:%S.%fZ"  # fixed width: sorts as the instants do


def iso_instant(at: datetime) -> str:
    if at.tzinfo is None:
        raise ValidationError("an instant must be aware (UTC)", field="since")
    return at.astimezone(UTC).strftime(_ISO)


def _instant(text: str) -> datetime:
    return datetime.strptime(text, _ISO).replace(tzinfo=UTC)


# Plain SQL, built once per dialect: a Core insert was compiled (and its cache key built) on every save, which
# cost more than the decision itself. The column order is the table's; ``_values`` follows it.
_COLUMNS = tuple(c.name for c in _T.columns)
_SQL = {
    dialect: {
        "insert": f"INSERT INTO underwriting_decisions ({', '.join(_COLUMNS)}) "
        f"VALUES ({', '.join([p] * len(_COLUMNS))}) ON CONFLICT (decision_id) DO NOTHING",
        "get": f"SELECT {', '.join(_COLUMNS)} FROM underwriting_decisions WHERE decision_id = {p}",
        "known": f"SELECT {', '.join(_COLUMNS)} FROM underwriting_decisions WHERE decision_id IN ",
    }
    for dialect, p in (("sqlite", "?"), ("postgresql", "%s"))
}


_Row = namedtuple("_Row", _COLUMNS)  # type: ignore[misc]  # a driver row by column name, as _decision reads it


# The form's personal data, encrypted inside ``inputs_json`` when the store has a cipher (issue 18, migration 0015).
PII_FIELDS = ("name", "id_number", "phone")
TOKEN_PREFIX = "pii1:"


def canonical(value: Any) -> str:
    """The bytes ``app.underwriting.canonical`` writes (the stdlib encoder with the same arguments)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


class FieldCipher(Protocol):
    def encrypt(self, field: str, value: str) -> str: ...

    def decrypt(self, field: str, token: str) -> str: ...


def seal_inputs(text: str, cipher: FieldCipher) -> str:
    """``inputs_json`` with the form's name, ID number and phone encrypted (values already encrypted are kept)."""
    doc = json.loads(text)
    form = doc.get("form") if isinstance(doc, dict) else None
    if not isinstance(form, dict):
        return text
    for name in PII_FIELDS:
        value = form.get(name)
        if isinstance(value, str) and not value.startswith(TOKEN_PREFIX):
            form[name] = cipher.encrypt(name, value)
    return canonical(doc)


def open_inputs(text: str, cipher: FieldCipher | None) -> str:
    """``inputs_json`` as it was before sealing (byte for byte: both are canonical JSON)."""
    if TOKEN_PREFIX not in text:
        return text
    if cipher is None:
        raise ValidationError("stored applications are encrypted: the PII key is needed (CREDITLOOP_PII_KEY)",
                              field="CREDITLOOP_PII_KEY")  # fmt: skip
    doc = json.loads(text)
    form = doc["form"]
    for name in PII_FIELDS:
        value = form.get(name)
        if isinstance(value, str) and value.startswith(TOKEN_PREFIX):
            form[name] = cipher.decrypt(name, value)
    return canonical(doc)


def _values(d: StoredDecision, sqlite: bool, cipher: FieldCipher | None = None) -> tuple[Any, ...]:
    row = _row(d)
    if cipher is not None:
        row["inputs_json"] = seal_inputs(d.inputs_json, cipher)
    if sqlite:
        row["applied_on"] = d.applied_on.isoformat()  # what the Date type stores on SQLite
    return tuple(row[c] for c in _COLUMNS)


def _row(d: StoredDecision) -> dict[str, Any]:
    return {
        "decision_id": d.decision_id,
        "application_id": d.application_id,
        "decided_at": iso_instant(d.decided_at),
        "applied_on": d.applied_on,
        "policy_id": d.policy_id,
        "policy_version": d.policy_version,
        "model_id": d.model_id,
        "model_version": d.model_version,
        "arm": d.arm,
        "outcome": d.outcome,
        "limit_minor": d.limit_minor,
        "pd": d.pd,
        "inputs_hash": d.inputs_hash,
        "inputs_json": d.inputs_json,
        "decision_json": d.decision_json,
        "line_id": d.line_id,
    }


def _decision(r: Any, cipher: FieldCipher | None = None) -> StoredDecision:
    applied_on = r.applied_on if isinstance(r.applied_on, date) else date.fromisoformat(r.applied_on)
    return StoredDecision(
        decision_id=r.decision_id,
        application_id=r.application_id,
        decided_at=_instant(r.decided_at),
        applied_on=applied_on,
        policy_id=r.policy_id,
        policy_version=r.policy_version,
        model_id=r.model_id,
        model_version=r.model_version,
        arm=r.arm,
        outcome=r.outcome,
        limit_minor=int(r.limit_minor),
        pd=None if r.pd is None else float(r.pd),
        inputs_hash=r.inputs_hash,
        inputs_json=open_inputs(r.inputs_json, cipher),
        decision_json=r.decision_json,
        line_id=r.line_id,
    )


def _id_order(conn: sa.Connection) -> Any:
    # Ties on the instant break by id in code-point order, as the memory store's sort does.
    return _T.c.decision_id.collate("C") if conn.dialect.name == "postgresql" else _T.c.decision_id


class SqlDecisionStore:
    """A decision once stored is never rewritten: the same record again is a no-op, another one a conflict."""

    def __init__(self, connection: ConnectionSource, cipher: FieldCipher | None = None) -> None:
        self._connection = connection
        self.cipher = cipher  # set by the API server (CREDITLOOP_PII_KEY): the form's PII is stored encrypted

    def save(self, record: StoredDecision) -> None:
        self.save_many((record,))

    def save_many(self, records: Sequence[StoredDecision]) -> None:
        """Insert a batch in one executemany; a record already stored must be the same record."""
        if not records:
            return
        conn = self._connection()
        name = conn.dialect.name
        values = [_values(r, name == "sqlite", self.cipher) for r in records]
        if name == "sqlite":  # the driver directly (SQLAlchemy's per-statement set-up is most of the cost)
            done = driver(conn).executemany(_SQL[name]["insert"], values).rowcount
        else:
            done = conn.exec_driver_sql(_SQL[name]["insert"], values if len(values) > 1 else values[0]).rowcount
        if done == len(records):
            return
        for record in records:  # some were there already: each must be the record stored (error path only)
            known = self.get(record.decision_id)
            if known != record:
                raise IdempotencyConflict(f"decision {record.decision_id!r} is already stored with another record")

    def get(self, decision_id: str) -> StoredDecision | None:
        conn = self._connection()
        if conn.dialect.name == "sqlite":
            found = driver(conn).execute(_SQL["sqlite"]["get"], (decision_id,)).fetchone()
            return None if found is None else _decision(_Row(*found), self.cipher)
        r = conn.exec_driver_sql(_SQL[conn.dialect.name]["get"], (decision_id,)).first()
        return None if r is None else _decision(r, self.cipher)

    def get_many(self, decision_ids: Sequence[str]) -> dict[str, StoredDecision]:
        """The stored decisions among ``decision_ids``, by id (one query per chunk of ids)."""
        conn = self._connection()
        name = conn.dialect.name
        p = "?" if name == "sqlite" else "%s"
        out: dict[str, StoredDecision] = {}
        for chunk in chunks(list(dict.fromkeys(decision_ids))):
            sql = _SQL[name]["known"] + f"({', '.join([p] * len(chunk))})"
            for r in conn.exec_driver_sql(sql, tuple(chunk)):
                out[r.decision_id] = _decision(r, self.cipher)
        return out

    def for_application(self, application_id: str) -> list[StoredDecision]:
        conn = self._connection()
        q = sa.select(_T).where(_T.c.application_id == application_id).order_by(_T.c.decided_at, _id_order(conn))
        return [_decision(r, self.cipher) for r in conn.execute(q)]

    def list(
        self, *, since: datetime | None = None, arm: str | None = None, limit: int | None = None
    ) -> list[StoredDecision]:
        conn = self._connection()
        q = sa.select(_T).order_by(_T.c.decided_at, _id_order(conn))
        if since is not None:
            q = q.where(_T.c.decided_at >= iso_instant(since))
        if arm is not None:
            q = q.where(_T.c.arm == arm)
        if limit is not None:
            q = q.limit(limit)
        return [_decision(r, self.cipher) for r in conn.execute(q)]
