"""``creditloop risk vintages | rolls | transitions | losses --data-dir D [--engine duckdb|spark]``.

The analytics are ibis expressions (``creditloop.portfolio.analytics``) run on the chosen engine over the run's
``snapshots.parquet``; this module only picks the engine, the measure (``--by count|balance|both``) and renders.
JSON: ``{"schema": "creditloop.risk.<command>/1", "engine", "by", "tables": {name: [rows]}}``, money in integer
fen (``*_minor``), rates as float shares (docs/risk.md).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from creditloop.entrypoints.cli._common import EXIT_USAGE, JsonOpt, LangOpt, check_lang, emit, fail, format_yuan

EngineOpt = Annotated[str, typer.Option("--engine", help="duckdb (embedded, default) | spark")]
MasterOpt = Annotated[
    str | None, typer.Option("--spark-master", help="Spark master URL (default local[2]); with --engine spark.")
]
ByOpt = Annotated[str, typer.Option("--by", help="count | balance | both (default count).")]
DataDirOpt = Annotated[Path, typer.Option("--data-dir", help="A simulation's output directory (snapshots.parquet).")]

# table name -> (columns always shown, count columns, balance columns)
Columns = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
_EVER = ("ever30", "ever60", "ever90")
_MOVES = ("forward", "stay", "cure")
COLUMNS: dict[str, Columns] = {
    "vintages": (
        ("vintage", "mob"),
        ("lines", *(f"{e}_lines" for e in _EVER), *(f"{e}_rate" for e in _EVER)),
        ("exposure_minor", *(f"{e}_exposure_minor" for e in _EVER), *(f"{e}_balance_rate" for e in _EVER)),
    ),
    "first_payment_default": (
        ("vintage",),
        ("lines", "fpd_lines", "fpd_rate"),
        ("exposure_minor", "fpd_exposure_minor", "fpd_balance_rate"),
    ),
    "roll_rates": (
        ("month_end_on", "bucket"),
        ("lines", *(f"{m}_lines" for m in _MOVES), *(f"{m}_rate" for m in _MOVES)),
        ("exposure_minor", *(f"{m}_exposure_minor" for m in _MOVES), *(f"{m}_balance_rate" for m in _MOVES)),
    ),
    "flow_rates": (
        ("month_end_on", "bucket"),
        ("lines", "flowed_lines", "flow_rate"),
        ("exposure_minor", "flowed_next_exposure_minor", "flow_balance_rate"),
    ),
    "transition_matrix": (
        ("from_state", "to_state"),
        ("lines", "row_lines", "p", "p_low", "p_high"),
        ("exposure_minor", "row_exposure_minor", "balance_share"),
    ),
    "net_charge_off": (
        ("month_end_on", "gross_charge_off_minor", "recoveries_minor", "net_charge_off_minor"),
        (),
        ("average_open_exposure", "nco_rate", "nco_rate_annualised"),
    ),
    "recovery_curve": (
        ("months_since_charge_off", "lines", "gross_charge_off_minor"),
        (),
        ("recovered_in_month_minor", "recovered_to_date_minor", "cumulative_recovery_rate"),
    ),
}
_BY = ("count", "balance", "both")


def columns(name: str, by: str) -> tuple[str, ...]:
    keys, count, balance = COLUMNS[name]
    if not count or not balance:  # money-only tables (losses) show everything whatever --by says
        return (*keys, *count, *balance)
    return (*keys, *(count if by in ("count", "both") else ()), *(balance if by in ("balance", "both") else ()))


def _metrics() -> dict[str, Callable[[Any], Any]]:
    from creditloop.portfolio.analytics import fpd, losses, rolls, transitions, vintages

    return {
        "vintages": vintages.vintage_curves,
        "first_payment_default": fpd.first_payment_default,
        "roll_rates": rolls.roll_rates,
        "flow_rates": rolls.flow_rates,
        "transition_matrix": transitions.transition_matrix,
        "net_charge_off": losses.net_charge_off,
        "recovery_curve": losses.recovery_curve,
    }


def compute(data_dir: Path, names: tuple[str, ...], engine: str, spark_master: str | None) -> dict[str, list[Any]]:
    """Each named analytic over ``data_dir`` on ``engine``: its rows, every column (both measures)."""
    from creditloop.adapters.analytics.engines import EngineError, connect, rows, snapshots
    from creditloop.portfolio.analytics.panel import AnalyticsInputError, monthly_state

    try:
        con = connect(engine, spark_master)
        state = monthly_state(snapshots(con, data_dir))
    except (EngineError, AnalyticsInputError) as exc:
        fail(str(exc), EXIT_USAGE)
    metrics = _metrics()
    if len(names) == 1:
        return {name: rows(metrics[name](state)) for name in names}
    # Materialise the panel once (its window functions sort the book) for every table, and release it here. Left to
    # ibis's finaliser at interpreter exit, the drop printed a traceback on stderr (R6 review): ibis 12's DROP TABLE
    # loses its table name under sqlglot 30 ("DROP TABLE IF EXISTS"). Releasing detaches that finaliser first; a
    # failed drop of this temporary table is harmless (it goes with the connection) and must not fail the command.
    cached = state.cache()
    try:
        return {name: rows(metrics[name](cached)) for name in names}
    finally:
        with contextlib.suppress(Exception):
            cached.release()


def _cell(column: str, value: Any) -> str:
    if value is None:
        return "-"
    if column.endswith("_minor"):
        return format_yuan(int(value))
    if column == "average_open_exposure":  # fen, a half-fen average: shown in yuan
        return f"{value / 100.0:.2f}"
    if isinstance(value, float):
        return f"{100.0 * value:.2f}%" if ("rate" in column or column.startswith(("p", "balance"))) else f"{value:.2f}"
    return str(value)


def text_table(title: str, cols: tuple[str, ...], data: list[dict[str, Any]]) -> str:
    """Plain aligned columns (amounts in yuan, shares in %), for people; JSON keeps the raw values."""
    cells = [[_cell(c, row[c]) for c in cols] for row in data]
    heads = [c.removesuffix("_minor") for c in cols]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(heads)]
    lines = [title, "  ".join(h.rjust(w) for h, w in zip(heads, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


_TITLES_ZH = {
    "vintages": "账龄曲线（曾逾期 30+/60+/90+）",
    "first_payment_default": "首期违约",
    "roll_rates": "滚动率（按月）",
    "flow_rates": "迁徙率（按月）",
    "transition_matrix": "马尔可夫迁移矩阵（Wilson 95% 置信区间）",
    "net_charge_off": "净核销（按月）",
    "recovery_curve": "核销后回收",
}


def run(
    command: str,
    names: tuple[str, ...],
    data_dir: Path,
    engine: str,
    master: str | None,
    by: str,
    as_json: bool,
    lang: str,
) -> None:
    check_lang(lang)
    if by not in _BY:
        fail(f"--by: must be one of {', '.join(_BY)}, got {by!r}", EXIT_USAGE)
    tables = compute(data_dir, names, engine, master)
    shown = {name: [{c: row[c] for c in columns(name, by)} for row in data] for name, data in tables.items()}
    doc = {"schema": f"creditloop.risk.{command}/1", "engine": engine, "by": by, "tables": shown}
    text = "\n\n".join(
        text_table(_TITLES_ZH[name] if lang == "zh" else name.replace("_", " "), columns(name, by), data)
        for name, data in shown.items()
    )
    emit(as_json, doc, text)


_BY_COMMANDS = (
    ("vintages", ("vintages", "first_payment_default"),
     "Vintage curves (ever 30+/60+/90+ by months on book) and first-payment default, by count or balance."),
    ("rolls", ("roll_rates", "flow_rates"),
     "Roll rates (forward / stay / cure) and flow rates by month and bucket, by count or balance."),
    ("transitions", ("transition_matrix",),
     "The pooled Markov transition matrix with Wilson 95 % intervals (count) and balance shares."),
)  # fmt: skip


def _by_command(app: typer.Typer, command: str, tables: tuple[str, ...], doc: str) -> None:
    """One ``--by`` analytics command: the same options, its own tables and help."""

    def cmd(
        data_dir: DataDirOpt,
        engine: EngineOpt = "duckdb",
        spark_master: MasterOpt = None,
        by: ByOpt = "count",
        as_json: JsonOpt = False,
        lang: LangOpt = "en",
    ) -> None:
        run(command, tables, data_dir, engine, spark_master, by, as_json, lang)

    cmd.__doc__ = doc
    app.command(command)(cmd)


def add_commands(app: typer.Typer) -> None:
    for command, tables, doc in _BY_COMMANDS:
        _by_command(app, command, tables, doc)

    @app.command("losses")
    def losses(
        data_dir: DataDirOpt,
        engine: EngineOpt = "duckdb",
        spark_master: MasterOpt = None,
        as_json: JsonOpt = False,
        lang: LangOpt = "en",
    ) -> None:
        """Net charge-off by month (gross, recoveries, rate over the average receivable) and recoveries over time."""
        run("losses", ("net_charge_off", "recovery_curve"), data_dir, engine, spark_master, "both", as_json, lang)
