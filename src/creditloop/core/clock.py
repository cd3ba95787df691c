"""Time comes from an injected clock. Business dates (``*_on``) and instants (``*_at``) stay apart."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, UTC-aware."""
        ...

    def today(self) -> date:
        """The current business date."""
        ...


class FixedClock:
    """A clock that only moves when told to: tests and the simulator use it."""

    def __init__(self, business_date: date) -> None:
        self._date = business_date

    def now(self) -> datetime:
        return datetime(self._date.year, self._date.month, self._date.day, tzinfo=UTC)

    def today(self) -> date:
        return self._date

    def set(self, business_date: date) -> None:
        self._date = business_date

    def advance(self, days: int = 1) -> date:
        self._date = self._date + timedelta(days=days)
        return self._date
