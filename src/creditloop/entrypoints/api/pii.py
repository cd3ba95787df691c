"""Personal data through the API: stored encrypted, shown masked to roles without need, every read audited.

Which role sees which field in clear is data (``authz.json``, ``_pii_clear``); the others get a masked value
(``张*``, ``**************123X``, ``139****5678``). Every response that carries a customer's personal data writes
one ``pii_reads`` row first: the key id and role, the instant, the customer, the fields shown in clear and the
operation, never a value. Nothing here logs.
"""

from __future__ import annotations

import json
import uuid
from functools import cache
from importlib.resources import files
from typing import Any

from creditloop.adapters.sqlalchemy.pii_store import PiiRead, SealedPii
from creditloop.entrypoints.api.authz import ROLES
from creditloop.entrypoints.api.keys import Principal

FIELDS = ("name", "id_number", "phone")


@cache
def clear_roles() -> dict[str, frozenset[str]]:
    raw = json.loads(files(__package__).joinpath("authz.json").read_text(encoding="utf-8"))["_pii_clear"]
    out = {f: frozenset(raw.get(f, ())) for f in FIELDS}
    unknown = {r for roles in out.values() for r in roles} - set(ROLES)
    if unknown:
        raise ValueError(f"authz.json _pii_clear: unknown roles {sorted(unknown)}")
    return out


def mask(field: str, value: str) -> str:
    if field == "name":
        return value[:1] + "*" * max(1, len(value) - 1)
    if field == "phone":
        return value[:3] + "*" * max(0, len(value) - 7) + value[-4:] if len(value) > 7 else "*" * len(value)
    return "*" * max(0, len(value) - 4) + value[-4:]


def seal_applicant(be: Any, customer_id: str, form: Any) -> SealedPii:
    """The applicant's name, ID number and phone, encrypted, as the customer's data (stored on an approval, in the
    decision's transaction: ``app.customer_pii.submit_application``)."""
    c = be.cipher
    return SealedPii(
        customer_id, form.application_id, c.encrypt("name", form.name), c.encrypt("id_number", form.id_number),
        c.encrypt("phone", form.phone), c.index(form.id_number), be.clock.now(),
    )  # fmt: skip


def reveal(be: Any, who: Principal, sealed: SealedPii, operation: str) -> dict[str, str]:
    """The customer's data as this caller may see it; the read is audited before anything is returned."""
    clear = [f for f in FIELDS if who.role in clear_roles()[f] or (who.role == "customer")]
    be.pii_store.log_read(PiiRead(uuid.uuid4().hex, be.clock.now(), who.key_id, who.role, sealed.customer_id,
                                  ",".join(clear) or "-", operation))  # fmt: skip
    out = {}
    for f in FIELDS:
        value = be.cipher.decrypt(f, getattr(sealed, f"{f}_enc"))
        out[f] = value if f in clear else mask(f, value)
    return out
