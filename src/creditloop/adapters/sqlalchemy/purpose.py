"""What a ledger is for, recorded inside the ledger (table ``ledger_meta``, key ``purpose``).

A simulation's ledger is synthetic and is replaced by the next simulation; an operating ledger holds real credit
lines and nothing may replace it. The row lives in the database itself, so it travels with every copy and
backup of the file (issue 11, item 4). Ledgers from before the row existed have none: callers decide from the
old side file ``.creditloop-simulation`` (see ``entrypoints.cli.ledgers``).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from creditloop.adapters.sqlalchemy.tables import credit_lines, ledger_meta

SIMULATION = "simulation"
OPERATING = "operating"
PURPOSES = (SIMULATION, OPERATING)


def read_purpose(connection: sa.Connection) -> str | None:
    """The recorded purpose, or None (no row, or a ledger older than the ``ledger_meta`` table)."""
    if not sa.inspect(connection).has_table("ledger_meta"):
        return None
    value = connection.execute(sa.select(ledger_meta.c.value).where(ledger_meta.c.key == "purpose")).scalar()
    return None if value is None else str(value)


def stamp_purpose(connection: sa.Connection, purpose: str) -> str:
    """Record ``purpose`` unless one is already recorded; return the purpose the ledger now has.

    Never overwrites: a ledger does not change from operating to simulation (or back) by being written to."""
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}, got {purpose!r}")
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(
        insert(ledger_meta).values(key="purpose", value=purpose).on_conflict_do_nothing(index_elements=["key"])
    )
    return read_purpose(connection) or purpose


def count_lines(connection: sa.Connection) -> int:
    if not sa.inspect(connection).has_table("credit_lines"):
        return 0
    return int(connection.execute(sa.select(sa.func.count()).select_from(credit_lines)).scalar_one())
