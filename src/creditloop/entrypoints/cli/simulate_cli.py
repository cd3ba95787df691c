"""``creditloop demo | simulate | compare-strategies | report``: synthetic portfolios and their report.

The simulator, the warehouse and the report renderer are imported inside the commands: the ledger commands of a
lean install never load them.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from creditloop.entrypoints.cli._common import (
    EXIT_DOMAIN,
    EXIT_USAGE,
    JsonOpt,
    LangOpt,
    check_dir,
    check_lang,
    check_writable_dir,
    checked_output,
    echo_json,
    emit,
    fail,
    format_yuan,
    guarded,
    header,
    one_of,
    out,
    parse_day,
    progress_bar,
    progress_step,
    table,
)

if TYPE_CHECKING:
    from creditloop.simulate.runner import SimConfig

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
STRATEGIES = (
    "baseline, no-outreach, no-reminders, tight-limits, limit-growth, strict-origination, rule-policy, "
    "learning-lender, ewi-freeze, ewi-remind, ewi-hardship, ewi-v1-freeze, ewi3-remind, ewi3-hardship, "
    "statement-mode, collections-standard, collections-intensive"
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
WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", help="Worker processes (default: one per core); the results do not depend on it."),
]
StrategyOpt = Annotated[str, typer.Option("--strategy", help=f"Lender strategy: {STRATEGIES.replace(', ', ' | ')}.")]
OutAliasOpt = Annotated[Path | None, typer.Option("--out", help="Another name for --data-dir.")]


def data_dir_of(data_dir: Path | None, alias: Path | None, default: str) -> tuple[str, Path]:
    """``--data-dir`` or its alias ``--out``, with the name the user typed (messages name it)."""
    option, path = one_of(("--data-dir", data_dir), ("--out", alias))
    return option, path if path is not None else Path(default)


def sim_config(
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


def run_simulation_into(
    cfg: SimConfig,
    data_dir: Path,
    option: str,
    *,
    workers: int | None = None,
    chaos_ok: bool = True,
) -> dict[str, Any]:
    """Check the directory, then run the simulation (or a fault-injection run) into it, with progress."""
    from creditloop.entrypoints.cli.ledgers import check_simulation_dir, mark_simulation_dir
    from creditloop.simulate.parallel import MAX_WORKERS, run_simulation

    # Every option is checked before anything is written.
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
        summary = guarded(lambda: run_chaos_ledger(plan, cfg.seed, data_dir, cfg.start_on))
        return {**summary, "scenario": cfg.scenario.name, "data_dir": str(data_dir.resolve())}
    with progress_bar() as bar:
        task = bar.add_task("simulating months", total=cfg.customers * cfg.months)  # customer-months
        result = guarded(
            lambda: run_simulation(cfg, data_dir, workers=workers, progress=lambda d, t: bar.update(task, completed=d))
        )
    summary = dict(result.summary)
    summary["timings_s"] = {k: round(v, 1) for k, v in result.timings.items()}  # printed only, never in the files
    summary["data_dir"] = str(data_dir.resolve())
    summary["ledger"] = f"sqlite:///{(data_dir / 'ledger.sqlite').resolve()}"
    return summary


def demo(
    customers: CustomersOpt = 2000,
    months: MonthsOpt = 18,
    seed: SeedOpt = 42,
    scenario: ScenarioOpt = "pandemic",
    shock_month: ShockOpt = None,
    start: StartOpt = "2024-01-01",
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            envvar="CREDITLOOP_DATA_DIR",
            help="Where the ledger, Parquet files and report go (default creditloop-data).",
        ),
    ] = None,
    out_alias: OutAliasOpt = None,
    as_json: JsonOpt = False,
    workers: WorkersOpt = None,
    strategy: StrategyOpt = "baseline",
    lang: LangOpt = "en",
) -> None:
    """Run a seeded synthetic portfolio through the whole credit loop and write an HTML report."""
    from creditloop._extras import require_extra

    require_extra("demo")  # simulator and report: name both at once on a lean install
    from creditloop.adapters.report import render_report
    from creditloop.adapters.warehouse import DuckDBWarehouse
    from creditloop.entrypoints.cli.ewi_backtest_cli import report_backtest

    check_lang(lang)
    option, target = data_dir_of(data_dir, out_alias, "creditloop-data")
    shock_month, moved_from = fit_demo_shock(scenario, months, shock_month)
    cfg = sim_config(customers, months, seed, scenario, shock_month, start, strategy)
    summary = run_simulation_into(cfg, target, option, workers=workers, chaos_ok=False)
    if moved_from is not None:
        summary["shock_moved_from"] = moved_from
    with progress_step("rendering the report"):
        report = guarded(lambda: render_report(target, ewi=report_backtest(target)))
    summary["report"] = str(report.resolve())
    rates = [(d.month_index, d.rate_30plus) for d in DuckDBWarehouse(target).delinquency_by_month()]
    summary["rate_30plus_by_month"] = {str(m): round(r, 4) for m, r in rates}
    if as_json:
        echo_json(summary)
        return
    _print_summary(summary, rates, lang)


def fit_demo_shock(scenario: str, months: int, shock_month: int | None) -> tuple[int | None, int | None]:
    """The shock month for a demo and, when it had to move, the scenario's own month.

    Users run short demos (``--months 4``) of the default pandemic scenario, whose shock starts in month 6: the
    demo moves the shock to the run's middle month (month 2 at the earliest) rather than refuse. An explicit
    ``--shock-month`` is the user's choice and is never moved (one after the horizon is still refused).
    """
    from creditloop.simulate.scenario import load_scenario

    if shock_month is not None or months < 1:  # a bad --months is refused by the config, naming --months
        return shock_month, None
    shock = guarded(lambda: load_scenario(scenario), OPTION_OF_FIELD).shock
    if shock is None or shock.start_month <= months:
        return None, None
    return min(months, max(2, (months + 1) // 2)), shock.start_month


def shock_moved_note(summary: dict[str, Any], lang: str) -> str:
    """The line telling the user the demo moved the shock (zh or en)."""
    moved, to, months = summary["shock_moved_from"], summary["shock_month"], summary["months"]
    if lang == "zh":
        return f"注意：情景冲击原定第 {moved} 月，晚于 {months} 个月的模拟期，已移至第 {to} 月。"
    return f"Note: the scenario's shock starts in month {moved}, after this {months}-month run; moved to month {to}."


def _print_summary(summary: dict[str, Any], rates: list[tuple[int, float]], lang: str) -> None:
    rows = table("creditloop demo", ("", ""), lang, show_header=False)
    for key, value in (
        ("scenario", f"{summary['scenario']} (shock month {summary['shock_month']})"),
        ("customers / lines opened", f"{summary['customers']} / {summary['lines_opened']}"),
        ("purchased (yuan)", format_yuan(summary["purchased_minor"])),
        ("repaid (yuan)", format_yuan(summary["paid_minor"])),
        ("journal balanced", "yes" if summary["journal_balanced"] else "NO"),
        ("30+ DPD rate by month", " ".join(f"{m}:{r:.1%}" for m, r in rates)),
    ):
        rows.add_row(header(key, lang), value)
    out.print(rows)
    if "shock_moved_from" in summary:
        typer.echo(shock_moved_note(summary, lang))  # one plain line, never wrapped
    out.print(f"Report:  {summary['report']}")
    out.print(f"Ledger:  {summary['ledger']}")
    out.print(f"Parquet: {summary['data_dir']}/*.parquet (applications, snapshots, alerts, hardship, actions, events)")


def simulate(
    customers: CustomersOpt = 2000,
    months: MonthsOpt = 12,
    seed: SeedOpt = 42,
    scenario: ScenarioOpt = "baseline",
    shock_month: ShockOpt = None,
    start: StartOpt = "2024-01-01",
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Output directory: ledger, Parquet, summary.json (default creditloop-data)."),
    ] = None,
    out_alias: OutAliasOpt = None,
    as_json: JsonOpt = False,
    strategy: StrategyOpt = "baseline",
    workers: WorkersOpt = None,
) -> None:
    """Simulate a portfolio through a macro scenario, writing the ledger and Parquet outputs."""
    option, target = data_dir_of(data_dir, out_alias, "creditloop-data")
    cfg = sim_config(customers, months, seed, scenario, shock_month, start, strategy)
    summary = run_simulation_into(cfg, target, option, workers=workers)
    if "faults" in summary:
        text = (
            f"Chaos run, seed {summary['seed']}: {summary['operations']} operations, faults {summary['faults']}, "
            f"imbalance {format_yuan(summary['imbalance_minor'])} (every audit passed) into {target}"
        )
    else:
        text = f"Simulated {summary['customers']} customers over {summary['months']} months into {target}"
    emit(as_json, summary, text)


def compare_strategies(
    customers: CustomersOpt = 2000,
    months: MonthsOpt = 18,
    seed: SeedOpt = 42,
    scenario: ScenarioOpt = "pandemic",
    shock_month: ShockOpt = None,
    start: StartOpt = "2024-01-01",
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Where each strategy's Parquet outputs go (default creditloop-compare)."),
    ] = None,
    out_alias: OutAliasOpt = None,
    as_json: JsonOpt = False,
    strategies: Annotated[
        list[str] | None,
        typer.Option(
            "--strategy",
            help="A strategy to run (repeat the option for each; default: baseline and no-outreach). "
            f"Known: {STRATEGIES}.",
        ),
    ] = None,
    lang: LangOpt = "en",
) -> None:
    """Run the same seeded world under several lender strategies; compare losses, delinquency and help."""
    from creditloop.entrypoints.cli.ledgers import check_simulation_dir, mark_simulation_dir
    from creditloop.simulate.compare import DEFAULT_STRATEGIES, resolve_strategies

    check_lang(lang)
    option, target = data_dir_of(data_dir, out_alias, "creditloop-compare")
    names = list(strategies or DEFAULT_STRATEGIES)
    cfg = sim_config(customers, months, seed, scenario, shock_month, start)
    guarded(lambda: resolve_strategies(names), OPTION_OF_FIELD)  # unknown names refused before anything runs
    check_writable_dir(target, option)
    check_dir(lambda: check_simulation_dir(target, option))
    for sub in [target / name for name in names]:
        check_dir(partial(check_simulation_dir, sub, option))
    for name in names:
        mark_simulation_dir(target / name)
    mark_simulation_dir(target)
    outcomes = _compare(cfg, names, target)
    if as_json:
        rows = [o.as_dict() for o in outcomes]
        echo_json({"seed": seed, "scenario": cfg.scenario.name, "strategies": rows})
        return
    _print_outcomes(outcomes, seed, cfg.scenario.name, lang)


def _compare(cfg: SimConfig, names: list[str], target: Path) -> list[Any]:
    """Each strategy in turn, one progress step per strategy (the library reports none of its own)."""
    from creditloop.simulate.compare import compare_strategies as run_compare

    outcomes: list[Any] = []
    with progress_bar() as bar:
        task = bar.add_task(f"{len(names)} strategies, same seed", total=len(names))
        for k, name in enumerate(names):
            bar.update(task, description=f"strategy {name}", completed=k)
            outcomes.extend(guarded(lambda name=name: run_compare(cfg, [name], target)))  # type: ignore[misc]
        bar.update(task, completed=len(names))
    return outcomes


def _print_outcomes(outcomes: list[Any], seed: int, scenario: str, lang: str) -> None:
    columns = ("strategy", "lines", "charged off", "peak 30+", "final 30+", "helped", "helped now current/repaid")
    rows = table(f"strategies compared on seed {seed} ({scenario})", (*columns, "lender actions"), lang)
    for o in outcomes:
        rows.add_row(
            o.name,
            str(o.lines_opened),
            format_yuan(o.charged_off_minor),
            f"{o.peak_30plus:.1%}",
            f"{o.final_30plus:.1%}",
            str(o.customers_helped),
            str(o.helped_now_current_or_repaid),
            ", ".join(f"{k} {v}" for k, v in o.actions) or "-",
        )
    out.print(rows)


def report(
    data_dir: Annotated[Path, typer.Option("--data-dir", help="A directory written by `simulate` or `demo`.")] = Path(
        "creditloop-data"
    ),
    out_path: Annotated[Path | None, typer.Option("--out", help="Report file (default DATA_DIR/report.html).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --out file.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Render the bilingual HTML portfolio report from a simulation's Parquet outputs."""
    from creditloop.adapters.report import render_report
    from creditloop.adapters.warehouse import WarehouseError
    from creditloop.entrypoints.cli.ewi_backtest_cli import report_backtest
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
        with progress_step("rendering the report"):
            atomic_write(target, lambda tmp: render_report(data_dir, tmp, ewi=report_backtest(data_dir)))
    except WarehouseError as exc:
        fail(f"--data-dir: {exc}", EXIT_DOMAIN)
    emit(as_json, {"report": str(target)}, f"Report: {target}")


def register(app: typer.Typer) -> None:
    app.command()(demo)
    app.command()(simulate)
    app.command("compare-strategies")(compare_strategies)
    app.command()(report)
