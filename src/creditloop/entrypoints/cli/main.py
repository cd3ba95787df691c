"""The ``creditloop`` command line. It only parses, calls the library and renders.

Exit codes: 0 ok, 1 domain error (the request was understood and refused), 2 usage error.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer import Abort

try:  # Typer >= 0.25 vendors its own click; its exceptions are what standalone_mode=False raises
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - older Typer on upstream click
    from click.exceptions import ClickException, NoArgsIsHelpError, UsageError  # type: ignore[assignment]

from creditloop import __version__
from creditloop._extras import missing_extra, require_extra
from creditloop.core.errors import CreditloopError, ValidationError
from creditloop.core.money import format_major

if TYPE_CHECKING:
    from creditloop.simulate.runner import SimConfig

app = typer.Typer(
    name="creditloop",
    help="creditloop — the risk side of consumer credit lines with installment (BNPL) products.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True, soft_wrap=True)

# Where a library error names a field, tell the user which option it came from.
OPTION_OF_FIELD = {
    "customers": "--customers",
    "months": "--months",
    "seed": "--seed",
    "scenario": "--scenario",
    "shock_month": "--shock-month",
    "start_on": "--start",
    "strategy": "--strategy",
}

EXIT_DOMAIN = 1
EXIT_USAGE = 2
T = TypeVar("T")


def fail(message: str, code: int) -> NoReturn:
    err.print(f"error: {message}", markup=False, highlight=False)
    raise typer.Exit(code)


def guarded(fn: Callable[[], T], options: dict[str, str] | None = None) -> T:
    """Run library code; turn our errors into one clear line and the right exit code, never a traceback.

    ``options`` maps a library field name to the command-line option it came from.
    """
    try:
        return fn()
    except ValidationError as exc:
        field = exc.field or "input"
        fail(f"{(options or {}).get(field, field)}: {exc.message}", EXIT_USAGE)
    except CreditloopError as exc:
        fail(f"{exc.code}: {exc.message}", EXIT_DOMAIN)


def check_writable_dir(path: Path, option: str) -> None:
    """Refuse a data directory we could not write, before anything is written."""
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        fail(f"{option}: {path} is not a writable directory ({probe} is a file)", EXIT_USAGE)
    if not os.access(probe, os.W_OK | os.X_OK):
        fail(f"{option}: {path} is not writable", EXIT_USAGE)


# Dates the ledger and the simulator can compute with: schedules and statements run years past a business date,
# and the calendar ends in 9999 (year 1 or 9999 overflowed as a bare OverflowError before, issue 11 item 8).
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def parse_day(text: str, option: str) -> date:
    """A calendar date written ``YYYY-MM-DD`` exactly (``date.fromisoformat`` also takes ``20240210`` and week
    dates such as ``2024-W06-6``; the docs promise neither), between 1900-01-01 and 2999-12-31."""
    if not _ISO_DAY.fullmatch(text):
        fail(f"{option}: expected a date YYYY-MM-DD, got {text!r}", EXIT_USAGE)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: expected a date YYYY-MM-DD, got {text!r} (no such day)", EXIT_USAGE)
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        fail(f"{option}: {day} is outside the supported dates {EARLIEST_DAY} to {LATEST_DAY}", EXIT_USAGE)
    return day


def check_dir(check: Callable[[], None]) -> None:
    """Run a directory check from ``ledgers``; a refusal is a usage error naming the option."""
    from creditloop.entrypoints.cli.ledgers import DirectoryRefused

    try:
        check()
    except DirectoryRefused as exc:
        fail(str(exc), EXIT_USAGE)


def checked_output(path: Path, option: str = "--out", *, force: bool = False, inputs: Sequence[Path] = ()) -> None:
    """The shared output guard (``outputs.check_output``) as a usage error naming the option."""
    from creditloop.entrypoints.cli.outputs import OutputRefused, check_output

    try:
        check_output(path, option, force=force, inputs=inputs)
    except OutputRefused as exc:
        fail(str(exc), EXIT_USAGE)


def progress_bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


CustomersOpt = Annotated[int, typer.Option("--customers", help="Number of simulated applicants (1..1,000,000).")]
MonthsOpt = Annotated[int, typer.Option("--months", help="Months to simulate (1..120).")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same run.")]
ScenarioOpt = Annotated[
    str, typer.Option("--scenario", help="baseline | pandemic | recession, or a path to a scenario JSON file.")
]
ShockOpt = Annotated[
    int | None, typer.Option("--shock-month", help="Move the scenario's shock to this month (1-based).")
]
StartOpt = Annotated[str, typer.Option("--start", help="First simulated month, YYYY-MM-01.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]
WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", help="Worker processes (default: one per core); the results do not depend on it."),
]
StrategyOpt = Annotated[
    str,
    typer.Option(
        "--strategy",
        help="Lender strategy: baseline | no-outreach | no-reminders | tight-limits | limit-growth | "
        "strict-origination | ewi-freeze.",
    ),
]


def _sim_config(
    customers: int,
    months: int,
    seed: int,
    scenario: str,
    shock_month: int | None,
    start: str,
    strategy: str = "baseline",
) -> SimConfig:
    """The simulation options, every one checked (one line naming the option on a bad value)."""
    from creditloop.simulate.runner import SimConfig
    from creditloop.simulate.scenario import load_scenario
    from creditloop.simulate.strategies import get_strategy

    start_on = parse_day(start, "--start")

    def config() -> SimConfig:
        scen = load_scenario(scenario)
        if shock_month is not None:
            scen = scen.with_shock_month(shock_month)
        return SimConfig(customers, months, seed, scen, start_on, strategy=get_strategy(strategy))

    return guarded(config, OPTION_OF_FIELD)


def _simulate(
    customers: int,
    months: int,
    seed: int,
    scenario: str,
    shock_month: int | None,
    start: str,
    data_dir: Path,
    as_json: bool,
    title: str,
    strategy: str = "baseline",
    workers: int | None = None,
    option: str = "--data-dir",
    chaos_ok: bool = True,
) -> dict[str, Any]:
    from creditloop.entrypoints.cli.ledgers import check_simulation_dir, mark_simulation_dir
    from creditloop.simulate.parallel import MAX_WORKERS, run_simulation

    # Every option is checked before anything is written.
    cfg = _sim_config(customers, months, seed, scenario, shock_month, start, strategy)
    if cfg.scenario.faults is not None and not chaos_ok:
        fail(f"--scenario: {cfg.scenario.name!r} is a fault-injection run; use `creditloop simulate`", EXIT_USAGE)
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        fail(f"--workers must be between 1 and {MAX_WORKERS}, got {workers}", EXIT_USAGE)
    check_writable_dir(data_dir, option)
    check_dir(lambda: check_simulation_dir(data_dir, option))
    # Synthetic books always go to their own SQLite file, never to a configured production database.
    mark_simulation_dir(data_dir)
    if cfg.scenario.faults is not None:  # a fault-injection run (simulate/faults.py): its own driver, one seed
        from creditloop.simulate.faults import run_chaos_ledger

        plan = cfg.scenario.faults
        summary = guarded(lambda: run_chaos_ledger(plan, seed, data_dir, cfg.start_on))
        return {**summary, "scenario": cfg.scenario.name, "data_dir": str(data_dir.resolve())}
    with progress_bar() as bar:
        task = bar.add_task(title, total=customers * months)  # customer-months
        result = guarded(
            lambda: run_simulation(cfg, data_dir, workers=workers, progress=lambda d, t: bar.update(task, completed=d))
        )
    summary = dict(result.summary)
    summary["timings_s"] = {k: round(v, 1) for k, v in result.timings.items()}  # printed only, never in the files
    summary["data_dir"] = str(data_dir.resolve())
    summary["ledger"] = f"sqlite:///{(data_dir / 'ledger.sqlite').resolve()}"
    return summary


@app.command()
def demo(
    customers: CustomersOpt = 2000,
    months: MonthsOpt = 18,
    seed: SeedOpt = 42,
    scenario: ScenarioOpt = "pandemic",
    shock_month: ShockOpt = None,
    start: StartOpt = "2024-01-01",
    data_dir: Annotated[
        Path,
        typer.Option("--data-dir", envvar="CREDITLOOP_DATA_DIR", help="Where the ledger, Parquet files and report go."),
    ] = Path("creditloop-data"),
    as_json: JsonOpt = False,
    workers: WorkersOpt = None,
    strategy: StrategyOpt = "baseline",
) -> None:
    """Run a seeded synthetic portfolio through the whole credit loop and write an HTML report."""
    require_extra("demo")  # simulator and report: name both at once on a lean install
    from creditloop.adapters.report import render_report
    from creditloop.adapters.warehouse import DuckDBWarehouse

    summary = _simulate(
        customers,
        months,
        seed,
        scenario,
        shock_month,
        start,
        data_dir,
        as_json,
        "simulating months",
        strategy,
        workers,
        chaos_ok=False,
    )
    report = guarded(lambda: render_report(data_dir))
    summary["report"] = str(report.resolve())
    wh = DuckDBWarehouse(data_dir)
    rates = [(d.month_index, d.rate_30plus) for d in wh.delinquency_by_month()]
    summary["rate_30plus_by_month"] = {str(m): round(r, 4) for m, r in rates}
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True))
        return
    _print_summary(summary, rates)


def _print_summary(summary: dict[str, Any], rates: list[tuple[int, float]]) -> None:
    table = Table(title="creditloop demo", show_header=False)
    table.add_row("scenario", f"{summary['scenario']} (shock month {summary['shock_month']})")
    table.add_row("customers / lines opened", f"{summary['customers']} / {summary['lines_opened']}")
    table.add_row("purchased (yuan)", format_major(summary["purchased_minor"]))
    table.add_row("repaid (yuan)", format_major(summary["paid_minor"]))
    table.add_row("journal balanced", "yes" if summary["journal_balanced"] else "NO")
    table.add_row("30+ DPD rate by month", " ".join(f"{m}:{r:.1%}" for m, r in rates))
    out.print(table)
    out.print(f"Report:  {summary['report']}")
    out.print(f"Ledger:  {summary['ledger']}")
    out.print(f"Parquet: {summary['data_dir']}/*.parquet (applications, snapshots, alerts, hardship, actions, events)")


@app.command()
def simulate(
    customers: CustomersOpt = 2000,
    months: MonthsOpt = 12,
    seed: SeedOpt = 42,
    scenario: ScenarioOpt = "baseline",
    shock_month: ShockOpt = None,
    start: StartOpt = "2024-01-01",
    out_dir: Annotated[Path, typer.Option("--out", help="Output directory (ledger, Parquet, summary.json).")] = Path(
        "creditloop-data"
    ),
    as_json: JsonOpt = False,
    strategy: StrategyOpt = "baseline",
    workers: WorkersOpt = None,
) -> None:
    """Simulate a portfolio through a macro scenario, writing the ledger and Parquet outputs."""
    summary = _simulate(
        customers,
        months,
        seed,
        scenario,
        shock_month,
        start,
        out_dir,
        as_json,
        "simulating months",
        strategy,
        workers,
        option="--out",
    )
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True))
    elif "faults" in summary:
        out.print(
            f"Chaos run, seed {summary['seed']}: {summary['operations']} operations, faults {summary['faults']}, "
            f"imbalance {summary['imbalance_minor']} (every audit passed) into {out_dir}"
        )
    else:
        out.print(f"Simulated {summary['customers']} customers over {summary['months']} months into {out_dir}")


@app.command("compare-strategies")
def compare_strategies(
    customers: CustomersOpt = 2000,
    months: MonthsOpt = 18,
    seed: SeedOpt = 42,
    scenario: ScenarioOpt = "pandemic",
    shock_month: ShockOpt = None,
    start: StartOpt = "2024-01-01",
    out_dir: Annotated[Path, typer.Option("--out", help="Where each strategy's Parquet outputs go.")] = Path(
        "creditloop-compare"
    ),
    as_json: JsonOpt = False,
    strategies: Annotated[
        list[str] | None,
        typer.Option(
            "--strategy",
            help="A strategy to run (repeat the option for each; default: baseline and no-outreach). "
            "Known: baseline, no-outreach, no-reminders, tight-limits, limit-growth, strict-origination, ewi-freeze.",
        ),
    ] = None,
) -> None:
    """Run the same seeded world under several lender strategies; compare losses, delinquency and help."""
    from creditloop.entrypoints.cli.ledgers import check_simulation_dir, mark_simulation_dir
    from creditloop.simulate.compare import DEFAULT_STRATEGIES, compare_strategies, resolve_strategies

    names = list(strategies or DEFAULT_STRATEGIES)
    cfg = _sim_config(customers, months, seed, scenario, shock_month, start)
    guarded(lambda: resolve_strategies(names), OPTION_OF_FIELD)  # unknown names refused before anything runs
    check_writable_dir(out_dir, "--out")
    check_dir(lambda: check_simulation_dir(out_dir, "--out"))
    for sub in [out_dir / name for name in names]:
        check_dir(partial(check_simulation_dir, sub, "--out"))
    for name in names:
        mark_simulation_dir(out_dir / name)
    mark_simulation_dir(out_dir)
    with progress_bar() as bar:
        bar.add_task(f"{len(names)} strategies, same seed", total=None)
        outcomes = guarded(lambda: compare_strategies(cfg, names, out_dir))
    rows = [o.as_dict() for o in outcomes]
    if as_json:
        typer.echo(json.dumps({"seed": seed, "scenario": cfg.scenario.name, "strategies": rows}, indent=2))
        return
    table = Table(title=f"strategies compared on seed {seed} ({cfg.scenario.name})")
    for col in (
        "strategy",
        "lines",
        "charged off",
        "peak 30+",
        "final 30+",
        "helped",
        "helped now current/repaid",
        "lender actions",
    ):
        table.add_column(col)
    for o in outcomes:
        table.add_row(
            o.name,
            str(o.lines_opened),
            format_major(o.charged_off_minor),
            f"{o.peak_30plus:.1%}",
            f"{o.final_30plus:.1%}",
            str(o.customers_helped),
            str(o.helped_now_current_or_repaid),
            ", ".join(f"{k} {v}" for k, v in o.actions) or "-",
        )
    out.print(table)


@app.command()
def report(
    data_dir: Annotated[Path, typer.Option("--data-dir", help="A directory written by `simulate` or `demo`.")] = Path(
        "creditloop-data"
    ),
    out_path: Annotated[Path | None, typer.Option("--out", help="Report file (default DATA_DIR/report.html).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --out file.")] = False,
) -> None:
    """Render the bilingual HTML portfolio report from a simulation's Parquet outputs."""
    from creditloop.adapters.report import render_report
    from creditloop.adapters.warehouse import WarehouseError
    from creditloop.entrypoints.cli.outputs import atomic_write

    if not data_dir.is_dir():
        fail(f"--data-dir: {data_dir} is not a directory", EXIT_USAGE)
    if not (data_dir / "summary.json").is_file():
        fail(f"--data-dir: {data_dir} is not a simulation's output (no summary.json; run `simulate` first)", 2)
    # The default file belongs to the simulation's directory and is refreshed; an explicit --out is guarded.
    target = out_path if out_path is not None else data_dir / "report.html"
    inputs = [p for p in data_dir.iterdir() if p.is_file() and p.name != "report.html"]
    checked_output(target, "--out", force=force or out_path is None, inputs=inputs)
    try:
        atomic_write(target, lambda tmp: render_report(data_dir, tmp))
    except WarehouseError as exc:
        fail(f"--data-dir: {exc}", EXIT_DOMAIN)
    out.print(f"Report: {target}")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


from creditloop.entrypoints.cli import servicing_cli  # noqa: E402

servicing_cli.register(app)

from creditloop.entrypoints.cli import db_cli  # noqa: E402

db_cli.register(app)

from creditloop.entrypoints.cli import pricing_cli  # noqa: E402

pricing_cli.register(app)


from creditloop.entrypoints.cli import scoring_cli  # noqa: E402

scoring_cli.register(app)


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
