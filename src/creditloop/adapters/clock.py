"""The wall clock, read only here: business dates in the lender's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


class SystemClock:
    def __init__(self, timezone: str = "Asia/Shanghai") -> None:
        self._zone = ZoneInfo(timezone)

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        """Today's business date where the lender books (a Beijing business day by default)."""
        return datetime.now(self._zone).date()
