"""Re-encrypt the stored personal data under a new PII key (issue 18): ``creditloop pii rotate-key``.

Two places hold encrypted values: the application forms inside ``underwriting_decisions.inputs_json`` and the
customers' rows of ``customer_pii`` (with the ID number's blind index, keyed by the PII key too, so it is recomputed).
Rows go in batches, one transaction each, in primary-key order. The run is resumable: a value the new key already
opens is left alone (AES-GCM's tag tells the keys apart), so a run stopped half-way is simply started again. A value
neither key opens stops the run with the table, the row and the field named; the batches before it stay committed.
Every customer row re-encrypted is audited in ``pii_reads`` (operation ``rotate_key``; field names, never values),
and every batch of forms with one row (customer ``*``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from creditloop.adapters.sqlalchemy.decisions import PII_FIELDS, TOKEN_PREFIX, canonical
from creditloop.adapters.sqlalchemy.tables import customer_pii, pii_reads, underwriting_decisions
from creditloop.core.errors import ValidationError

OPERATION = "rotate_key"
AUDIT_KEY_ID = "cli:pii-rotate-key"
AUDIT_ROLE = "admin"
_ENC_COLUMNS = {"name": "name_enc", "id_number": "id_number_enc", "phone": "phone_enc"}


class KeyCipher(Protocol):
    def encrypt(self, field: str, value: str) -> str: ...

    def decrypt(self, field: str, token: str) -> str: ...

    def index(self, id_number: str) -> str: ...


@dataclass
class RotationReport:
    forms_rotated: int = 0
    forms_current: int = 0  # already under the new key (or holding no encrypted value)
    customers_rotated: int = 0
    customers_current: int = 0
    batches: int = 0

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class _Keys:
    def __init__(self, old: KeyCipher, new: KeyCipher) -> None:
        self.old, self.new = old, new

    def rotate(self, where: str, field: str, token: str) -> tuple[str, str] | None:
        """(clear, new token), or None when the new key already opens ``token``."""
        try:
            self.new.decrypt(field, token)
            return None
        except ValidationError:
            pass
        try:
            clear = self.old.decrypt(field, token)
        except ValidationError:
            raise ValidationError(
                f"{where}, field {field}: opened by neither CREDITLOOP_PII_KEY nor CREDITLOOP_PII_KEY_OLD; "
                "nothing in this batch was written (earlier batches are rotated; fix the keys and run again)",
                field=field,
            ) from None
        return clear, self.new.encrypt(field, clear)


def rotate_pii_key(
    engine: Engine,
    old: KeyCipher,
    new: KeyCipher,
    now: Callable[[], datetime],
    *,
    batch: int = 500,
    progress: Callable[[RotationReport], None] | None = None,
) -> RotationReport:
    if not 1 <= batch <= 100_000:
        raise ValidationError(f"batch must be in [1, 100000], got {batch}", field="batch")
    keys, report = _Keys(old, new), RotationReport()
    for step in (_forms_batch, _customers_batch):
        after: str | None = ""
        while after is not None:
            with engine.begin() as conn:
                after = step(conn, keys, report, after, batch, now)
            report.batches += 1
            if progress is not None:
                progress(report)
    return report


def _forms_batch(
    conn: Connection, keys: _Keys, report: RotationReport, after: str, size: int, now: Callable[[], datetime]
) -> str | None:
    t = underwriting_decisions.c
    rows = conn.execute(
        sa.select(t.decision_id, t.inputs_json).where(t.decision_id > after).order_by(t.decision_id).limit(size)
    ).all()
    changed = 0
    for decision_id, text in rows:
        new_text = _rotate_form(keys, f"underwriting_decisions {decision_id}", text)
        if new_text is None:
            report.forms_current += 1
            continue
        conn.execute(underwriting_decisions.update().where(t.decision_id == decision_id).values(inputs_json=new_text))
        changed += 1
    if changed:
        _audit(conn, "*", f"{OPERATION} forms ({changed})", now)
        report.forms_rotated += changed
    return rows[-1].decision_id if len(rows) == size else None


def _rotate_form(keys: _Keys, where: str, text: str) -> str | None:
    if TOKEN_PREFIX not in text:
        return None
    doc = json.loads(text)
    form: dict[str, Any] = doc["form"]
    changed = False
    for field in PII_FIELDS:
        value = form.get(field)
        if isinstance(value, str) and value.startswith(TOKEN_PREFIX):
            done = keys.rotate(where, field, value)
            if done is not None:
                form[field], changed = done[1], True
    return canonical(doc) if changed else None


def _customers_batch(
    conn: Connection, keys: _Keys, report: RotationReport, after: str, size: int, now: Callable[[], datetime]
) -> str | None:
    t = customer_pii.c
    rows = conn.execute(sa.select(customer_pii).where(t.customer_id > after).order_by(t.customer_id).limit(size))
    found = rows.mappings().all()
    for row in found:
        where = f"customer_pii {row['customer_id']}"
        values: dict[str, str] = {}
        for field, column in _ENC_COLUMNS.items():
            done = keys.rotate(where, field, row[column])
            if done is not None:
                values[column] = done[1]
                if field == "id_number":
                    values["id_number_index"] = keys.new.index(done[0])
        if not values:
            report.customers_current += 1
            continue
        if "id_number_enc" not in values:  # the index follows the key: recompute it from the value the new key opens
            values["id_number_index"] = keys.new.index(keys.new.decrypt("id_number", row["id_number_enc"]))
        conn.execute(customer_pii.update().where(t.customer_id == row["customer_id"]).values(**values))
        _audit(conn, row["customer_id"], OPERATION, now)
        report.customers_rotated += 1
    return str(found[-1]["customer_id"]) if len(found) == size else None


def _audit(conn: Connection, customer_id: str, operation: str, now: Callable[[], datetime]) -> None:
    conn.execute(
        pii_reads.insert().values(
            read_id=uuid.uuid4().hex, at=now(), key_id=AUDIT_KEY_ID, role=AUDIT_ROLE, customer_id=customer_id,
            fields=",".join(PII_FIELDS), operation=operation[:60],
        )
    )  # fmt: skip
