"""The ``creditloop`` command line: builds the app, registers the command groups and runs it.

Each group lives in its own module (``line_cli``, ``journal_cli``, ``simulate_cli``, ``db_cli``, ``pricing_cli``,
``scoring_cli``, ``gbm_cli``); what they share is in ``_common``. No module imports this one.

Exit codes: 0 ok, 1 domain error (the request was understood and refused), 2 usage error.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Annotated

import typer
from typer import Abort

try:  # Typer >= 0.25 vendors its own click; its exceptions are what standalone_mode=False raises
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - older Typer on upstream click
    from click.exceptions import ClickException, NoArgsIsHelpError, UsageError  # type: ignore[assignment]

from creditloop import __version__
from creditloop._extras import missing_extra
from creditloop.core.errors import CreditloopError
from creditloop.entrypoints.cli import (
    checkout_cli,
    collections_cli,
    consortium_cli,
    credit_dispute_cli,
    credit_record_cli,
    db_cli,
    ewi_cli,
    gbm_cli,
    hardship_classify_cli,
    hardship_cli,
    journal_cli,
    line_cli,
    multilender_cli,
    origination_cli,
    pii_cli,
    pricing_cli,
    products_cli,
    risk_cli,
    scoring_cli,
    serve_cli,
    simulate_cli,
)
from creditloop.entrypoints.cli._common import (  # noqa: F401 - re-exported: tests and scripts import them here
    EARLIEST_DAY,
    EXIT_DOMAIN,
    EXIT_USAGE,
    LATEST_DAY,
    err,
    parse_day,
)

app = typer.Typer(
    name="creditloop",
    help="creditloop — the risk side of consumer credit lines with installment (BNPL) products.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """creditloop — the risk side of consumer credit lines with installment (BNPL) products."""


@app.command()
def version(as_json: Annotated[bool, typer.Option("--json", help="Print the version as JSON.")] = False) -> None:
    """Print the version."""
    from creditloop.entrypoints.cli._common import emit

    emit(as_json, {"version": __version__}, __version__)


simulate_cli.register(app)
multilender_cli.register(app)
line_cli.register(app)
checkout_cli.register(app)
journal_cli.register(app)
db_cli.register(app)
pricing_cli.register(app)
products_cli.register(app)
scoring_cli.register(app)
origination_cli.register(app)
gbm_cli.register(app)
ewi_cli.register(app)
hardship_classify_cli.add_commands(hardship_cli.hardship_app)  # `hardship classify|evaluate` (the text model)
hardship_cli.register(app)
collections_cli.register(app)
risk_cli.register(app)
credit_record_cli.register(app)
credit_dispute_cli.register()  # `credit-record dispute|disputes|report|statement` on the same group
serve_cli.register(app)
pii_cli.register(app)
consortium_cli.register(app)


def run() -> None:
    level = os.environ.get("CREDITLOOP_LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(level=level if level in logging.getLevelNamesMapping() else "WARNING")
    try:
        code = app(standalone_mode=False)
    except NoArgsIsHelpError as exc:
        if exc.ctx is not None:
            typer.echo(exc.ctx.get_help())
        sys.exit(EXIT_USAGE)
    except UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        err.print(f"error: {exc.format_message()}{hint}", markup=False, highlight=False)
        sys.exit(EXIT_USAGE)
    except ClickException as exc:
        err.print(f"error: {exc.format_message()}", markup=False, highlight=False)
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, Abort):
        err.print("interrupted")
        sys.exit(130)
    except CreditloopError as exc:  # raised outside guarded() (e.g. while building adapters)
        err.print(f"error: {exc.code}: {exc.message}", markup=False, highlight=False)
        sys.exit(EXIT_DOMAIN)
    except Exception as exc:  # never a traceback: one line, the details in the debug log
        if (missing := missing_extra(exc)) is not None:  # a lean install: name the extra to install
            err.print(f"error: {missing}", markup=False, highlight=False)
            sys.exit(EXIT_USAGE)
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        message = str(exc).splitlines()[0] if str(exc) else ""
        err.print(
            f"error: {type(exc).__name__}: {message} (set CREDITLOOP_LOG_LEVEL=DEBUG for details)",
            markup=False,
            highlight=False,
        )
        sys.exit(EXIT_DOMAIN)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    run()
