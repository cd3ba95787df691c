"""What a day-end changed, from the domain events the lines record (a subscriber, not a scan of every line):
dues missed, moves between delinquency buckets and charge-offs, per business date. The first input of roll
rates and of monthly credit reporting."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from creditloop.servicing.events import BucketChanged, ChargedOff, DomainEvent, DueMissed


@dataclass
class DayMovements:
    """Counts per business date. Subscribe it with ``subscribers()``; read it after the day-end."""

    dues_missed: Counter[date] = field(default_factory=Counter)
    bucket_moves: defaultdict[date, Counter[tuple[str, str]]] = field(default_factory=lambda: defaultdict(Counter))
    charged_off: Counter[date] = field(default_factory=Counter)
    charged_off_minor: Counter[date] = field(default_factory=Counter)

    def __call__(self, event: DomainEvent) -> None:
        if isinstance(event, DueMissed):
            self.dues_missed[event.on] += 1
        elif isinstance(event, BucketChanged):
            self.bucket_moves[event.on][(event.old, event.new)] += 1
        elif isinstance(event, ChargedOff):
            self.charged_off[event.on] += 1
            self.charged_off_minor[event.on] += event.amount_minor

    def subscribers(self) -> dict[type[DomainEvent], list[Any]]:
        return {DueMissed: [self], BucketChanged: [self], ChargedOff: [self]}

    def days(self) -> list[date]:
        return sorted(set(self.dues_missed) | set(self.bucket_moves) | set(self.charged_off))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: one entry per business date with anything to report, moves as ``"old->new": count``."""
        return {
            day.isoformat(): {
                "dues_missed": self.dues_missed[day],
                "bucket_moves": {f"{o}->{n}": k for (o, n), k in sorted(self.bucket_moves[day].items())},
                "charged_off": self.charged_off[day],
                "charged_off_minor": self.charged_off_minor[day],
            }
            for day in self.days()
        }
