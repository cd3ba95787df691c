"""``creditloop serve --seed-demo``: a synthetic, clearly fake profile for each demo customer, so the documented
``GET /customers/{id}/profile`` answers on the demo book (the demo lines are opened without an application).

Stored the way an approved applicant's data is (``pii.seal_applicant``): encrypted per field, the
ID number findable by its blind index. The values cannot be anyone's: the name says "demo" (演示客户), the ID
number's region code is ``000000`` (no such region) and the phone number starts ``100`` (no such mobile prefix).
"""

from __future__ import annotations

from collections.abc import Iterable

from creditloop.adapters.sqlalchemy.pii_store import SealedPii
from creditloop.entrypoints.api.backend import Backend
from creditloop.simulate.identity import check_character


def demo_profile(n: int) -> tuple[str, str, str]:
    """Demo customer ``n``'s (name, ID number, phone): synthetic and visibly fake."""
    body = f"00000019900101{n % 1000:03d}"
    return f"演示客户{n}", body + check_character(body), f"1000000{n % 10_000:04d}"


def seed_profiles(be: Backend, numbers: Iterable[int]) -> None:
    """Store (or refresh: idempotent) the profile of customers ``C-DEMO-<n>``, encrypted, with the blind index."""
    c = be.cipher
    for n in numbers:
        name, id_number, phone = demo_profile(n)
        be.pii_store.put(SealedPii(
            f"C-DEMO-{n}", f"DEMO-APP-{n}", c.encrypt("name", name), c.encrypt("id_number", id_number),
            c.encrypt("phone", phone), c.index(id_number), be.clock.now(),
        ))  # fmt: skip
