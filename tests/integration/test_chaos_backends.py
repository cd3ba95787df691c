"""The fault-injecting simulation on SQLite and PostgreSQL: a crash restarts from what was committed (a new
unit of work, as a new process), the serialisation failure is rolled back by the database and retried, and
the run is the same, command for command, as on the in-memory fake."""

from __future__ import annotations

from sqlalchemy import Engine

from creditloop.adapters.sqlalchemy.uow import SqlUnitOfWork
from creditloop.app.bus import MessageBus
from creditloop.bootstrap import default_policies, product_lookup
from creditloop.simulate.fault_plan import FAULT_KINDS, FaultPlan
from creditloop.simulate.faults import run_chaos

PLAN = FaultPlan(lines=6, days=25, crash=0.08, ack_lost=0.08, serialization=0.08)


def test_chaos_on_the_database_matches_the_fake_and_ends_balanced(engine: Engine) -> None:
    policies = default_policies()
    products = product_lookup(policies)
    stats = run_chaos(PLAN, 3, lambda: MessageBus(SqlUnitOfWork(engine, products.__getitem__), policies))
    assert stats.imbalance_minor == 0
    assert all(stats.faults[k] > 0 for k in FAULT_KINDS), stats.faults
    assert stats.as_dict() == run_chaos(PLAN, 3).as_dict()  # same accepted, refused, faults, audits
