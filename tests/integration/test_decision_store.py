"""The decision store (issue #13, item 6): insert-only, the same on the memory fake, SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creditloop.app.memory import MemoryUnitOfWork
from creditloop.app.ports import StoredDecision, UnitOfWork
from creditloop.core.errors import IdempotencyConflict, ValidationError
from creditloop.products.terms import default_product

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
_EXAMPLE = itertools.count()


def decision(n: int, *, at: datetime | None = None, arm: str = "champion", **changes: object) -> StoredDecision:
    d = StoredDecision(
        decision_id=f"D{n}",
        application_id=f"A{n}",
        decided_at=at or T0 + timedelta(seconds=n),
        applied_on=date(2026, 3, 1),
        policy_id="underwriting",
        policy_version="1",
        model_id="scorecard",
        model_version="2026-11",
        arm=arm,
        outcome="approve",
        limit_minor=350_00,
        pd=0.1 + n / 1e6,  # not a short decimal: the float must come back bit for bit
        inputs_hash="ab" * 32,
        inputs_json='{"form":{"application_id":"A' + str(n) + '"},"velocity":{}}',
        decision_json='{"decision":"approve","reasons":["应用","ok"]}',
        line_id=f"L-A{n}",
    )
    return replace(d, **changes)  # type: ignore[arg-type]


def test_save_get_and_the_same_record_again(any_uow: UnitOfWork) -> None:
    first = decision(1)
    with any_uow:
        any_uow.decisions.save(first)
        any_uow.decisions.save(first)
        any_uow.commit()
    with any_uow:
        assert any_uow.decisions.get("D1") == first
        assert any_uow.decisions.get("D2") is None
        any_uow.decisions.save(first)  # a retry after the commit: still a no-op


def test_another_record_under_one_id_is_refused(any_uow: UnitOfWork) -> None:
    with any_uow:
        any_uow.decisions.save(decision(1))
        any_uow.commit()
    with any_uow, pytest.raises(IdempotencyConflict):
        any_uow.decisions.save(decision(1, outcome="decline", limit_minor=0, line_id=None))


def test_optional_fields_and_offsets_round_trip(any_uow: UnitOfWork) -> None:
    shanghai = timezone(timedelta(hours=8))
    bare = decision(3, at=datetime(2026, 3, 1, 17, 0, 0, 123456, tzinfo=shanghai), pd=None, model_id=None)
    bare = replace(bare, model_version=None, line_id=None, outcome="refer", limit_minor=0)
    with any_uow:
        any_uow.decisions.save(bare)
        any_uow.commit()
    with any_uow:
        got = any_uow.decisions.get("D3")
    assert got == bare and got is not None
    assert got.decided_at == datetime(2026, 3, 1, 9, 0, 0, 123456, tzinfo=UTC) and got.decided_at.tzinfo is UTC


def test_list_filters_and_orders(any_uow: UnitOfWork) -> None:
    items = [decision(n, arm="challenger" if n % 3 == 0 else "champion") for n in range(10)]
    items.append(decision(20, at=T0 + timedelta(seconds=4)))  # a tie with D4: the id decides ("D20" < "D4")
    with any_uow:
        for d in reversed(items):
            any_uow.decisions.save(d)
        any_uow.commit()
    with any_uow:
        everything = [d.decision_id for d in any_uow.decisions.list()]
        since = [d.decision_id for d in any_uow.decisions.list(since=T0 + timedelta(seconds=4))]
        challengers = [d.decision_id for d in any_uow.decisions.list(arm="challenger", limit=2)]
        mine = any_uow.decisions.for_application("A20")
        with pytest.raises(ValidationError):
            any_uow.decisions.list(since=datetime(2026, 3, 1))
    assert everything == ["D0", "D1", "D2", "D3", "D20", "D4", "D5", "D6", "D7", "D8", "D9"]
    assert since == ["D20", "D4", "D5", "D6", "D7", "D8", "D9"]
    assert challengers == ["D0", "D3"]
    assert [d.decision_id for d in mine] == ["D20"]


def test_a_rollback_forgets_the_decision(any_uow: UnitOfWork) -> None:
    with any_uow:
        any_uow.decisions.save(decision(1))
        any_uow.rollback()
    with any_uow:
        assert any_uow.decisions.get("D1") is None


def test_a_record_refuses_what_cannot_be_stored() -> None:
    with pytest.raises(ValidationError):
        decision(1, outcome="maybe")
    with pytest.raises(ValidationError):
        decision(1, at=datetime(2026, 3, 1))
    with pytest.raises(ValidationError):
        decision(1, pd=1.5)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pd=st.one_of(st.none(), st.floats(0, 1)),
    micros=st.integers(0, 10**12),
    text=st.text(max_size=40),
    limit=st.integers(0, 10**11),
)
def test_property_what_is_saved_comes_back_unchanged(
    any_uow: UnitOfWork, pd: float | None, micros: int, text: str, limit: int
) -> None:
    uow = MemoryUnitOfWork(lambda _k: default_product()) if isinstance(any_uow, MemoryUnitOfWork) else any_uow
    d = decision(
        0,
        at=T0 + timedelta(microseconds=micros),
        pd=pd,
        limit_minor=limit,
        inputs_json=text.replace("\x00", ""),  # PostgreSQL text holds no NUL; canonical JSON escapes it
        decision_id=f"D-{next(_EXAMPLE)}",  # one database for every example
    )
    with uow:
        uow.decisions.save(d)
        uow.commit()
    with uow:
        assert uow.decisions.get(d.decision_id) == d
