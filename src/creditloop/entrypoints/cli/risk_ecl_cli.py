"""``creditloop risk ecl --data-dir D [--engine duckdb|spark] [--on D] [--scenarios FILE] [--own-lgd] [--own-ccf]
[--json]
[--book --ledger DIR]``: IFRS 9 expected credit loss of a monthly panel, and the allowance booked to a ledger.

The panel and its transition counts are read on the chosen engine (``adapters.analytics.ecl_inputs``); staging,
term structures and ECL are the pure ``portfolio.ecl`` code; ``--book`` sends ``BookEclAllowance`` through the
ledger's message bus (audited, idempotent per month). JSON schema ``creditloop.risk.ecl/1`` (docs/risk.md).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any

import typer

from creditloop.entrypoints.cli._common import (
    EXIT_USAGE,
    JsonOpt,
    LangOpt,
    check_lang,
    emit,
    fail,
    format_yuan,
    guarded,
    parse_day,
)
from creditloop.entrypoints.cli.risk_analytics_cli import DataDirOpt, EngineOpt, MasterOpt

OnOpt = Annotated[str | None, typer.Option("--on", help="Reporting month end YYYY-MM-DD (default: the last one).")]
ScenariosOpt = Annotated[
    Path | None, typer.Option("--scenarios", help="ECL parameter file (scenarios, CCF, EIR); default the packaged one.")
]
BookOpt = Annotated[bool, typer.Option("--book", help="Book the allowance change to the ledger given by --ledger.")]
LedgerOpt = Annotated[Path | None, typer.Option("--ledger", help="Data directory of the ledger to book to.")]
AccountsOpt = Annotated[bool, typer.Option("--accounts", help="Add every account's ECL to the JSON output.")]
SegmentOpt = Annotated[
    str,
    typer.Option(
        "--segment-by",
        help="PD per segment: auto (the default: payment when the snapshots carry paid_minor, else none), payment "
        "(lines that have / have never paid, each with its own chain), utilisation (the current row per "
        "u<30/u30-70/u70+) or none (one count chain).",
    ),
]
PdPriorOpt = Annotated[
    Path | None,
    typer.Option(
        "--pd-prior",
        help="Outside monthly roll rates (creditloop.ecl.pd_prior/1, e.g. from risk pd-prior on a seasoned book) "
        "blended with each row of the book's matrix by its line-months: for a book younger than a year.",
    ),
]
OwnLgdOpt = Annotated[
    bool,
    typer.Option("--own-lgd", help="Blend the book's own LGD at --on with the packaged prior (credibility-weighted)."),
]
OwnCcfOpt = Annotated[
    bool,
    typer.Option(
        "--own-ccf", help="Blend the book's own CCF at --on (drawdowns before charge-off) with the packaged one."
    ),
]

_HEAD = {
    "en": ("IFRS 9 expected credit loss at", "stage", "accounts", "EAD", "ECL", "coverage", "total",
           "stage movements", "from", "to", "new", "gone", "allowance booked", "already booked, nothing posted"),
    "zh": ("IFRS 9 预期信用损失，报告日", "阶段", "账户数", "违约风险暴露", "预期信用损失", "拨备覆盖率", "合计",
           "阶段迁移", "期初", "期末", "新增", "移出", "已计提减值准备", "本月已入账，未重复记账"),
}  # fmt: skip


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _compute(
    data_dir: Path,
    engine: str,
    master: str | None,
    on: str | None,
    scenarios: Path | None,
    segment_by: str = "auto",
    own_lgd: bool = False,
    own_ccf: bool = False,
    prior: Any = None,
) -> Any:
    """The ECL run, its parameters, the LGD file, the loss block and the PD chain ``auto`` resolved to."""
    from creditloop.adapters.analytics.ecl_inputs import read_inputs, resolve_segment_by
    from creditloop.adapters.analytics.ecl_options import with_own_experience
    from creditloop.adapters.analytics.engines import EngineError, connect
    from creditloop.portfolio.analytics.panel import AnalyticsInputError
    from creditloop.portfolio.ecl import lgd, run
    from creditloop.portfolio.ecl import scenarios as scenario_file

    if scenarios is not None and not scenarios.is_file():
        fail(f"--scenarios: {scenarios} is not a file", EXIT_USAGE)
    params = guarded(lambda: scenario_file.load(scenarios), {"scenarios": "--scenarios"})
    lgd_params = guarded(lgd.load)
    try:
        con = connect(engine, master)
        segment_by = resolve_segment_by(con, data_dir, segment_by)
        rows, counts = read_inputs(con, data_dir, segment_by)
    except (EngineError, AnalyticsInputError) as exc:
        fail(str(exc), EXIT_USAGE)
    day = reporting_day(rows, on, data_dir)
    segmented = segment_by != "none"
    # The same code path as GET /portfolio/ecl?source=data_dir&own_lgd=..&own_ccf=.. (adapters.analytics.ecl_options).
    params, loss = guarded(
        lambda: with_own_experience(con, data_dir, day, params, lgd_params.lgd, own_lgd=own_lgd, own_ccf=own_ccf)
    )
    result = guarded(
        lambda: run.ecl_at(rows, counts, day, params, loss["lgd"], segmented=segmented, pd_prior=prior), {"on": "--on"}
    )
    return result, params, lgd_params, loss, segment_by


def reporting_day(rows: Any, on: str | None, data_dir: Path) -> Any:
    """``--on`` as a month end of the panel (default the last), or exit 2 naming ``--on`` / ``--data-dir``."""
    ends = sorted({r.month_end_on for r in rows})
    if not ends:
        fail(f"--data-dir: {data_dir}/snapshots.parquet has no rows", EXIT_USAGE)
    day = ends[-1] if on is None else parse_day(on, "--on")
    if day not in ends:
        fail(f"--on: {day} is not a month end of the panel ({ends[0]} .. {ends[-1]})", EXIT_USAGE)
    return day


def _payload(
    result: Any,
    params: Any,
    lgd_params: Any,
    engine: str,
    accounts: bool,
    segment_by: str = "none",
    loss: dict[str, Any] | None = None,
    prior: Any = None,
) -> dict[str, Any]:
    from creditloop.app.portfolio_views import loss_parameters
    from creditloop.portfolio.ifrs9_staging import StagingRules
    from creditloop.portfolio.metrics import ROLL_STATES

    ts = result.term_structures[""]
    loss = loss or {"lgd": lgd_params.lgd, "source": "lending_club"}
    doc: dict[str, Any] = {
        "schema": "creditloop.risk.ecl/1",
        "engine": engine,
        "on": result.on.isoformat(),
        "parameters": {"version": params.version, "lgd_version": lgd_params.version,
                       **loss_parameters(params, loss, segment_by),
                       "pd_prior": None if prior is None else prior.describe(),
                       "eir": str(params.eir), "rho": params.rho, "lifetime_months": params.lifetime_months,
                       "sicr": {"pd_ratio": StagingRules().sicr_pd_ratio, "pd_abs": StagingRules().sicr_pd_abs,
                                "pd_at_origination": "applications.parquet pd"},
                       "scenarios": [{"name": s.name, "weight": s.weight, "z": s.z,
                                      "lgd_multiplier": s.lgd_multiplier} for s in params.scenarios]},
        "transition_months": [d.isoformat() for d in result.transition_months],
        "pd_term_structure": [
            {"state": ROLL_STATES[s], "pd_12m": ts.pd(s, 12), "pd_lifetime": ts.pd(s, params.lifetime_months),
             "line_months": result.row_line_months[s] if s < len(result.row_line_months) else None}
            for s in sorted(ts.cumulative)
        ],
        "pd_term_structure_by_segment": {
            name: [{"state": ROLL_STATES[s], "pd_12m": seg.pd(s, 12), "pd_lifetime": seg.pd(s, params.lifetime_months)}
                   for s in sorted(seg.cumulative)]
            for name, seg in sorted(result.term_structures.items()) if name
        },
        "by_stage": [{"stage": s or "total", **result.by_stage[s]} for s in (1, 2, 3, 0)],
        "stage_movements": [{**m, "month_end_on": m["month_end_on"].isoformat()} for m in result.movements],
    }  # fmt: skip
    if accounts:
        doc["accounts"] = [
            {"line_id": a.line_id, "stage": a.stage, "ead_minor": a.ead_minor, "pd_12m": a.pd_12m,
             "pd_lifetime": a.pd_lifetime, "ecl_minor": a.ecl_minor, "ecl_12m_minor": a.ecl_12m_minor,
             "segment": a.segment}
            for a in result.accounts
        ]  # fmt: skip
    return doc


# A delinquent row of the matrix seen fewer times than this makes the PD of every line that passes through it
# unreliable (docs/risk.md, "Session 13": at 8 months on book the M5 and M6 rows rest on 0-12 line-months).
THIN_ROW_LINE_MONTHS = 30


def _own_lgd_text(lgd: float, own: dict[str, Any], lang: str) -> str:
    mine = "-" if own["own_lgd"] is None else f"{own['own_lgd']:.4f}"
    z, prior = f"{own['credibility']:.3f}", f"{own['prior']:.4f}"
    if lang == "zh":
        return f"违约损失率 {lgd:.4f}（本行经验 {mine}，核销 {own['lines']} 户，可信度 Z {z}，先验 {prior}）"
    return f"LGD {lgd:.4f} (own {mine} on {own['lines']} charged-off lines, credibility Z {z}, prior {prior})"


def _own_ccf_text(own: dict[str, Any], lang: str) -> str:
    mine = "-" if own["own_ccf"] is None else f"{own['own_ccf']:.4f}"
    w, prior = f"{own['weight']:.3f}", own["prior"]
    if lang == "zh":
        return (f"信用转换系数 {own['ccf']}（本行经验 {mine}，基于 {own['lines']} 户在队列起点尚有未用额度的核销账户，"
                f"权重 {w}，先验 {prior}）")  # fmt: skip
    # Only the charged-off lines with an undrawn limit at the cohort start (the reference month) count.
    return (f"CCF {own['ccf']} (own {mine} on {own['lines']} charged-off lines with undrawn limit at the cohort "
            f"start, weight {w}, prior {prior})")  # fmt: skip


_CHAIN = {  # --segment-by as resolved, named for the reader of the text output
    "en": {"none": "one count chain", "utilisation": "by utilisation (u<30 / u30-70 / u70+)",
           "payment": "by payment (paid / never paid)"},
    "zh": {"none": "单一计数迁移链", "utilisation": "按额度使用率分段（u<30 / u30-70 / u70+）",
           "payment": "按是否曾还款分层（已还款 / 从未还款）"},
}  # fmt: skip


def _load_prior(path: Path | None) -> Any:
    """The ``--pd-prior`` file, refused by the field at fault (``--pd-prior: rows.M3: probabilities must ...``)."""
    if path is None:
        return None
    from creditloop.core.errors import ValidationError
    from creditloop.portfolio.ecl import pd_prior

    if not path.is_file():
        fail(f"--pd-prior: {path} is not a file", EXIT_USAGE)
    try:
        return pd_prior.load(path)
    except ValidationError as exc:
        where = "" if exc.field == "pd_prior" else f"{exc.field}: "
        fail(f"--pd-prior: {where}{exc.message}", EXIT_USAGE)


def _text(doc: dict[str, Any], lang: str) -> str:
    h = _HEAD[lang]
    lines = [f"{h[0]} {doc['on']}", f"{h[1]:>6} {h[2]:>9} {h[3]:>16} {h[4]:>14} {h[5]:>9}"]
    for row in doc["by_stage"]:
        cover = f"{100.0 * row['ecl_minor'] / row['ead_minor']:.2f}%" if row["ead_minor"] else "-"
        name = h[6] if row["stage"] == "total" else str(row["stage"])
        lines.append(f"{name:>6} {row['accounts']:>9} {format_yuan(row['ead_minor']):>16} "
                     f"{format_yuan(row['ecl_minor']):>14} {cover:>9}")  # fmt: skip
    chain = _CHAIN[lang][doc["parameters"]["segment_by"]]
    lines.append(f"违约概率迁移链：{chain}" if lang == "zh" else f"PD chain: {chain}")
    prior = doc["parameters"]["pd_prior"]
    if prior is not None:
        k = f"{prior['credibility_lines']:g}"
        lines.append(f"外部迁移先验 {prior['version']}（可信度常数 {k} 账户月）" if lang == "zh"
                     else f"PD prior {prior['version']} (credibility constant {k} line-months)")  # fmt: skip
    own = doc["parameters"]["own_lgd"]
    if own is not None:
        lines.append(_own_lgd_text(doc["parameters"]["lgd"], own, lang))
    if doc["parameters"]["own_ccf"] is not None:
        lines.append(_own_ccf_text(doc["parameters"]["own_ccf"], lang))
    # M1..M6: the rows a current line's PD runs through; M7 (over 180 DPD) is charged off by the DPD clock anyway.
    # A row the PD prior gives is mostly the prior's when it is thin: the warning is about the others.
    given = set(prior["rows"]) if prior is not None else set()
    thin = [(r["state"], r["line_months"]) for r in doc["pd_term_structure"][1:7]
            if r["line_months"] is not None and r["line_months"] < THIN_ROW_LINE_MONTHS
            and r["state"] not in given]  # fmt: skip
    if thin:
        rows = ", ".join(f"{state} {n}" for state, n in thin)
        lines.append(
            f"PD 依据的迁移行样本过少（账户月）：{rows}（账龄尚短的资产组合，见 docs/risk.md）"
            if lang == "zh"
            else f"the PD rests on thin rows (line-months): {rows} (a young book; docs/risk.md)"
        )
    last = [m for m in doc["stage_movements"] if m["month_end_on"] == doc["on"]]
    if last:
        lines += ["", f"{h[7]} ({h[8]} -> {h[9]})"]
        for m in last:
            a = h[10] if m["from_stage"] is None else m["from_stage"]
            b = h[11] if m["to_stage"] is None else m["to_stage"]
            lines.append(f"  {a} -> {b}: {m['accounts']} ({format_yuan(m['exposure_minor'])})")
    if "booking" in doc:
        b = doc["booking"]
        note = f"{h[12]} {b['entry_id']}: {format_yuan(b['previous_minor'])} -> {format_yuan(b['allowance_minor'])}"
        lines += ["", f"{note} ({h[13]})" if b["already_booked"] else note]
    return "\n".join(lines)


def _book(ledger: Path, result: Any, params: Any, lgd_version: str, data_hash: str) -> dict[str, Any]:
    from creditloop.app.ecl_allowance import BookEclAllowance
    from creditloop.entrypoints.cli._ledger import ledger_bus

    bus = ledger_bus(ledger)
    by_stage = tuple((s, r["accounts"], r["ecl_minor"]) for s, r in sorted(result.by_stage.items()) if s)
    cmd = BookEclAllowance(result.on, result.by_stage[0]["ecl_minor"], params.version, lgd_version,
                           data_hash, by_stage)  # fmt: skip
    booking = guarded(lambda: bus.handle(cmd))
    return {"entry_id": booking.entry_id, "allowance_minor": booking.allowance_minor,
            "previous_minor": booking.previous_minor, "change_minor": booking.change_minor,
            "posted": booking.posted, "already_booked": booking.already_booked}  # fmt: skip


def add_command(app: typer.Typer) -> None:
    @app.command("ecl")
    def ecl(
        data_dir: DataDirOpt,
        engine: EngineOpt = "duckdb",
        spark_master: MasterOpt = None,
        on: OnOpt = None,
        scenarios: ScenariosOpt = None,
        book: BookOpt = False,
        ledger: LedgerOpt = None,
        accounts: AccountsOpt = False,
        segment_by: SegmentOpt = "auto",
        own_lgd: OwnLgdOpt = False,
        own_ccf: OwnCcfOpt = False,
        pd_prior: PdPriorOpt = None,
        as_json: JsonOpt = False,
        lang: LangOpt = "en",
    ) -> None:
        """IFRS 9 ECL per account and stage (12-month for stage 1, lifetime for 2 and 3), stage movements, and
        with --book the month's allowance change posted to a ledger."""
        check_lang(lang)
        if book != (ledger is not None):
            fail("--ledger: --book and --ledger go together (the ledger to book the allowance to)", EXIT_USAGE)
        if not (data_dir / "snapshots.parquet").is_file():
            fail(f"--data-dir: {data_dir} has no snapshots.parquet (rule: a monthly panel of snapshots)", EXIT_USAGE)
        from creditloop.app.portfolio_views import SEGMENT_BY

        if segment_by not in SEGMENT_BY:
            fail(f"--segment-by: must be one of {', '.join(SEGMENT_BY)}, got {segment_by!r}", EXIT_USAGE)
        prior = _load_prior(pd_prior)
        result, params, lgd_params, loss, segment_by = _compute(
            data_dir, engine, spark_master, on, scenarios, segment_by, own_lgd, own_ccf, prior
        )
        doc = _payload(result, params, lgd_params, engine, accounts, segment_by, loss, prior)
        if ledger is not None:
            # The own LGD is part of the inputs: the same month booked with and without it are different amounts.
            lgd_version = f"{lgd_params.version}+own" if own_lgd else lgd_params.version  # audit column: 40 chars
            data_hash = f"{_file_hash(data_dir / 'snapshots.parquet')}:{params.version}:{lgd_version}"
            data_hash += f":{loss['lgd']!r}" if own_lgd else ""
            data_hash += f":ccf={params.ccf}" if own_ccf else ""
            data_hash += f":segment={segment_by}" if segment_by != "none" else ""  # the chain is an input too
            data_hash += f":prior={prior.version}" if prior is not None else ""
            doc["booking"] = _book(ledger, result, params, lgd_version, data_hash)
        emit(as_json, doc, _text(doc, lang))
