"""The member's own consortium file (issue #19): customer -> pseudonym, and the early-warning answers by month.

The ledger keeps no resident ID, and the nightly early-warning run must not need one: at onboarding (``enrol``) the
member hashes the customer's ID under every active consortium key and keeps only ``(customer_id, key_id,
pseudonym)``; the clear ID is not stored here. ``lenders`` keeps each month's consortium count of other lenders
per customer, so the run can compute ``other_lenders_change_3m`` (the EWI_NEW_LENDER rule) from its own history.

A SQLite file next to the ledger (``consortium-member.sqlite`` in the data directory), owned by the member and never
sent anywhere: not a table of the ledger, whose Alembic chain has no number for it; the natural home, a column next
to ``customer_pii.id_number_index``, needs that migration (docs/consortium.md, "Nightly early warning").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path

from creditloop.consortium.pseudonym import KeyRing

FILE_NAME = "consortium-member.sqlite"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS pseudonyms (customer_id TEXT NOT NULL, key_id TEXT NOT NULL, pseudonym TEXT NOT NULL,"
    " enrolled_on TEXT NOT NULL, PRIMARY KEY (customer_id, key_id))",
    "CREATE TABLE IF NOT EXISTS lenders (customer_id TEXT NOT NULL, month TEXT NOT NULL, other_lenders INTEGER"
    " NOT NULL, asked_on TEXT NOT NULL, PRIMARY KEY (customer_id, month))",
)


def month_of(day: date) -> str:
    return day.strftime("%Y-%m")


class MemberFile:
    def __init__(self, path: Path, keyring: KeyRing) -> None:
        self.path = path
        self.keyring = keyring
        self.db = sqlite3.connect(path, isolation_level=None)
        for statement in _SCHEMA:
            self.db.execute(statement)

    def close(self) -> None:
        self.db.close()

    def enrol(self, customers: Iterable[tuple[str, str]], on: date) -> int:
        """Hash each ``(customer_id, resident_id)`` under the keys active on ``on``; all or nothing (a bad ID raises
        ``ValidationError`` naming the field and rule, never the number, before anything is written)."""
        rows = [(customer, key_id, value, on.isoformat())
                for customer, resident in customers
                for key_id, value in self.keyring.pseudonyms(resident, on).items()]  # fmt: skip
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO pseudonyms VALUES (?, ?, ?, ?)", rows)
        return len({r[0] for r in rows})

    def pseudonyms(self, customer_ids: Iterable[str], on: date) -> dict[str, dict[str, str]]:
        """customer -> {key_id: pseudonym} under the keys active on ``on`` (current first); customers not enrolled
        under the current key are left out (they are re-enrolled after a rotation)."""
        active = [k.key_id for k in self.keyring.active(on)]
        wanted = set(customer_ids)
        found: dict[str, dict[str, str]] = {}
        marks = ",".join("?" * len(active))
        for customer, key_id, value in self.db.execute(
            f"SELECT customer_id, key_id, pseudonym FROM pseudonyms WHERE key_id IN ({marks})", active
        ):
            if customer in wanted:
                found.setdefault(customer, {})[key_id] = value
        return {c: {k: p[k] for k in active if k in p} for c, p in found.items() if active[0] in p}

    def record(self, answers: Mapping[str, int], month: str, on: date) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO lenders VALUES (?, ?, ?, ?)",
                                [(c, month, n, on.isoformat()) for c, n in answers.items()])  # fmt: skip

    def lenders(self, customer_ids: Iterable[str], months: Iterable[str]) -> dict[tuple[str, str], int]:
        wanted, in_months = set(customer_ids), set(months)
        rows = self.db.execute("SELECT customer_id, month, other_lenders FROM lenders")
        return {(c, m): n for c, m, n in rows if c in wanted and m in in_months}
