"""The per-key token bucket: a burst, then one request per 1/rate seconds, with the wait in whole seconds."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")

from creditloop.entrypoints.api.authz import ROLES, allowed, matrix
from creditloop.entrypoints.api.ratelimit import TokenBuckets


def test_a_bucket_allows_its_burst_then_refills_at_its_rate() -> None:
    now = [100.0]
    buckets = TokenBuckets(rate_per_second=2.0, burst=3, clock=lambda: now[0])
    assert [buckets.take("k") for _ in range(3)] == [None, None, None]
    assert buckets.take("k") == 1  # half a second to the next token: Retry-After rounds up to 1
    assert buckets.take("other") is None  # buckets are per key
    now[0] += 0.5
    assert buckets.take("k") is None
    assert buckets.take("k") == 1
    now[0] += 10.0  # refills to the burst, never beyond
    assert [buckets.take("k") for _ in range(4)] == [None, None, None, 1]


def test_the_matrix_names_only_known_roles_and_fails_closed() -> None:
    assert all(roles <= set(ROLES) for roles in matrix().values())
    assert all(allowed(op, "admin") for op in matrix())
    assert not allowed("no_such_operation", "admin") and not allowed(None, "admin")
