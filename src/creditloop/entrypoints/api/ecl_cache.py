"""A bounded LRU cache of ``GET /portfolio/ecl`` answers over a configured data directory.

An ECL run stages every line over the whole panel; a dashboard asks for the same month again and again. The key
is what the answer depends on: the snapshots file (resolved path, inode, size, mtime in ns: a rewrite or a
replacement by rename changes one of them), the reporting date asked for, the parameter and LGD versions, and
the options (``segment_by``, ``own_lgd``, ``own_ccf``: each set of them is its own entry). One computation per
key at a time: a second request for a key being computed waits for it instead of running it again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

MAX_ENTRIES = 16  # a year of month ends plus a few: answers are a few kB each


@dataclass(frozen=True, slots=True)
class EclKey:
    path: str
    inode: int
    size: int
    mtime_ns: int
    on: date | None
    parameters_version: str
    lgd_version: str
    options: tuple[tuple[str, Hashable], ...] = ()


def file_stamp(path: Path) -> tuple[str, int, int, int]:
    """``(resolved path, inode, size, mtime_ns)`` of ``path`` (``OSError`` when it is gone)."""
    st = path.stat()
    return str(path.resolve()), st.st_ino, st.st_size, st.st_mtime_ns


class LruCache:
    """Thread-safe, at most ``max_entries`` values; the least recently used goes first."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._values)

    def _lookup(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                self.hits += 1
                return True, self._values[key]
            return False, None

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached value of ``key``, else ``compute()`` stored under it (an exception is not stored)."""
        found, value = self._lookup(key)
        if found:
            return value
        with self._lock:
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            found, value = self._lookup(key)
            if found:
                return value
            try:
                value = compute()
                with self._lock:
                    self.misses += 1
                    self._values[key] = value
                    while len(self._values) > self.max_entries:
                        self._values.popitem(last=False)
            finally:
                with self._lock:
                    self._computing.pop(key, None)
        return value
