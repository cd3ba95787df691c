"""The bounded LRU cache behind ``GET /portfolio/ecl`` (``entrypoints.api.ecl_cache``)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the API cache ships with the 'service' extra")

from creditloop.entrypoints.api.ecl_cache import LruCache, file_stamp


def test_least_recently_used_goes_first_and_hits_do_not_recompute() -> None:
    calls: list[str] = []
    cache = LruCache(max_entries=2)

    def get(key: str) -> str:
        return str(cache.get_or_compute(key, lambda: calls.append(key) or key.upper()))

    assert [get("a"), get("b"), get("a")] == ["A", "B", "A"] and calls == ["a", "b"]
    get("c")  # evicts b, the least recently used (a was read after it)
    assert len(cache) == 2 and calls == ["a", "b", "c"]
    get("a")
    get("b")
    assert calls == ["a", "b", "c", "b"] and (cache.hits, cache.misses) == (2, 4)
    with pytest.raises(ValueError, match="max_entries"):
        LruCache(0)


def test_a_failed_computation_is_not_stored() -> None:
    cache = LruCache()

    def boom() -> str:
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        cache.get_or_compute("k", boom)
    assert len(cache) == 0 and cache.get_or_compute("k", lambda: 1) == 1


def test_concurrent_requests_for_one_key_compute_once() -> None:
    cache, calls = LruCache(), []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.2)
        return 7

    threads = [threading.Thread(target=cache.get_or_compute, args=("k", slow)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1] and cache.get_or_compute("k", slow) == 7


def test_the_file_stamp_changes_with_the_file(tmp_path: Path) -> None:
    f = tmp_path / "snapshots.parquet"
    f.write_bytes(b"one")
    first = file_stamp(f)
    assert first[0] == str(f.resolve()) and first[2] == 3
    os.utime(f, ns=(first[3] + 1_000_000, first[3] + 1_000_000))  # same size, touched later
    assert file_stamp(f) != first
    replacement = tmp_path / "new.parquet"
    replacement.write_bytes(b"two")
    os.utime(replacement, ns=(first[3], first[3]))
    os.replace(replacement, f)  # same size and mtime, another file: the inode tells
    assert file_stamp(f)[1] != first[1]
