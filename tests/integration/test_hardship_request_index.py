"""Migration 0017: ``hardship_plans.request_id`` is indexed after ``upgrade head`` (SQLite and PostgreSQL), the
downgrade to 0016 drops the index and nothing else, and the upgrade brings it back; the lookups by request then
use it (SQLite's plan names the index)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine

from creditloop.adapters.sqlalchemy.db import alembic_config, current_revision, head_revision

INDEX = "ix_hardship_plans_request_id"


def _indexes(engine: Engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        return {ix["name"]: list(ix["column_names"]) for ix in sa.inspect(conn).get_indexes("hardship_plans")}


def _to(engine: Engine, revision: str, down: bool) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_0017_indexes_plans_by_request_and_the_downgrade_drops_it(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    at_head = _indexes(engine)
    assert at_head[INDEX] == ["request_id"]
    _to(engine, "0016_account_total_slots", down=True)
    assert current_revision(engine) == "0016_account_total_slots"
    assert _indexes(engine) == {k: v for k, v in at_head.items() if k != INDEX}  # the others stay
    _to(engine, "head", down=False)
    assert _indexes(engine) == at_head


def test_the_lookup_by_request_uses_the_index_on_sqlite(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL chooses by table statistics: an empty table is scanned whatever the index")
    with engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN SELECT plan_id FROM hardship_plans WHERE request_id = 'R1'")
        assert any(INDEX in str(row[-1]) for row in plan), "the lookup by request scans hardship_plans"
