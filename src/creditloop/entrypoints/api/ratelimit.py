"""A token bucket per API key, in process (one server process; a shared store is for a later part)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class TokenBuckets:
    def __init__(self, rate_per_second: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate_per_second
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key id -> (tokens, when last filled)
        self._lock = threading.Lock()

    def take(self, key: str, cost: int = 1) -> int | None:
        """Spend ``cost`` tokens (a consortium batch: one per subject); None when allowed, else the whole seconds
        until that many are available (Retry-After). A cost above the burst is the caller's to refuse."""
        with self._lock:
            now = self.clock()
            tokens, then = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.rate)
            if tokens >= cost:
                self._buckets[key] = (tokens - cost, now)
                return None
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((cost - tokens) / self.rate))
