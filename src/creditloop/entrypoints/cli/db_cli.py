"""``creditloop db``: bring a ledger's schema up to date explicitly, and show where it stands.

Every command also upgrades on first use, under the same lock; ``db upgrade`` is for deployments that migrate once
before starting many workers (issue 11, item 6).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

db_app = typer.Typer(help="The ledger database: upgrade its schema, show its status.", no_args_is_help=True)
out = Console()

DataDirOpt = Annotated[Path, typer.Option("--data-dir", envvar="CREDITLOOP_DATA_DIR", help="Data directory.")]
DEFAULT_DIR = Path("creditloop-data")


def _main() -> Any:
    from creditloop.entrypoints.cli import main

    return main


def _engine(data_dir: Path, *, create: bool) -> tuple[Any, str]:
    from sqlalchemy.engine import make_url

    from creditloop.adapters.sqlalchemy.db import make_engine, sqlite_url
    from creditloop.config import Settings

    main = _main()
    settings = Settings(data_dir=data_dir)
    if settings.database_url is None:
        if data_dir.exists() and not data_dir.is_dir():
            main.fail(f"--data-dir: {data_dir} is a file, not a directory", main.EXIT_USAGE)
        if not (data_dir / "ledger.sqlite").exists():
            if not create:
                main.fail(f"--data-dir: no ledger in {data_dir} (check the path)", main.EXIT_USAGE)
            main.check_writable_dir(data_dir, "--data-dir")
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
        from creditloop.entrypoints.cli.main import fail

        fail(f"CREDITLOOP_DATABASE_URL: {str(exc).splitlines()[0]}", main.EXIT_USAGE)


def _status(engine: Any) -> dict[str, Any]:
    from creditloop.adapters.sqlalchemy.db import current_revision, head_revision
    from creditloop.adapters.sqlalchemy.purpose import read_purpose

    current = current_revision(engine)
    with engine.connect() as connection:
        purpose = read_purpose(connection)
    return {"revision": current, "head": head_revision(), "up_to_date": current == head_revision(), "purpose": purpose}


@db_app.command("upgrade")
def upgrade(
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Upgrade the ledger's schema to this version's newest (creates the ledger when there is none)."""
    from creditloop.adapters.sqlalchemy.db import current_revision, migrate

    engine, shown = _engine(data_dir, create=True)
    try:
        before = current_revision(engine)
        migrate(engine)
        status = {"database": shown, "from": before, **_status(engine)}
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(status, indent=2, sort_keys=True))
    else:
        out.print(f"{shown}: schema {status['from'] or '(empty)'} -> {status['revision']}", highlight=False)


@db_app.command("status")
def status(
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """The schema revision, the newest this version knows, and the ledger's purpose; changes nothing."""
    engine, shown = _engine(data_dir, create=False)
    try:
        result = {"database": shown, **_status(engine)}
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(result, indent=2, sort_keys=True))
        return
    state = "up to date" if result["up_to_date"] else f"behind (run `creditloop db upgrade` to reach {result['head']})"
    out.print(
        f"{shown}: schema {result['revision'] or '(empty)'}, {state}; purpose {result['purpose'] or 'not recorded'}",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
