"""Migration 0005 (the phone's SIM block in the application history) on SQLite and PostgreSQL: rows recorded under
0004 stay, get an empty block (never matched), and count as before; new rows carry their block; 0005 goes down
and up again."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine

from creditloop.adapters.sqlalchemy import SqlUnitOfWork, migrate
from creditloop.adapters.sqlalchemy.db import alembic_config, current_revision, head_revision
from creditloop.products.terms import Product, default_product
from creditloop.strategy.velocity import (
    CLUSTER_IDENTITIES,
    CLUSTER_PHONE_BLOCK,
    ApplicationKeys,
    key_hash,
    phone_block_hash,
)

T0 = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)
OLD_COLUMNS = (
    "application_id, applied_at_us, identity_hash, phone_hash, device_hash, employer_hash, employer_address_hash, "
    "inputs_hash, monthly_income_minor"
)


def products(_key: str) -> Product:
    return default_product()


def _to(engine: Engine, revision: str, down: bool) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def _keys(app: str, hours: int, who: str, phone: str) -> ApplicationKeys:
    return ApplicationKeys(
        application_id=app,
        applied_at=T0 + timedelta(hours=hours),
        identity=key_hash("identity", who),
        phone=key_hash("phone", phone),
        device=key_hash("device", f"dev-{who}"),
        employer=key_hash("employer", "苏州市启航商务咨询有限公司"),
        employer_address="",
        inputs_hash=hashlib.sha256(app.encode()).hexdigest(),
        monthly_income_minor=965_000,
        phone_block=phone_block_hash(phone),
    )


def test_0005_keeps_old_rows_and_new_rows_carry_their_block(engine: Engine) -> None:
    _to(engine, "0004_applications", down=True)
    assert current_revision(engine) == "0004_applications"
    old = _keys("OLD", 0, "a", "15369563900")
    p = "?" if engine.dialect.name == "sqlite" else "%s"
    with engine.begin() as conn:  # a row as 0004 stored it: no block column
        conn.exec_driver_sql(
            f"INSERT INTO application_history ({OLD_COLUMNS}) VALUES ({', '.join([p] * 9)})",
            (
                old.application_id,
                1_772_593_200_000_000,
                old.identity,
                old.phone,
                old.device,
                old.employer,
                "",
                old.inputs_hash,
                old.monthly_income_minor,
            ),
        )
    migrate(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT phone_block_hash FROM application_history")).scalar_one() == ""
    uow = SqlUnitOfWork(engine, products)
    with uow:
        uow.applications.record(_keys("NEW", 1, "b", "15369560774"))
        snap = uow.applications.snapshot(_keys("THIRD", 2, "c", "15369569119"), (1, 30), 180)
        uow.commit()
    # both earlier applicants count at the employer; only the one recorded with its block shares this one's
    assert snap.extra[CLUSTER_IDENTITIES] == 2 and snap.extra[CLUSTER_PHONE_BLOCK] == 1
    with engine.connect() as conn:
        stored = dict(conn.execute(sa.text("SELECT application_id, phone_block_hash FROM application_history")).all())
    assert stored["NEW"] == phone_block_hash("15369560774") and "1536956" not in stored["NEW"]
    _to(engine, "0004_applications", down=True)  # down and up again
    migrate(engine)
    assert current_revision(engine) == head_revision()
