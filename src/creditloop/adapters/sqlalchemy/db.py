"""Engines and migrations. Nothing here connects at import time.

Alembic is imported only when it has work to do (an upgrade, or ``db status``): importing it loads every dialect's
DDL, autogenerate, Mako and Pygments, about 0.4 s of CPU that every ledger command paid on start to learn that the
database was already at head. ``migrate`` first compares the stored revision with the scripts' head read directly
(``shipped_head``); tests/integration/test_migration_fast_path.py holds that head equal to Alembic's."""

from __future__ import annotations

import ast
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url

from creditloop.adapters.sqlalchemy.checkpoint import SAFETY_PAGES, checkpoint_in_background
from creditloop.core.errors import InvariantViolation

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def sqlite_url(data_dir: Path) -> str:
    """The SQLite ledger inside a data directory."""
    return f"sqlite:///{Path(data_dir) / 'ledger.sqlite'}"


def driver_url(url: str) -> str:
    """Pin PostgreSQL URLs to the psycopg 3 driver (``postgresql://`` would pick psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, schema: str | None = None, durable: bool = True) -> Engine:
    """An engine for SQLite (WAL, foreign keys on) or PostgreSQL (psycopg 3).

    ``schema`` (PostgreSQL only) becomes the connection's ``search_path``, so migrations and queries
    use it; tests use it for a throwaway schema per test. ``durable=False`` (SQLite only): never wait for the
    disk — for files that can be rebuilt from their inputs, such as a simulation's ledger.
    """
    parsed = make_url(driver_url(url))
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if schema is not None:
            raise ValueError("schema is only supported on PostgreSQL")
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, hide_parameters=True)  # errors reach logs: never a statement's values
        event.listen(engine, "connect", _sqlite_pragmas)
        if not durable:
            event.listen(engine, "connect", _sqlite_scratch_pragmas)
        elif database and database != ":memory:" and not database.startswith("file:"):
            event.listen(engine, "connect", _sqlite_background_checkpoints)
            checkpoint_in_background(engine, Path(database))
        return engine
    if backend == "postgresql":
        connect_args: dict[str, Any] = {}
        if "connect_timeout" not in parsed.query:
            connect_args["connect_timeout"] = 10  # fail fast when the server is unreachable
        if schema is not None:
            connect_args["options"] = f"-csearch_path={schema}"
        return create_engine(parsed, connect_args=connect_args, pool_pre_ping=True, hide_parameters=True)
    raise ValueError(f"unsupported database backend {backend!r} (use sqlite or postgresql)")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe with WAL
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MB page cache (default 2 MB): bulk appends hit the B-trees
    finally:
        cursor.close()


def _sqlite_background_checkpoints(dbapi_connection: Any, _record: Any) -> None:
    """Commits leave the WAL to the background checkpointer (``checkpoint.py``) unless it falls far behind."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA wal_autocheckpoint={SAFETY_PAGES}")
    finally:
        cursor.close()


def _sqlite_scratch_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """A file that is rebuilt from its inputs after a crash (a simulation's ledger): no syncing at all, the
    rollback journal in memory instead of a write-ahead log (pages are written once, not twice), and no
    per-row foreign-key look-ups (a posting's entry is written just before it, in the same batch). Whoever
    keeps such a file checks its keys once (``check_foreign_keys``): the block merge inserts with them on."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=MEMORY")
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA foreign_keys=OFF")
    finally:
        cursor.close()


def check_foreign_keys(conn: Connection) -> None:
    """Refuse a SQLite file with a row whose foreign key points nowhere (one pass over the child tables)."""
    bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchmany(5)
    if bad:
        raise InvariantViolation(f"foreign keys broken in the ledger file (table, rowid, parent): {bad}")


def alembic_config() -> Config:
    """Alembic config built in code: the scripts ship inside the package, no alembic.ini on disk."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


# Alembic's ``context`` and ``op`` are module-wide proxies: two upgrades in one process at once (the API server's
# background simulation job and a request opening another ledger) clobber each other's ("KeyError: 'config'").
_IN_PROCESS = threading.Lock()

# pg_advisory_xact_lock key for schema upgrades (any fixed 64-bit number; "creditlp" in ASCII).
_PG_MIGRATION_LOCK = 0x6372656469746C70


def head_revision() -> str:
    """The newest schema revision this code ships."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise RuntimeError("no migrations found")
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None: an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine) -> None:
    """Upgrade the database to the newest schema (``alembic upgrade head``). Safe to run again, and safe to run
    from many processes at once: the upgrade runs under a database-wide lock and re-checks the revision inside it
    (issue 11, item 6: parallel first use of a fresh PostgreSQL database raced on ``CREATE TABLE``)."""
    if _at_shipped_head(engine):
        return  # the common case: no Alembic import, no lock (a reader never waits behind a writer's transaction)
    if current_revision(engine) == head_revision():
        return
    from alembic import command

    config = alembic_config()
    with _IN_PROCESS, engine.begin() as connection:
        _lock_for_migration(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@cache
def shipped_head(versions: Path = MIGRATIONS / "versions") -> str | None:
    """The head of the migration scripts read without Alembic: the one ``revision`` no script names as its
    ``down_revision`` (module-level literals). None when that is not a single revision: Alembic decides then."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        found: dict[str, Any] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets: list[ast.expr]
            if isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            elif isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            else:
                continue
            for target in targets:
                if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                    try:
                        found[target.id] = ast.literal_eval(value)
                    except ValueError:
                        return None
        if not isinstance(found.get("revision"), str):
            return None
        revisions.add(found["revision"])
        down = found.get("down_revision")
        parents.update([down] if isinstance(down, str) else down or ())
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _at_shipped_head(engine: Engine) -> bool:
    """The database's one stored revision is ``shipped_head()`` (read with plain SQL, as Alembic stores it)."""
    head = shipped_head()
    if head is None:
        return False
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return False
        stored = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return stored == [head]


def _lock_for_migration(connection: Connection) -> None:
    """Hold the database's migration lock until this transaction ends."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
    elif connection.dialect.name == "sqlite":
        # pysqlite runs DDL outside any transaction; an explicit write transaction serialises the upgraders (the
        # others wait on the busy timeout) and makes the whole upgrade atomic.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
