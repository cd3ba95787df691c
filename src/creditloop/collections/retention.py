"""How long collection records are kept (DOMAIN.md §2.3: at least two years). The floor is in code: a policy
document asking for less is refused when loaded, and the purge applies the floor again."""

from __future__ import annotations

from datetime import datetime

from creditloop.collections.conduct_history import aware
from creditloop.collections.conduct_policy import MIN_RETENTION_YEARS


def retention_cutoff(now: datetime, years: int) -> datetime:
    """Records made before this instant may be purged: ``years`` calendar years (at least the floor) before
    ``now``; from 29 February the cutoff is 28 February, which keeps a day more, never less."""
    aware(now, "now")
    years = max(years, MIN_RETENTION_YEARS)
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February in a year that has none
        return now.replace(year=now.year - years, day=28)
