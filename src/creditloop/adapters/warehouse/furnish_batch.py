"""What the per-account path reads of the unit of work's stores, loaded once for a whole furnishing run (issue 16).

``app.furnishing.furnish_stored`` asks the stores about one line at a time — its credit disputes three times
(open, closed in the month, corrections), its hardship plans, its collections flags — about half of the ~5 ms a
line costs. For a month of exceptional lines the disputes and plans are read once and grouped by line, and the
collections flags are asked for only on the lines that have any. Read-only, for one unit of work's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from creditloop.adapters.sqlalchemy.collections import collection_flags


class _ByLine:
    def __init__(self, items: Iterable[Any]) -> None:
        self.by_line: dict[str, list[Any]] = defaultdict(list)
        for item in items:  # the stores' own order (dispute id, plan id) is kept within a line
            self.by_line[item.line_id].append(item)

    def of(self, line_id: str | None) -> list[Any]:
        if line_id is None:
            raise ValueError("a batch view answers for one line (line_id) at a time")
        return list(self.by_line.get(line_id, ()))


class _Disputes(_ByLine):
    def disputes(self, *, line_id: str | None = None) -> list[Any]:
        return self.of(line_id)


class _Plans(_ByLine):
    def plans(self, *, line_id: str | None = None) -> list[Any]:
        return self.of(line_id)


class _Flags:
    def __init__(self, store: Any, flagged: set[str]) -> None:
        self._store, self._flagged = store, flagged

    def flags_for(self, line_id: str) -> list[Any]:
        return list(self._store.flags_for(line_id)) if line_id in self._flagged else []


@dataclass(frozen=True, slots=True)
class BatchView:
    """Stands for the unit of work in ``furnish_stored``: the same answers, from one read of each store."""

    credit_disputes: _Disputes
    hardship: _Plans
    collections: _Flags


def batch_view(uow: Any, disputes: Iterable[Any], plans: Iterable[Any]) -> BatchView:
    """``disputes`` and ``plans``: every credit dispute and hardship plan of the book, as the stores list them."""
    flagged = set(uow.connection.execute(sa.select(collection_flags.c.line_id).distinct()).scalars())
    return BatchView(_Disputes(disputes), _Plans(plans), _Flags(uow.collections, flagged))
