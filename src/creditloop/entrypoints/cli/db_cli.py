"""``creditloop db``: bring a ledger's schema up to date explicitly, and show where it stands.

Every command also upgrades on first use, under the same lock; ``db upgrade`` is for deployments that migrate once
before starting many workers (issue 11, item 6).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from creditloop.entrypoints.cli._common import EXIT_USAGE, JsonOpt, check_writable_dir, emit, fail

db_app = typer.Typer(help="The ledger database: upgrade its schema, show its status.", no_args_is_help=True)

DataDirOpt = Annotated[Path, typer.Option("--data-dir", envvar="CREDITLOOP_DATA_DIR", help="Data directory.")]
DEFAULT_DIR = Path("creditloop-data")


def ledger_engine(data_dir: Path, *, create: bool) -> tuple[Any, str]:
    from sqlalchemy.engine import make_url

    from creditloop.adapters.sqlalchemy.db import make_engine, sqlite_url
    from creditloop.config import Settings

    settings = Settings(data_dir=data_dir)
    if settings.database_url is None:
        if data_dir.exists() and not data_dir.is_dir():
            fail(f"--data-dir: {data_dir} is a file, not a directory", EXIT_USAGE)
        if not (data_dir / "ledger.sqlite").exists():
            if not create:
                fail(f"--data-dir: no ledger in {data_dir} (check the path)", EXIT_USAGE)
            check_writable_dir(data_dir, "--data-dir")
        url = sqlite_url(data_dir.resolve())
    else:
        url = settings.database_url
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except Exception:  # a malformed URL is reported by make_engine below
        shown = "CREDITLOOP_DATABASE_URL"
    try:
        return make_engine(url), shown
    except Exception as exc:  # an unusable URL is a usage error, never a traceback
        fail(f"CREDITLOOP_DATABASE_URL: {str(exc).splitlines()[0]}", EXIT_USAGE)


@db_app.command("upgrade")
def upgrade(
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Upgrade the ledger's schema to this version's newest (creates the ledger when there is none)."""
    from creditloop.adapters.sqlalchemy.db import current_revision, migrate
    from creditloop.adapters.sqlalchemy.status import db_status

    engine, shown = ledger_engine(data_dir, create=True)
    try:
        before = current_revision(engine)
        migrate(engine)
        status = {"from": before, **db_status(engine, shown).to_dict()}
    finally:
        engine.dispose()
    emit(as_json, status, f"{shown}: schema {status['from'] or '(empty)'} -> {status['revision']}")


@db_app.command("status")
def status(
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """The schema revision, the newest this version knows, and the ledger's purpose; changes nothing."""
    from creditloop.adapters.sqlalchemy.status import db_status

    engine, shown = ledger_engine(data_dir, create=False)
    try:
        result = db_status(engine, shown)
    finally:
        engine.dispose()
    state = "up to date" if result.up_to_date else f"behind (run `creditloop db upgrade` to reach {result.head})"
    text = f"{shown}: schema {result.revision or '(empty)'}, {state}; purpose {result.purpose or 'not recorded'}"
    emit(as_json, result.to_dict(), text)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
