"""``creditloop multi-lender``: several lenders, one population, a shock; consortium sharing off and on, by seed.

Issue #19 part 3 (docs/simulation.md, "Multi-lender simulation"). The simulator is imported inside the command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from creditloop.entrypoints.cli._common import (
    EXIT_USAGE,
    JsonOpt,
    LangOpt,
    check_dir,
    check_lang,
    check_writable_dir,
    echo_json,
    fail,
    guarded,
    out,
    parse_day,
    progress_bar,
    table,
)
from creditloop.entrypoints.cli.simulate_cli import (
    CustomersOpt,
    MonthsOpt,
    OutAliasOpt,
    ScenarioOpt,
    ShockOpt,
    StartOpt,
    data_dir_of,
)

OPTION_OF_FIELD = {
    "customers": "--customers",
    "months": "--months",
    "seeds": "--seeds",
    "scenario": "--scenario",
    "shock_month": "--shock-month",
    "start_on": "--start",
    "lenders": "--lenders",
    "min_members": "--min-members",
}
# The table's headers in Chinese (kept here: the shared ZH_HEADERS table is other commands' and edited in parallel).
ZH = {
    "lender": "贷款机构",
    "multi-lending share": "共债占比",
    "defaults (90+)": "违约数 (90+)",
    "loss (yuan)": "损失 (元)",
    "loss reduction [95 % CI]": "损失降幅 [95 % 置信区间]",
    "refused, would default": "拒绝且本会违约",
    "refused, would not": "拒绝且本不会违约",
}
RESULT_FILE = "multilender.json"
RUNS_FILE = "multilender_runs.csv"


def parse_seeds(text: str) -> list[int]:
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        fail(f"--seeds: {text!r} is not a comma-separated list of integers (e.g. 1,2,3)", EXIT_USAGE)
    return seeds


def multi_lender(
    lenders: Annotated[
        int, typer.Option("--lenders", help="Member lenders (3..8): prudent, standard, growth, ...")
    ] = 3,
    customers: CustomersOpt = 2000,
    months: MonthsOpt = 18,
    seeds: Annotated[str, typer.Option("--seeds", help="Comma-separated seeds, each run with sharing off and on.")] = (
        "1,2,3"
    ),
    scenario: ScenarioOpt = "pandemic",
    shock_month: ShockOpt = None,
    start: StartOpt = "2024-01-01",
    min_members: Annotated[
        int, typer.Option("--min-members", help="Consortium threshold: other contributing members (2..lenders-1).")
    ] = 2,
    declare: Annotated[
        bool,
        typer.Option(
            "--declare-member-loans",
            help="Applicants declare their lines at other members (default: loans taken during the run go undeclared).",
        ),
    ] = False,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Where the results go (default creditloop-multilender).")
    ] = None,
    out_alias: OutAliasOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = "en",
) -> None:
    """Lenders compete for one population through a shock, with consortium sharing off and on; losses and refusals
    per lender and for the system, with 95 % intervals over the seeds."""
    from creditloop.entrypoints.cli.ledgers import check_simulation_dir, mark_simulation_dir
    from creditloop.entrypoints.cli.outputs import atomic_write
    from creditloop.simulate.multilender.experiment import check_seeds, run_experiment, runs_csv
    from creditloop.simulate.multilender.world import MultiConfig
    from creditloop.simulate.scenario import load_scenario

    check_lang(lang)
    option, target = data_dir_of(data_dir, out_alias, "creditloop-multilender")
    start_on = parse_day(start, "--start")
    seed_list = guarded(lambda: check_seeds(parse_seeds(seeds)), OPTION_OF_FIELD)

    def config() -> MultiConfig:
        scen = load_scenario(scenario)
        if scen.faults is not None:
            fail(f"--scenario: {scen.name!r} is a fault-injection run, not a world of customers", EXIT_USAGE)
        if shock_month is not None:
            scen = scen.with_shock_month(shock_month)
        return MultiConfig(customers, months, seed_list[0], scen, lenders, False, min_members, start_on, declare)

    base = guarded(config, OPTION_OF_FIELD)
    check_writable_dir(target, option)
    check_dir(lambda: check_simulation_dir(target, option))
    mark_simulation_dir(target)
    with progress_bar() as bar:
        task = bar.add_task("runs (seed x sharing)", total=2 * len(seed_list))
        result = guarded(lambda: run_experiment(base, seed_list, lambda done, *_: bar.update(task, completed=done)))
    text = json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True)
    atomic_write(target / RESULT_FILE, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))
    csv_text = runs_csv(result)
    atomic_write(target / RUNS_FILE, lambda tmp: tmp.write_text(csv_text, encoding="utf-8"))
    if as_json:
        echo_json({**result, "data_dir": str(target.resolve())})
        return
    _print(result, lang, target)


def _print(result: dict[str, Any], lang: str, target: Path) -> None:
    from creditloop.simulate.multilender.report import SUMMARY_COLUMNS, summary_rows

    cfg = result["config"]
    title = (
        f"{len(cfg['lenders'])} lenders x {cfg['customers']} customers x {cfg['months']} months, {cfg['scenario']}, "
        f"seeds {','.join(map(str, cfg['seeds']))}: sharing off -> on"
    )
    rows = table(title, [ZH.get(c, c) if lang == "zh" else c for c in SUMMARY_COLUMNS], lang)
    for row in summary_rows(result["summary"]):
        rows.add_row(*row)
    out.print(rows)
    typer.echo(f"Results: {target / RESULT_FILE}, {target / RUNS_FILE}")


def register(app: typer.Typer) -> None:
    app.command("multi-lender")(multi_lender)
