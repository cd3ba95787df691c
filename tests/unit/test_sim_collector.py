"""The simulator paces Python's cyclic collector by month; it must still free cycles and restore the collector."""

from __future__ import annotations

import gc
import weakref

import pytest

from creditloop.simulate.collector import paced_collector


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_month_end_frees_the_month_s_cycles_and_freezes_survivors() -> None:
    keep = _Node()
    with paced_collector() as month_end:
        assert not gc.isenabled()
        dead = _cycle()
        survivor = weakref.ref(keep)
        assert dead() is not None  # nothing collects automatically while paused
        month_end()
        assert dead() is None  # the cycle created this month is gone
        assert survivor() is keep
        assert gc.get_freeze_count() > 0  # survivors are frozen, not re-walked
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0  # everything is collectable again for the next block


def test_collector_is_restored_when_the_run_fails() -> None:
    with pytest.raises(RuntimeError, match="boom"), paced_collector() as month_end:
        month_end()
        raise RuntimeError("boom")
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_disabled_collector_stays_disabled() -> None:
    gc.disable()
    try:
        with paced_collector():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
