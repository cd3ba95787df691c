"""Two processes deciding the same applications at once (issue #13, item 2: checks work across processes).

Each process takes the applications A0..A{N-1} in turn, one transaction each: snapshot, record, commit. The
history's write lock makes the two transactions on one id happen one after the other, so for every id exactly
one process sees it as new and the other sees ``same_id_earlier``; without the lock both could snapshot before
either commits and both would call it new. The table holds each application once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from creditloop.adapters.sqlalchemy import make_engine, migrate, sqlite_url

POSTGRES_ENV = "CREDITLOOP_TEST_POSTGRES_URL"
N = 150

WORKER = """
import hashlib, json, sys
from datetime import UTC, datetime, timedelta
from creditloop.adapters.sqlalchemy import SqlUnitOfWork, make_engine
from creditloop.products.terms import default_product
from creditloop.strategy.velocity import ApplicationKeys, key_hash

url, schema, n, go = sys.argv[1], sys.argv[2] or None, int(sys.argv[3]), sys.argv[4]
engine = make_engine(url, schema=schema)
uow = SqlUnitOfWork(engine, lambda _k: default_product())
t0 = datetime(2026, 3, 1, tzinfo=UTC)
seen = []
import os, time
while not os.path.exists(go):  # both start together
    time.sleep(0.001)
for i in range(n):
    keys = ApplicationKeys(f"A{i}", t0 + timedelta(minutes=i), key_hash("identity", f"id{i % 7}"),
                           key_hash("phone", "p"), "", "", "", hashlib.sha256(b"%d" % i).hexdigest(), 0)
    with uow:
        snap = uow.applications.snapshot(keys, (1, 7), 30)
        uow.applications.record(keys)
        uow.commit()
    seen.append(snap.same_id_earlier)
print(json.dumps(seen))
"""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str, Engine]]:
    """(url, schema, engine) of a migrated database two processes can open."""
    if request.param == "sqlite":
        url = sqlite_url(tmp_path / "data")
        engine = make_engine(url)
        migrate(engine)
        yield url, "", engine
        engine.dispose()
        return
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    schema = f"cl_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine = make_engine(url, schema=schema)
    try:
        migrate(engine)
        yield url, schema, engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


def test_two_processes_see_each_application_once(target: tuple[str, str, Engine], tmp_path: Path) -> None:
    url, schema, engine = target
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, schema, str(N), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    go.touch()
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _out, err in outs]
    first, second = (json.loads(out) for out, _err in outs)
    # Exactly one of the two saw each application as new.
    assert [a + b for a, b in zip(first, second, strict=True)] == [1] * N
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT count(*), count(DISTINCT application_id) FROM application_history").one()
    assert tuple(rows) == (N, N)
