"""SQL collections store (``app.collections_store.CollectionsStore``) on SQLite and PostgreSQL, inside the unit of
work's transaction: cases, the contact log (insert only, purged after retention), flags and promises.

The tables join the shared metadata here (``tables.metadata``), so migrations and the schema comparison see them
(``0010_collections``). Instants are fixed-width ISO text in UTC (``decisions.iso_instant``): they sort and
compare as the instants do on both backends.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from creditloop.adapters.sqlalchemy.common import ConnectionSource, to_json, upsert
from creditloop.adapters.sqlalchemy.decisions import _instant, iso_instant
from creditloop.adapters.sqlalchemy.tables import metadata
from creditloop.app.collections_store import CaseRecord, ContactRecord, Flag
from creditloop.collections.ptp import Promise
from creditloop.core.errors import IdempotencyConflict

collection_cases = sa.Table(
    "collection_cases",
    metadata,
    sa.Column("line_id", sa.String(100), primary_key=True),
    sa.Column("zone", sa.String(64), nullable=False),
    sa.Column("jurisdiction", sa.String(8), nullable=False),
    sa.Column("debtor_contacts", sa.Text, nullable=False),  # JSON list of opaque contact ids
    sa.Column("third_parties", sa.Text, nullable=False),
    sa.Column("opened_on", sa.Date, nullable=False),
)

# Every contact attempt, allowed or refused; insert only. (line_id, at) serves the case history, (at) the purge.
collection_contacts = sa.Table(
    "collection_contacts",
    metadata,
    sa.Column("record_id", sa.String(100), primary_key=True),
    sa.Column("line_id", sa.String(100), nullable=False),
    sa.Column("contact_id", sa.String(100), nullable=False),
    sa.Column("party", sa.String(16), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("purpose", sa.String(16), nullable=False),
    sa.Column("at", sa.String(27), nullable=False, index=True),
    sa.Column("local_on", sa.Date, nullable=False),
    sa.Column("allowed", sa.Boolean, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=True),
    sa.Column("codes", sa.Text, nullable=False),  # JSON list of rule codes
    sa.Column("policy", sa.String(64), nullable=False),
    sa.Column("agent", sa.String(100), nullable=False),
    sa.Column("script_id", sa.String(64), nullable=True),
    sa.Index("ix_collection_contacts_line_id", "line_id", "at"),
)

collection_flags = sa.Table(
    "collection_flags",
    metadata,
    sa.Column("flag_id", sa.String(100), primary_key=True),
    sa.Column("line_id", sa.String(100), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("opened_at", sa.String(27), nullable=False),
    sa.Column("contact_id", sa.String(100), nullable=True),
    sa.Column("channel", sa.String(16), nullable=True),
    sa.Column("window", sa.String(16), nullable=True),
    sa.Column("closed_at", sa.String(27), nullable=True),
)

collection_promises = sa.Table(
    "collection_promises",
    metadata,
    sa.Column("promise_id", sa.String(100), primary_key=True),
    sa.Column("line_id", sa.String(100), nullable=False, index=True),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
    sa.Column("made_on", sa.Date, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("settled_on", sa.Date, nullable=True),
    sa.Column("paid_minor", sa.BigInteger, nullable=False),
)


def _day(value: Any) -> date | None:
    return value if value is None or isinstance(value, date) else date.fromisoformat(str(value))


def _when(value: str | None) -> datetime | None:
    return None if value is None else _instant(value)


def _case(m: Any) -> CaseRecord:
    opened = _day(m["opened_on"])
    return CaseRecord(
        m["line_id"],
        m["zone"],
        m["jurisdiction"],
        tuple(json.loads(m["debtor_contacts"])),
        tuple(json.loads(m["third_parties"])),
        opened or date.min,
    )


def _contact(m: Any) -> ContactRecord:
    return ContactRecord(
        m["record_id"],
        m["line_id"],
        m["contact_id"],
        m["party"],
        m["channel"],
        m["purpose"],
        _instant(m["at"]),
        _day(m["local_on"]) or date.min,
        bool(m["allowed"]),
        m["outcome"],
        tuple(json.loads(m["codes"])),
        m["policy"],
        m["agent"],
        m["script_id"],
    )


def _flag(m: Any) -> Flag:
    return Flag(
        m["flag_id"],
        m["line_id"],
        m["kind"],
        _instant(m["opened_at"]),
        m["contact_id"],
        m["channel"],
        m["window"],
        _when(m["closed_at"]),
    )


def _promise(m: Any) -> Promise:
    return Promise(
        m["promise_id"],
        m["line_id"],
        m["amount_minor"],
        _day(m["made_on"]) or date.min,
        _day(m["due_on"]) or date.min,
        m["status"],
        _day(m["settled_on"]),
        m["paid_minor"],
    )


class SqlCollectionsStore:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    def _rows(self, query: Any) -> list[Any]:
        return [r._mapping for r in self._connection().execute(query)]

    def put_case(self, case: CaseRecord) -> None:
        row = {
            "line_id": case.line_id,
            "zone": case.zone,
            "jurisdiction": case.jurisdiction,
            "debtor_contacts": to_json(list(case.debtor_contacts)),
            "third_parties": to_json(list(case.third_parties)),
            "opened_on": case.opened_on,
        }
        upsert(self._connection(), collection_cases, [row], ["line_id"])

    def get_case(self, line_id: str) -> CaseRecord | None:
        rows = self._rows(sa.select(collection_cases).where(collection_cases.c.line_id == line_id))
        return _case(rows[0]) if rows else None

    def cases(self) -> list[CaseRecord]:
        return [_case(m) for m in self._rows(sa.select(collection_cases).order_by(collection_cases.c.line_id))]

    def add_contact(self, r: ContactRecord) -> None:
        known = self.get_contact(r.record_id)
        if known is not None:
            if known != r:
                raise IdempotencyConflict(f"contact attempt {r.record_id!r} is already recorded differently")
            return
        row = {
            "record_id": r.record_id,
            "line_id": r.line_id,
            "contact_id": r.contact_id,
            "party": r.party,
            "channel": r.channel,
            "purpose": r.purpose,
            "at": iso_instant(r.at),
            "local_on": r.local_on,
            "allowed": r.allowed,
            "outcome": r.outcome,
            "codes": to_json(list(r.codes)),
            "policy": r.policy,
            "agent": r.agent,
            "script_id": r.script_id,
        }
        self._connection().execute(collection_contacts.insert().values(**row))

    def get_contact(self, record_id: str) -> ContactRecord | None:
        rows = self._rows(sa.select(collection_contacts).where(collection_contacts.c.record_id == record_id))
        return _contact(rows[0]) if rows else None

    def contacts_for(self, line_id: str) -> list[ContactRecord]:
        t = collection_contacts
        return [
            _contact(m) for m in self._rows(sa.select(t).where(t.c.line_id == line_id).order_by(t.c.at, t.c.record_id))
        ]

    def purge_before(self, policy: str, cutoff: datetime) -> int:
        t = collection_contacts
        done = self._connection().execute(t.delete().where(t.c.policy == policy, t.c.at < iso_instant(cutoff)))
        return int(done.rowcount)

    def put_flag(self, f: Flag) -> None:
        row = {
            "flag_id": f.flag_id,
            "line_id": f.line_id,
            "kind": f.kind,
            "opened_at": iso_instant(f.opened_at),
            "contact_id": f.contact_id,
            "channel": f.channel,
            "window": f.window,
            "closed_at": None if f.closed_at is None else iso_instant(f.closed_at),
        }
        upsert(self._connection(), collection_flags, [row], ["flag_id"])

    def get_flag(self, flag_id: str) -> Flag | None:
        rows = self._rows(sa.select(collection_flags).where(collection_flags.c.flag_id == flag_id))
        return _flag(rows[0]) if rows else None

    def flags_for(self, line_id: str) -> list[Flag]:
        t = collection_flags
        return [
            _flag(m)
            for m in self._rows(sa.select(t).where(t.c.line_id == line_id).order_by(t.c.opened_at, t.c.flag_id))
        ]

    def open_flags(self, kind: str) -> list[Flag]:
        t = collection_flags
        query = sa.select(t).where(t.c.kind == kind, t.c.closed_at.is_(None))
        return [_flag(m) for m in self._rows(query.order_by(t.c.line_id, t.c.opened_at, t.c.flag_id))]

    def put_promise(self, p: Promise) -> None:
        row = {
            "promise_id": p.promise_id,
            "line_id": p.line_id,
            "amount_minor": p.amount_minor,
            "made_on": p.made_on,
            "due_on": p.due_on,
            "status": p.status,
            "settled_on": p.settled_on,
            "paid_minor": p.paid_minor,
        }
        upsert(self._connection(), collection_promises, [row], ["promise_id"])

    def get_promise(self, promise_id: str) -> Promise | None:
        rows = self._rows(sa.select(collection_promises).where(collection_promises.c.promise_id == promise_id))
        return _promise(rows[0]) if rows else None

    def promises_for(self, line_id: str) -> list[Promise]:
        t = collection_promises
        q = sa.select(t).where(t.c.line_id == line_id).order_by(t.c.made_on, t.c.promise_id)
        return [_promise(m) for m in self._rows(q)]

    def open_promises(self) -> list[Promise]:
        t = collection_promises
        q = sa.select(t).where(t.c.status == "open").order_by(t.c.line_id, t.c.promise_id)
        return [_promise(m) for m in self._rows(q)]
