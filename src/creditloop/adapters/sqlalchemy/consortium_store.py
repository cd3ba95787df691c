"""The consortium service's own database (issue #19): members and their keys, consent events, contributions and
the query audit, append-only, in a metadata of its own (not the lender's Alembic chain: the consortium is another
party's service with another database; see docs/consortium.md "Persistence").

The service answers from the core's in-memory ``Registry``; this store is its durable copy: every consent event
and contribution is written before it is acknowledged, and ``load_registry`` replays them in order on start. No
table holds an identifier: pseudonyms (keyed hashes), bands, buckets, counts, and a 32-bit prefix in the audit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from creditloop.adapters.sqlalchemy.db import make_engine
from creditloop.consortium.answers import AuditRecord
from creditloop.consortium.signals import Contribution, Registry

GRANT, REVOKE = "grant", "revoke"
_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite autoincrements INTEGER PRIMARY KEY only

metadata = sa.MetaData()
members = sa.Table(
    "consortium_members", metadata,
    sa.Column("member_id", sa.String(32), primary_key=True),
    sa.Column("label", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)  # fmt: skip
member_keys = sa.Table(
    "consortium_member_keys", metadata,
    sa.Column("key_id", sa.String(12), primary_key=True),
    sa.Column("member_id", sa.String(32), sa.ForeignKey("consortium_members.member_id"), nullable=False),
    sa.Column("secret_sha256", sa.String(64), nullable=False),
    sa.Column("label", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)  # fmt: skip
key_events = sa.Table(  # who revoked which member key, when and why (append-only; the key row holds the state)
    "consortium_member_key_events", metadata,
    sa.Column("seq", _SEQ, primary_key=True, autoincrement=True),
    sa.Column("key_id", sa.String(12), nullable=False),
    sa.Column("member_id", sa.String(32), nullable=False),
    sa.Column("event", sa.String(8), nullable=False),
    sa.Column("reason", sa.String(100), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)  # fmt: skip
consents = sa.Table(
    "consortium_consent_events", metadata,
    sa.Column("seq", _SEQ, primary_key=True, autoincrement=True),
    sa.Column("member_id", sa.String(32), nullable=False),
    sa.Column("key_id", sa.String(32), nullable=False),
    sa.Column("pseudonym", sa.String(64), nullable=False),
    sa.Column("purpose", sa.String(32), nullable=False),
    sa.Column("event", sa.String(8), nullable=False),
    sa.Column("on_date", sa.Date, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)  # fmt: skip
contributions = sa.Table(
    "consortium_contributions", metadata,
    sa.Column("seq", _SEQ, primary_key=True, autoincrement=True),
    sa.Column("member_id", sa.String(32), nullable=False),
    sa.Column("key_id", sa.String(32), nullable=False),
    sa.Column("pseudonym", sa.String(64), nullable=False),
    sa.Column("open_lines", sa.Integer, nullable=False),
    sa.Column("balance_band", sa.String(16), nullable=False),
    sa.Column("worst_bucket", sa.String(8), nullable=False),
    sa.Column("applications_30d", sa.Integer, nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)  # fmt: skip
audit = sa.Table(
    "consortium_audit", metadata,
    sa.Column("seq", _SEQ, primary_key=True, autoincrement=True),
    sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("on_date", sa.Date, nullable=False),
    sa.Column("member_id", sa.String(32), nullable=False),
    sa.Column("purpose", sa.String(32), nullable=False),
    sa.Column("pseudonym_prefix", sa.String(8), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class MemberKey:
    key_id: str
    member_id: str
    secret_sha256: str
    revoked_at: datetime | None


def _full_sync(dbapi_connection: Any, _record: Any) -> None:
    """The audit must survive a power cut, not only a crash: SQLite syncs the WAL on every commit (the service
    commits audit rows in batches, so this costs one sync per batch)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA synchronous=FULL")
    finally:
        cursor.close()


def open_store(url: str, *, full_sync: bool = True) -> ConsortiumStore:
    """The store at ``url`` with its tables. ``full_sync=False`` (SQLite): commits reach the disk at checkpoints,
    durable against a crash of the service but not of the machine (PostgreSQL: the server's own setting)."""
    engine = make_engine(url)
    if engine.dialect.name == "sqlite" and full_sync:
        event.listen(engine, "connect", _full_sync)
    store = ConsortiumStore(engine)
    store.create()
    return store


class ConsortiumStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self) -> None:
        """Create the tables that are missing (idempotent; the service's schema is this metadata)."""
        metadata.create_all(self.engine, checkfirst=True)

    # ------------------------------------------------------------------------------------------ members, keys

    def add_member(self, member_id: str, label: str, at: datetime) -> bool:
        """Register a member unless it exists; whether it was new."""
        with self.engine.begin() as conn:
            if conn.execute(sa.select(members.c.member_id).where(members.c.member_id == member_id)).first():
                return False
            conn.execute(members.insert().values(member_id=member_id, label=label, created_at=at))
        return True

    def member_ids(self) -> frozenset[str]:
        with self.engine.connect() as conn:
            return frozenset(conn.execute(sa.select(members.c.member_id)).scalars())

    def add_key(self, key: MemberKey, label: str, at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                member_keys.insert().values(
                    key_id=key.key_id, member_id=key.member_id, secret_sha256=key.secret_sha256, label=label,
                    created_at=at, revoked_at=key.revoked_at,
                )
            )  # fmt: skip

    def get_key(self, key_id: str) -> MemberKey | None:
        cols = (member_keys.c.key_id, member_keys.c.member_id, member_keys.c.secret_sha256, member_keys.c.revoked_at)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(*cols).where(member_keys.c.key_id == key_id)).first()
        return None if row is None else MemberKey(*row)

    def revoke_key(self, key_id: str, at: datetime, reason: str = "") -> bool:
        """Mark a live key revoked and audit it in one transaction; False (nothing written) if it already was."""
        with self.engine.begin() as conn:
            done = conn.execute(
                member_keys.update()
                .where(member_keys.c.key_id == key_id, member_keys.c.revoked_at.is_(None))
                .values(revoked_at=at)
                .returning(member_keys.c.member_id)
            ).first()
            if done is not None:
                conn.execute(key_events.insert().values(key_id=key_id, member_id=done[0], event="revoke",
                                                        reason=reason[:100], at=at))  # fmt: skip
        return done is not None

    def key_events(self, key_id: str) -> list[dict[str, Any]]:
        query = sa.select(key_events).where(key_events.c.key_id == key_id).order_by(key_events.c.seq)
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    # --------------------------------------------------------------------------- consents and contributions

    def record_consent(
        self, kind: str, member_id: str, key_id: str, pseudonym: str, purpose: str, on: date, at: datetime
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                consents.insert().values(
                    member_id=member_id, key_id=key_id, pseudonym=pseudonym, purpose=purpose, event=kind, on_date=on,
                    recorded_at=at,
                )
            )  # fmt: skip

    def record_consents(
        self, kind: str, member_id: str, items: Sequence[tuple[str, str, str, date]], at: datetime
    ) -> None:
        """A batch of one member's consent events, ``(key_id, pseudonym, purpose, on)`` each, in one transaction and
        in order (the replay applies them in ``seq`` order): all stored or none."""
        rows = [
            {"member_id": member_id, "key_id": key_id, "pseudonym": pseudonym, "purpose": purpose, "event": kind,
             "on_date": on, "recorded_at": at}
            for key_id, pseudonym, purpose, on in items
        ]  # fmt: skip
        if rows:
            with self.engine.begin() as conn:
                conn.execute(consents.insert(), rows)

    def record_contribution(self, c: Contribution, at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                contributions.insert().values(
                    member_id=c.member_id, key_id=c.key_id, pseudonym=c.pseudonym, open_lines=c.open_lines,
                    balance_band=c.balance_band, worst_bucket=c.worst_bucket, applications_30d=c.applications_30d,
                    as_of=c.as_of, recorded_at=at,
                )
            )  # fmt: skip

    def load_registry(self) -> Registry:
        """The registry as the stored events left it: members, then consent events, then contributions, in order."""
        registry = Registry(self.member_ids())
        with self.engine.connect() as conn:
            for row in conn.execute(sa.select(consents).order_by(consents.c.seq)).mappings():
                args = (row["member_id"], row["key_id"], row["pseudonym"], row["purpose"], row["on_date"])
                (registry.grant if row["event"] == GRANT else registry.revoke)(*args)
            names = ("member_id", "key_id", "pseudonym", "open_lines", "balance_band", "worst_bucket",
                     "applications_30d", "as_of")  # fmt: skip
            for row in conn.execute(sa.select(contributions).order_by(contributions.c.seq)).mappings():
                registry.contribute(Contribution(**{n: row[n] for n in names}))
        return registry

    def purge_key(self, key_id: str) -> dict[str, int]:
        """Delete every contribution and consent event made under a retired consortium key (after its rotation's
        window its pseudonyms match nothing, and whoever holds the old key could link them): rows deleted per table.
        The audit keeps its 32-bit prefixes, which link nobody."""
        with self.engine.begin() as conn:
            gone = {t.name: int(conn.execute(t.delete().where(t.c.key_id == key_id)).rowcount or 0)
                    for t in (contributions, consents)}  # fmt: skip
        return gone

    # ------------------------------------------------------------------------------------------------- audit

    def append_audit(self, records: Sequence[tuple[datetime, AuditRecord]]) -> None:
        """One transaction for a batch of query audit rows (committed before any of those answers is sent)."""
        if not records:
            return
        rows = [
            {"asked_at": at, "on_date": r.on, "member_id": r.member_id, "purpose": r.purpose,
             "pseudonym_prefix": r.pseudonym_prefix, "kind": r.kind}
            for at, r in records
        ]  # fmt: skip
        with self.engine.begin() as conn:
            conn.execute(audit.insert(), rows)

    def audit_rows(self, member_id: str | None = None) -> list[dict[str, Any]]:
        query = sa.select(audit).order_by(audit.c.seq)
        if member_id is not None:
            query = query.where(audit.c.member_id == member_id)
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def counts(self) -> dict[str, int]:
        """Rows per table (what tests of "nothing stored" compare)."""
        with self.engine.connect() as conn:
            return {
                t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
                for t in (members, member_keys, key_events, consents, contributions, audit)
            }
