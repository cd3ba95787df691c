"""SQL store of the behaviour panel the day-end writes at each month's close (``app.panel_rows.PanelStore``).

Rows are replaced per (month end, line), so closing a date again rewrites the same rows; a month is marked in
``behaviour_panel_months`` only once all its rows are in. Reads are for ``ewi run`` (``jobs.ewi_stored_panel``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from creditloop.adapters.sqlalchemy.common import ConnectionSource, chunks, driver, upsert
from creditloop.adapters.sqlalchemy.tables import behaviour_panel, behaviour_panel_months, credit_lines
from creditloop.monitoring.panel import PANEL_COLUMNS

_NAMES = tuple(c.name for c in PANEL_COLUMNS)
_DATES = ("month_end_on", "last_payment_on")
_BOOLS = ("shock",)
_LATEST = "SELECT max(month_end_on) FROM behaviour_panel"


def _day(value: Any) -> date | None:
    return value if value is None or isinstance(value, date) else date.fromisoformat(str(value))


class SqlPanelStore:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    def replace(self, day: date, line_ids: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
        """The rows of ``line_ids`` at ``day`` become ``rows`` (a re-run of the date writes the same rows)."""
        conn, t = self._connection(), behaviour_panel
        for part in chunks(line_ids):
            conn.execute(t.delete().where(t.c.month_end_on == day, t.c.account_id.in_(part)))
        if rows:
            conn.execute(t.insert(), [{n: r[n] for n in _NAMES} for r in rows])

    def mark_month(self, day: date, lines: int, from_open: bool) -> None:
        row = {"month_end_on": day, "lines": lines, "from_open": from_open}
        upsert(self._connection(), behaviour_panel_months, [row], ["month_end_on"])

    def months(self) -> dict[date, bool]:
        """Each month end whose rows are all stored, and whether every line's rows go back to its opening."""
        t = behaviour_panel_months
        return {_day(m): bool(f) for m, f in self._connection().execute(sa.select(t.c.month_end_on, t.c.from_open))}  # type: ignore[misc]

    def rows(self, months: Sequence[date]) -> list[dict[str, Any]]:
        """The stored rows of ``months``, by line and month (plain dicts, typed like the replay's)."""
        if not months:
            return []
        conn, t = self._connection(), behaviour_panel
        cols = [t.c[n] for n in _NAMES]
        out: list[dict[str, Any]] = []
        stmt = sa.select(*cols).where(t.c.month_end_on.in_(sorted(months))).order_by(t.c.account_id, t.c.month_end_on)
        for r in conn.execute(stmt.execution_options(yield_per=50_000)):
            row = dict(zip(_NAMES, r, strict=True))
            for n in _DATES:
                row[n] = _day(row[n])
            for n in _BOOLS:
                row[n] = None if row[n] is None else bool(row[n])
            out.append(row)
        return out

    def count(self, months: Sequence[date]) -> int:
        t = behaviour_panel
        stmt = sa.select(sa.func.count()).select_from(t).where(t.c.month_end_on.in_(sorted(months)))
        return int(self._connection().execute(stmt).scalar_one()) if months else 0

    def latest(self) -> date | None:
        """The latest month end with a stored row: one index look-up, asked at every commit that logs a command, so
        it goes to the driver directly (SQLAlchemy's statement set-up cost 7x the query on SQLite)."""
        row = driver(self._connection()).execute(_LATEST).fetchone()
        return None if row is None else _day(row[0])

    def line_months(self, line_ids: Sequence[str], since: date) -> dict[str, list[date]]:
        conn, t = self._connection(), behaviour_panel
        out: dict[str, list[date]] = {}
        for part in chunks(line_ids):
            stmt = sa.select(t.c.account_id, t.c.month_end_on)
            stmt = stmt.where(t.c.account_id.in_(part), t.c.month_end_on >= since)
            for line_id, day in conn.execute(stmt):
                out.setdefault(line_id, []).append(_day(day))  # type: ignore[arg-type]
        return out

    def replace_line(self, line_id: str, days: Sequence[date], rows: Sequence[dict[str, Any]]) -> None:
        """The line's rows at ``days`` become ``rows`` (a restatement after a back-dated command)."""
        conn, t = self._connection(), behaviour_panel
        conn.execute(t.delete().where(t.c.account_id == line_id, t.c.month_end_on.in_(sorted(days))))
        if rows:
            conn.execute(t.insert(), [{n: r[n] for n in _NAMES} for r in rows])

    def clear_from_open(self) -> None:
        self._connection().execute(behaviour_panel_months.update().values(from_open=False))

    def line_states(self) -> list[tuple[str, str, int]]:
        """(line id, status, dpd) of every stored line: the lines as of their last close."""
        c = credit_lines.c
        return [(i, s, d) for i, s, d in self._connection().execute(sa.select(c.line_id, c.status, c.dpd))]
