"""What the in-memory store fakes share: writes staged until the unit of work commits (``publish``) and undone on
rollback (``discard``), like the SQL stores' rows; insert-once with a retry check, and field updates."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, TypeVar

from creditloop.core.errors import IdempotencyConflict, NotFound

T = TypeVar("T")


class StagedMemory:
    def __init__(self) -> None:
        self._before: list[tuple[dict[str, Any], str, Any]] = []  # (map, key, committed value or None)

    def _stage(self, items: dict[str, Any], key: str) -> None:
        self._before.append((items, key, items.get(key)))

    def _add_once(self, items: dict[str, T], key: str, item: T, what: str, same: Callable[[T, T], bool]) -> None:
        """Store ``item`` under ``key``; a retry with the same content is a no-op, another content a conflict."""
        known = items.get(key)
        if known is not None:
            if not same(known, item):
                raise IdempotencyConflict(f"{what} {key!r} is stored with another content")
            return
        self._stage(items, key)
        items[key] = item

    def _update(self, items: dict[str, T], key: str, item: T, fields: Iterable[str], missing: NotFound) -> None:
        """Copy ``fields`` of ``item`` onto the stored one (``missing`` raised when there is none)."""
        known = items.get(key)
        if known is None:
            raise missing
        self._stage(items, key)
        items[key] = replace(known, **{k: getattr(item, k) for k in fields})  # type: ignore[type-var]

    def publish(self) -> None:
        self._before.clear()

    def discard(self) -> None:
        for items, key, before in reversed(self._before):
            if before is None:
                items.pop(key, None)
            else:
                items[key] = before
        self._before.clear()
