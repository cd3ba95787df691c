"""``creditloop consortium serve`` (the consortium service on uvicorn), ``consortium member-key create|revoke``.

Both need the ``service`` extra; the service package is imported inside the commands only. The consortium keeps its
own database (``--data-dir``/consortium.sqlite, or ``CREDITLOOP_CONSORTIUM_DATABASE_URL``), never a lender's ledger.
"""

from __future__ import annotations

import gc
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from creditloop.entrypoints.cli._common import EXIT_USAGE, JsonOpt, echo_json, fail, guarded

consortium_app = typer.Typer(help="The consortium service of multi-lending signals (issue #19).", no_args_is_help=True)
member_key_app = typer.Typer(help="Member keys of the consortium service (shown once, stored hashed).",
                             no_args_is_help=True)  # fmt: skip
ConsortiumDirOpt = Annotated[
    Path,
    typer.Option("--data-dir", envvar="CREDITLOOP_CONSORTIUM_DATA_DIR", help="The consortium's data directory."),
]
DEFAULT_DIR = Path("consortium-data")


def _settings(data_dir: Path) -> object:
    from creditloop.entrypoints.consortium.settings import ConsortiumSettings

    if data_dir.exists() and not data_dir.is_dir():
        fail(f"--data-dir: {data_dir} is a file, not a directory", EXIT_USAGE)
    return ConsortiumSettings(data_dir=data_dir)


@consortium_app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8600,
    data_dir: ConsortiumDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Serve the consortium (/consortium/v1, OpenAPI at /consortium/v1/openapi.json): one process, one worker.
    ``--json`` prints where it listens (url, members, data dir) as one JSON line on stdout before serving."""
    from creditloop._extras import require_extra

    require_extra("service")
    import uvicorn

    from creditloop.entrypoints.consortium.app import create_app
    from creditloop.entrypoints.consortium.service import ConsortiumService

    settings = _settings(data_dir)
    svc = guarded(lambda: ConsortiumService(settings))  # type: ignore[arg-type]
    url = f"http://{host}:{port}/consortium/v1"
    typer.echo(f"Consortium on {url} ({len(svc.registry.members)} members)", err=True)
    if as_json:
        echo_json({"url": url, "members": len(svc.registry.members), "data_dir": str(data_dir)})
    app = create_app(service=svc)
    # The registry and the imports are long-lived: out of the collector's way, so a full collection does not walk
    # them in the middle of a query (docs/performance.md, consortium).
    gc.collect()
    gc.freeze()
    # No access log: the service logs route templates and timings, never bodies.
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning")


@member_key_app.command("create")
def create_key(
    member: Annotated[str, typer.Option("--member", help="The member lender's id (admitted if new).")],
    label: Annotated[str, typer.Option("--label", help="What the key is for (no personal data).")] = "",
    data_dir: ConsortiumDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Create a member key and print it once (only its hash is stored)."""
    from creditloop._extras import require_extra

    require_extra("service")
    from creditloop.adapters.sqlalchemy.consortium_store import open_store
    from creditloop.entrypoints.consortium.keys import issue_member_key

    settings = _settings(data_dir)
    if getattr(settings, "database_url", None) is None:
        data_dir.mkdir(parents=True, exist_ok=True)
    store = guarded(lambda: open_store(settings.url()))  # type: ignore[attr-defined]
    key = guarded(lambda: issue_member_key(store, member, label or member, datetime.now(UTC)))
    if as_json:
        echo_json({"member_id": member, "key": key})
    else:
        typer.echo(key)


@member_key_app.command("revoke")
def revoke_key(
    member: Annotated[str, typer.Option("--member", help="The member lender whose key it is.")],
    key_id: Annotated[str, typer.Option("--key-id", help="The key's id: the 12 hex digits after ckm_.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (audited; no personal data).")] = "",
    data_dir: ConsortiumDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Revoke a member key (a stolen one): refused with 401 from the next request, by a running service too.
    Audited; revoking a revoked key changes nothing."""
    from creditloop._extras import require_extra

    require_extra("service")
    from creditloop.adapters.sqlalchemy.consortium_store import open_store
    from creditloop.entrypoints.consortium.keys import revoke_member_key

    settings = _settings(data_dir)
    store = guarded(lambda: open_store(settings.url()))  # type: ignore[attr-defined]
    fields = {"member_id": "--member", "key_id": "--key-id"}
    marker = settings.revocation_marker()  # type: ignore[attr-defined]
    done = guarded(lambda: revoke_member_key(store, member, key_id, reason, datetime.now(UTC), marker), fields)
    if as_json:
        echo_json({"member_id": member, "key_id": key_id, "revoked": True, "already_revoked": not done})
    else:
        typer.echo(f"key {key_id} of {member}: {'revoked' if done else 'already revoked'}")


@consortium_app.command("purge-key")
def purge_key(
    key_id: Annotated[str, typer.Option("--key-id", help="The retired consortium key version (e.g. k1).")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: the rows cannot be recovered.")] = False,
    data_dir: ConsortiumDirOpt = DEFAULT_DIR,
    as_json: JsonOpt = False,
) -> None:
    """Delete the contributions and consents of a retired key, once its rotation's window has passed. Run it with
    the service stopped (or restart the service after): a running service answers from memory."""
    from creditloop._extras import require_extra

    require_extra("service")
    from creditloop.adapters.sqlalchemy.consortium_store import open_store
    from creditloop.consortium.pseudonym import check_key_id

    guarded(lambda: check_key_id(key_id))
    if not yes:
        fail("--yes: purging deletes rows for good; add --yes to confirm", EXIT_USAGE)
    settings = _settings(data_dir)
    store = guarded(lambda: open_store(settings.url()))  # type: ignore[attr-defined]
    gone = guarded(lambda: store.purge_key(key_id))
    if as_json:
        echo_json({"key_id": key_id, "deleted": gone})
    else:
        typer.echo(f"key {key_id}: deleted {gone['consortium_contributions']} contribution(s) and "
                   f"{gone['consortium_consent_events']} consent event(s)")  # fmt: skip


def register(app: typer.Typer) -> None:
    from creditloop.entrypoints.cli import consortium_member_cli

    consortium_member_cli.register(consortium_app)
    consortium_app.add_typer(member_key_app, name="member-key")
    app.add_typer(consortium_app, name="consortium")
