"""Alembic environment for creditloop's ledger store.

``creditloop.adapters.sqlalchemy.db.migrate`` builds the Config in code and hands over an open
connection in ``config.attributes["connection"]``; a URL in ``sqlalchemy.url`` works as a fallback.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from creditloop.adapters.sqlalchemy.tables import metadata

config = context.config


def _run(connection: Connection) -> None:
    # render_as_batch: SQLite can only ALTER tables by copying them; later migrations need it.
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations() -> None:
    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection in config.attributes and no sqlalchemy.url to connect to")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


run_migrations()
