"""SQL credit-dispute store (``app.dispute_store.DisputeStore``) on SQLite and PostgreSQL, inside the unit of
work's transaction. The tables join the shared metadata here (``tables.metadata``), so migrations and the schema
comparison see them (``0011_credit_disputes``). ``claim`` is stored only with the customer's consent."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlalchemy as sa

from creditloop.adapters.sqlalchemy.common import ConnectionSource, to_json
from creditloop.adapters.sqlalchemy.tables import metadata
from creditloop.app.dispute_store import CLOSING, CreditDispute, CreditStatement
from creditloop.core.errors import IdempotencyConflict, NotFound

credit_disputes = sa.Table(
    "credit_disputes",
    metadata,
    sa.Column("dispute_id", sa.String(100), primary_key=True),
    sa.Column("line_id", sa.String(100), nullable=False, index=True),
    sa.Column("customer_id", sa.String(100), nullable=False, index=True),
    sa.Column("months", sa.Text, nullable=False),  # JSON list of 'YYYY-MM'
    sa.Column("field", sa.String(16), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("jurisdiction", sa.String(8), nullable=False),
    sa.Column("filed_on", sa.Date, nullable=False),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("consent", sa.Boolean, nullable=False),
    sa.Column("claim", sa.Text, nullable=True),
    sa.Column("lang", sa.String(5), nullable=False),
    sa.Column("holds_collections", sa.Boolean, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("outcome", sa.String(16), nullable=True),
    sa.Column("closed_on", sa.Date, nullable=True),
    sa.Column("corrected_value", sa.String(20), nullable=True),
)

credit_statements = sa.Table(
    "credit_statements",
    metadata,
    sa.Column("statement_id", sa.String(100), primary_key=True),
    sa.Column("customer_id", sa.String(100), nullable=False, index=True),
    sa.Column("line_id", sa.String(100), nullable=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("lang", sa.String(5), nullable=False),
    sa.Column("added_on", sa.Date, nullable=False),
)


def _day(value: Any) -> date | None:
    return value if value is None or isinstance(value, date) else date.fromisoformat(str(value))


def _dispute(row: Any) -> CreditDispute:
    m = row._mapping
    filed, due = _day(m["filed_on"]), _day(m["due_on"])
    assert filed is not None and due is not None
    return CreditDispute(
        m["dispute_id"], m["line_id"], m["customer_id"], tuple(json.loads(m["months"])), m["field"], m["channel"],
        m["jurisdiction"], filed, due, bool(m["consent"]), m["claim"], m["lang"], bool(m["holds_collections"]),
        m["status"], m["outcome"], _day(m["closed_on"]), m["corrected_value"],
    )  # fmt: skip


def _statement(row: Any) -> CreditStatement:
    m = row._mapping
    added = _day(m["added_on"])
    assert added is not None
    return CreditStatement(m["statement_id"], m["customer_id"], m["line_id"], m["text"], m["lang"], added)


class SqlDisputeStore:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    def add(self, dispute: CreditDispute) -> None:
        known = self.get(dispute.dispute_id)
        if known is not None:
            if known != dispute:
                raise IdempotencyConflict(f"dispute {dispute.dispute_id!r} is stored with another content")
            return
        row = {k: getattr(dispute, k) for k in dispute.__dataclass_fields__}
        row["months"] = to_json(list(dispute.months))
        self._connection().execute(credit_disputes.insert().values(**row))

    def get(self, dispute_id: str) -> CreditDispute | None:
        query = sa.select(credit_disputes).where(credit_disputes.c.dispute_id == dispute_id)
        row = self._connection().execute(query).first()
        return None if row is None else _dispute(row)

    def close(self, dispute: CreditDispute) -> None:
        done = self._connection().execute(
            credit_disputes.update()
            .where(credit_disputes.c.dispute_id == dispute.dispute_id)
            .values(**{k: getattr(dispute, k) for k in CLOSING})
        )
        if done.rowcount != 1:
            raise NotFound(f"no dispute {dispute.dispute_id!r}", field="dispute_id")

    def disputes(self, *, line_id: str | None = None, customer_id: str | None = None) -> list[CreditDispute]:
        query = sa.select(credit_disputes).order_by(credit_disputes.c.dispute_id)
        if line_id is not None:
            query = query.where(credit_disputes.c.line_id == line_id)
        if customer_id is not None:
            query = query.where(credit_disputes.c.customer_id == customer_id)
        return [_dispute(r) for r in self._connection().execute(query)]

    def add_statement(self, statement: CreditStatement) -> None:
        query = sa.select(credit_statements).where(credit_statements.c.statement_id == statement.statement_id)
        row = self._connection().execute(query).first()
        if row is not None:
            if _statement(row) != statement:
                raise IdempotencyConflict(f"statement {statement.statement_id!r} is stored with another content")
            return
        values = {k: getattr(statement, k) for k in statement.__dataclass_fields__}
        self._connection().execute(credit_statements.insert().values(**values))

    def statements(self, customer_id: str) -> list[CreditStatement]:
        query = (
            sa.select(credit_statements)
            .where(credit_statements.c.customer_id == customer_id)
            .order_by(credit_statements.c.added_on, credit_statements.c.statement_id)
        )
        return [_statement(r) for r in self._connection().execute(query)]
