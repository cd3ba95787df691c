"""Issue #18: personal data encrypted at rest. New tables ``customer_pii`` (name, ID number and phone encrypted,
the ID number's blind index) and ``pii_reads`` (who read which customer's which fields, when; never values); and a
data migration: the name, ID number and phone inside every stored application form (``underwriting_decisions.
inputs_json``) are encrypted in place, and approved applicants' data is copied to ``customer_pii``.

The key: ``CREDITLOOP_PII_KEY``; on the embedded SQLite ledger without it, the key file ``pii.key`` next to the
database (made when missing, as the server does). With rows to encrypt and no key (PostgreSQL) the upgrade stops
with a message naming the variable, before anything is written. No rows to encrypt: ``cryptography`` is not needed.
The downgrade decrypts the forms back (with the key) and drops the tables.

Revision ID: 0015_pii_encryption
Revises: 0012_api_keys
Create Date: 2026-12-03
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0015_pii_encryption"
down_revision: str | None = "0012_api_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIELDS = ("name", "id_number", "phone")
PREFIX = "pii1:"


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _cipher(conn: sa.Connection, pending: int) -> Any:
    try:
        from creditloop.adapters.pii_crypto import KEY_ENV, PiiCipher, new_key
    except ImportError:
        raise RuntimeError(
            f"0015_pii_encryption: {pending} stored application(s) hold personal data in clear; "
            "encrypting them needs the service extra: pip install 'creditloop[service]'"
        ) from None
    text = os.environ.get(KEY_ENV)
    if not text and conn.dialect.name == "sqlite" and conn.engine.url.database:
        key_file = Path(conn.engine.url.database).parent / "pii.key"
        if not key_file.exists():
            key_file.write_text(new_key() + "\n", encoding="ascii")
            key_file.chmod(0o600)
            print(f"warning: {KEY_ENV} is not set; generated a PII key in {key_file} (keep it safe)", file=sys.stderr)
        text = key_file.read_text(encoding="ascii")
    if not text:
        raise RuntimeError(f"0015_pii_encryption: {pending} stored application(s) hold personal data in clear; "
                           f"set {KEY_ENV} (32 random bytes, base64) to encrypt them")  # fmt: skip
    return PiiCipher.from_text(text)


def upgrade() -> None:
    customer_pii = op.create_table(
        "customer_pii",
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("application_id", sa.String(200), nullable=False),
        sa.Column("name_enc", sa.Text(), nullable=False),
        sa.Column("id_number_enc", sa.Text(), nullable=False),
        sa.Column("phone_enc", sa.Text(), nullable=False),
        sa.Column("id_number_index", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name="pk_customer_pii"),
    )
    op.create_index("ix_customer_pii_id_number_index", "customer_pii", ["id_number_index"])
    op.create_table(
        "pii_reads",
        sa.Column("read_id", sa.String(40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(40), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("fields", sa.String(100), nullable=False),
        sa.Column("operation", sa.String(60), nullable=False),
        sa.PrimaryKeyConstraint("read_id", name="pk_pii_reads"),
    )
    op.create_index("ix_pii_reads_customer_id", "pii_reads", ["customer_id"])
    conn = op.get_bind()
    decisions = sa.table("underwriting_decisions", sa.column("decision_id"), sa.column("application_id"),
                         sa.column("inputs_json"), sa.column("line_id"))  # fmt: skip
    lines = sa.table("credit_lines", sa.column("line_id"), sa.column("customer_id"))
    rows = [r for r in conn.execute(sa.select(decisions)) if f'"{FIELDS[1]}":"{PREFIX}' not in r.inputs_json]
    if not rows:
        return
    cipher = _cipher(conn, len(rows))
    now = datetime.now(UTC)
    for r in rows:
        doc = json.loads(r.inputs_json)
        form = doc["form"]
        clear = {f: str(form.get(f, "")) for f in FIELDS}
        for f in FIELDS:
            form[f] = cipher.encrypt(f, clear[f])
        conn.execute(decisions.update().where(decisions.c.decision_id == r.decision_id)
                     .values(inputs_json=_canonical(doc)))  # fmt: skip
        if r.line_id is None:
            continue  # a declined or referred applicant is not a customer: the form alone keeps the data
        customer = conn.execute(sa.select(lines.c.customer_id).where(lines.c.line_id == r.line_id)).scalar()
        if customer is None:
            continue
        conn.execute(customer_pii.delete().where(customer_pii.c.customer_id == customer))
        conn.execute(customer_pii.insert().values(
            customer_id=customer, application_id=r.application_id, name_enc=cipher.encrypt("name", clear["name"]),
            id_number_enc=cipher.encrypt("id_number", clear["id_number"]),
            phone_enc=cipher.encrypt("phone", clear["phone"]), id_number_index=cipher.index(clear["id_number"]),
            updated_at=now,
        ))  # fmt: skip


def downgrade() -> None:
    conn = op.get_bind()
    decisions = sa.table("underwriting_decisions", sa.column("decision_id"), sa.column("inputs_json"))
    rows = [r for r in conn.execute(sa.select(decisions)) if PREFIX in r.inputs_json]
    if rows:
        cipher = _cipher(conn, len(rows))
        for r in rows:
            doc = json.loads(r.inputs_json)
            form = doc["form"]
            for f in FIELDS:
                if isinstance(form.get(f), str) and form[f].startswith(PREFIX):
                    form[f] = cipher.decrypt(f, form[f])
            conn.execute(decisions.update().where(decisions.c.decision_id == r.decision_id)
                         .values(inputs_json=_canonical(doc)))  # fmt: skip
    op.drop_table("pii_reads")
    op.drop_table("customer_pii")
