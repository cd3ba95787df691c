"""A retried restructure is answered, not re-run (issue 11, item 10 follow-up; bench_faults seed 182).

``restructure_line`` used to preview and cap-check before the line saw the request id, so a resent term
extension that was already accepted was previewed as a second extension: a different answer, and at times
``pricing_cap_exceeded``. A retry now returns the original answer; another payload under the id is refused.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from creditloop.app import commands as c
from creditloop.bootstrap import build_memory
from creditloop.core.errors import IdempotencyConflict

D = date(2024, 1, 5)


def extended_line() -> tuple[object, c.Restructure, object]:
    bus = build_memory().bus
    bus.handle(c.OpenLine("L", "C", 1_000_000, D))
    bus.handle(c.Purchase("p1", "L", 120_000, 12, D))
    bus.handle(c.Purchase("p2", "L", 30_000, 3, D + timedelta(days=3)))
    bus.handle(c.RunDayEnd(D + timedelta(days=45)))
    cmd = c.Restructure("x1", "L", "term_extension", D + timedelta(days=46), (("periods", 6), ("freeze", True)))
    return bus, cmd, bus.handle(cmd)


def test_a_retried_term_extension_returns_the_original_answer_and_changes_nothing() -> None:
    bus, cmd, first = extended_line()
    with bus.uow:  # type: ignore[attr-defined]
        line = bus.uow.lines.get("L")  # type: ignore[attr-defined]
        plans, balance = len(line.plans), line.balance_minor
    again = bus.handle(cmd)  # type: ignore[attr-defined]
    assert again == first  # the same schedule before and after, the same disclosure
    assert again.principal_minor == first.principal_minor == 150_000
    with bus.uow:  # type: ignore[attr-defined]
        line = bus.uow.lines.get("L")  # type: ignore[attr-defined]
        assert (len(line.plans), line.balance_minor) == (plans, balance)  # not applied twice
        assert sum(1 for p in line.plans if p.kind == "restructure") == 1


def test_a_retry_after_later_commands_still_returns_the_original_answer() -> None:
    bus, cmd, first = extended_line()
    bus.handle(c.Repay("r1", "L", 5_000, cmd.on))  # type: ignore[attr-defined]
    bus.handle(c.RunDayEnd(cmd.on + timedelta(days=40)))  # type: ignore[attr-defined]
    assert bus.handle(cmd) == first  # type: ignore[attr-defined]


def test_another_payload_under_a_used_request_id_is_an_idempotency_conflict() -> None:
    bus, cmd, _ = extended_line()
    other = c.Restructure("x1", "L", "term_extension", cmd.on, (("periods", 3),))
    with pytest.raises(IdempotencyConflict, match="'x1' was already used with a different payload"):
        bus.handle(other)  # type: ignore[attr-defined]
