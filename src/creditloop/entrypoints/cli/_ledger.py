"""The ledger behind the servicing commands: which directory or database, the business date, sending commands.

Servicing commands work on the ledger of a data directory (``--data-dir``, or ``CREDITLOOP_DATABASE_URL``).
Amounts are decimal yuan (``350.00``), dates ``YYYY-MM-DD``; ``--on`` defaults to today's date.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from creditloop.entrypoints.cli._common import (
    EXIT_USAGE,
    check_dir,
    check_writable_dir,
    fail,
    guarded,
    parse_amount,
    parse_day,
)

DataDirOpt = Annotated[Path, typer.Option("--data-dir", envvar="CREDITLOOP_DATA_DIR", help="Data directory.")]
LineOpt = Annotated[str, typer.Option("--line-id", help="The credit line.")]
OnOpt = Annotated[str | None, typer.Option("--on", help="Business date YYYY-MM-DD (default: today).")]
AmountOpt = Annotated[str, typer.Option("--amount", help="Amount in yuan, e.g. 350.00.")]
DEFAULT_DIR = Path("creditloop-data")

# A library error names a field; tell the user which option it came from.
OPTION_OF_FIELD = {
    "line_id": "--line-id",
    "customer_id": "--customer-id",
    "limit_minor": "--limit",
    "amount_minor": "--amount",
    "periods": "--periods",
    "on": "--on",
    "opened_on": "--on",
    "expires_on": "--expires",
    "statement_day": "--statement-day",
    "due_days": "--due-days",
    "product": "--product",
}


def today() -> date:
    from creditloop.adapters.clock import SystemClock
    from creditloop.config import Settings

    return SystemClock(Settings().business_timezone).today()


def business_day(text: str | None, option: str = "--on") -> date:
    """A business date that has begun: a command dated in the future would close days that have not happened."""
    if text is None:
        return today()
    day = parse_day(text, option)
    if day > today():
        fail(f"{option}: {day} is in the future (today is {today()})", EXIT_USAGE)
    return day


def when(on: str | None, data_dir: Path, line_id: str, command_id: str | None, *, generated: bool = False) -> date:
    """The business date of a command: ``--on``, or on a retry without ``--on`` the date the command was first
    recorded with, so a retry after midnight is the same request, not a conflict; otherwise today.

    ``command_id`` None means the line's opening (``line open``: the line id is the command id); a ``generated``
    id is new, so it has no recorded date."""
    if on is not None:
        return business_day(on)
    recorded = None if generated else _recorded_day(data_dir, line_id, command_id)
    return recorded if recorded is not None else today()


def _recorded_day(data_dir: Path, line_id: str, command_id: str | None) -> date | None:
    from creditloop.app.views import recorded_day
    from creditloop.config import Settings
    from creditloop.core.errors import CreditloopError

    if Settings(data_dir=data_dir).database_url is None and not (data_dir / "ledger.sqlite").is_file():
        return None  # no ledger yet: nothing was recorded (and nothing is created here)
    try:
        return recorded_day(ledger_bus(data_dir, write=False).uow, line_id, command_id)
    except CreditloopError:  # no such line: the command itself reports it
        return None


def amount(text: str, option: str = "--amount") -> int:
    return parse_amount(text, option)


def ledger_bus(data_dir: Path, *, write: bool = True, create: bool = False, subscribers: Any = None) -> Any:
    """The bus over the ledger of ``--data-dir`` (or ``CREDITLOOP_DATABASE_URL``).

    Only ``line open`` (``create``) may start a new ledger: any other command on a directory without one is a
    mistyped path, refused before anything is written. Commands that write refuse a simulation's ledger: its
    books are synthetic and the next simulation replaces them (issue 11, item 4)."""
    from creditloop.bootstrap import build
    from creditloop.config import Settings
    from creditloop.entrypoints.cli.ledgers import SIDE_MARKER
    from creditloop.entrypoints.cli.pii_cli import attach_pii_cipher

    settings = Settings(data_dir=data_dir)
    local = settings.database_url is None
    if local:
        if data_dir.exists() and not data_dir.is_dir():
            fail(f"--data-dir: {data_dir} is a file, not a directory", EXIT_USAGE)
        if not (data_dir / "ledger.sqlite").exists():
            if not create:
                fail(f"--data-dir: no ledger in {data_dir} (open a line first, or check the path)", EXIT_USAGE)
            check_writable_dir(data_dir, "--data-dir")
            check_dir(lambda: _refuse_simulation_dir(data_dir))
    bus: Any = guarded(lambda: build(settings, subscribers=subscribers)).bus  # the SQL bus: its uow has an engine
    attach_pii_cipher(bus, data_dir, local)  # application forms' personal data encrypted when a key is set
    if write:
        purpose = _stamp_operating(bus.uow.engine, legacy_simulation=local and (data_dir / SIDE_MARKER).exists())
        if purpose != "operating":
            where = f"--data-dir: {data_dir}" if local else "CREDITLOOP_DATABASE_URL"
            fail(
                f"{where} holds a simulation's ledger (synthetic books the next simulation replaces); servicing "
                "commands do not write to it (use another --data-dir for real lines; reads such as `line show` and "
                "`journal verify` still work)",
                EXIT_USAGE,
            )
    return bus


def _refuse_simulation_dir(data_dir: Path) -> None:
    from creditloop.entrypoints.cli.ledgers import SIDE_MARKER, DirectoryRefused

    if (data_dir / SIDE_MARKER).exists():
        raise DirectoryRefused(f"--data-dir: {data_dir} is a simulation's directory; open real lines elsewhere")


def _stamp_operating(engine: Any, *, legacy_simulation: bool) -> str:
    """The ledger's purpose, recording ``operating`` on a ledger that has none yet (and no old simulation file)."""
    from creditloop.adapters.sqlalchemy.purpose import OPERATING, SIMULATION, read_purpose, stamp_purpose

    with engine.begin() as connection:
        recorded = read_purpose(connection)
        if recorded is not None:
            return recorded
        if legacy_simulation:
            return SIMULATION
        return stamp_purpose(connection, OPERATING)


def send(data_dir: Path, command: object, *, create: bool = False, options: dict[str, str] | None = None) -> Any:
    bus = ledger_bus(data_dir, create=create)
    return guarded(lambda: bus.handle(command), OPTION_OF_FIELD if options is None else options)


def read(data_dir: Path, view: Any, *args: Any) -> Any:
    """Call a read view (``creditloop.app.views``) on the ledger; our errors become one line."""
    uow = ledger_bus(data_dir, write=False).uow
    return guarded(lambda: view(uow, *args))


def dry_run_before_creating(data_dir: Path, command: object) -> None:
    """On a directory without a ledger, try the command on an in-memory ledger first: a refused request leaves no
    new, empty ledger behind."""
    from creditloop.bootstrap import build_memory
    from creditloop.config import Settings

    if Settings(data_dir=data_dir).database_url is None and not (data_dir / "ledger.sqlite").exists():
        bus = build_memory().bus
        guarded(lambda: bus.handle(command), OPTION_OF_FIELD)
