"""Time comes from an injected clock. Business dates (``*_on``) and instants (``*_at``) stay apart."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, UTC-aware."""
        ...

    def today(self) -> date:
        """The current business date."""
        ...
