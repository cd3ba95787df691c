"""``creditloop serve`` (the REST API on uvicorn) and ``creditloop api-key create`` (issue 18).

Both need the ``service`` extra; the API package is imported only inside the commands, so the lean ledger
install never loads FastAPI.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from creditloop.entrypoints.cli._common import EXIT_USAGE, JsonOpt, echo_json, fail, guarded
from creditloop.entrypoints.cli._ledger import DEFAULT_DIR, DataDirOpt

api_key_app = typer.Typer(help="API keys of the REST API (shown once, stored hashed).", no_args_is_help=True)


def _settings(data_dir: Path) -> object:
    from creditloop.config import Settings

    if data_dir.exists() and not data_dir.is_dir():
        fail(f"--data-dir: {data_dir} is a file, not a directory", EXIT_USAGE)
    return Settings(data_dir=data_dir)


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
    data_dir: DataDirOpt = DEFAULT_DIR,
    seed_demo: Annotated[
        bool, typer.Option("--seed-demo", help="Seed a demo book and print one API key per role (embedded only).")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Serve the REST API (/api/v1, OpenAPI at /api/v1/openapi.json) over the ledger of --data-dir."""
    from creditloop._extras import require_extra

    require_extra("service")
    import uvicorn

    from creditloop.entrypoints.api.app import create_app
    from creditloop.entrypoints.api.backend import Backend

    settings = _settings(data_dir)
    be = guarded(lambda: Backend(settings))  # type: ignore[arg-type]
    if seed_demo:
        _seed(be, data_dir, f"http://{host}:{port}", as_json)
    typer.echo(
        f"Serving on http://{host}:{port}/api/v1 (OpenAPI: /api/v1/openapi.json; dashboard: /dashboard)", err=True
    )
    app = create_app(backend=be)
    # No access log: paths carry line and customer ids; the API logs route templates instead.
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning")


def _seed(be: Any, data_dir: Path, base: str, as_json: bool) -> None:
    """Seed the demo book and print a fresh key per role, before the server starts."""
    from creditloop.entrypoints.api.demo import DEMO_CUSTOMER, issue_keys
    from creditloop.entrypoints.api.demo_dashboard import seed_all

    if not be.embedded:
        fail("--seed-demo: only on the embedded SQLite ledger (unset CREDITLOOP_DATABASE_URL)", EXIT_USAGE)
    opened = guarded(lambda: seed_all(be))
    keys = issue_keys(be)
    if as_json:  # {"lines_opened": n, "customer_id": ..., "keys": {role: key}}
        echo_json({"lines_opened": opened, "customer_id": DEMO_CUSTOMER, "keys": keys})
        return
    typer.echo(f"Demo book: {opened} new line(s) (L-DEMO-1..6, portfolio L-PF-*) in {data_dir} "
               f"(customer key bound to {DEMO_CUSTOMER})")  # fmt: skip
    typer.echo("API keys (shown once; stored hashed) / API 密钥（仅显示一次，仅存哈希）:")
    for role, key in keys.items():
        typer.echo(f"  {role:<10} {key}")
    typer.echo(f"Try: curl -H 'Authorization: Bearer {keys['admin']}' {base}/api/v1/lines/L-DEMO-1")
    typer.echo(f"Dashboard / 风险看板: {base}/dashboard (log in with a key above / 用上面的密钥登录)")


@api_key_app.command("create")
def create_key(
    role: Annotated[
        str, typer.Option("--role", help="checkout | customer | collector | analyst | supervisor | auditor | admin")
    ],
    label: Annotated[str, typer.Option("--label", help="Who or what the key is for (no personal data).")],
    customer_id: Annotated[str | None, typer.Option("--customer-id", help="A customer key's customer.")] = None,
    data_dir: DataDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Create an API key and print it once."""
    from creditloop._extras import require_extra

    require_extra("service")
    from creditloop.entrypoints.api.backend import Backend
    from creditloop.entrypoints.api.keys import issue

    be = guarded(lambda: Backend(_settings(data_dir)))  # type: ignore[arg-type]
    key = guarded(lambda: issue(be.keys, role, label[:100], datetime.now(UTC), customer_id))
    if as_json:
        echo_json({"role": role, "customer_id": customer_id, "key": key})
    else:
        typer.echo(key)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(api_key_app, name="api-key")
