"""``creditloop risk capital | stress | portfolio``: Basel IRB capital and Vasicek stress (issue 17; docs/risk.md).

Only parses, calls ``creditloop.portfolio`` (``irb``, ``vasicek``, ``capital``) and renders. Numbers are typed as
decimal fractions (``--pd 0.01`` is 1 %). Bad input is one line naming the option, exit 2; nothing is written.
The ``--json`` documents are described in docs/risk.md (schemas ``creditloop.risk.capital/1`` and
``creditloop.risk.stress/1``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from creditloop.entrypoints.cli._common import EXIT_USAGE, JsonOpt, LangOpt, check_lang, emit, fail, parse_amount
from creditloop.entrypoints.cli._risk_common import checked

risk_app = typer.Typer(
    help=(
        "Portfolio risk: Basel IRB capital, Vasicek stress, vintages, rolls, transitions, losses. / "
        "组合风险：巴塞尔内评法资本、Vasicek 压力测试、账龄、滚动率、迁移矩阵、损失。"
    ),
    no_args_is_help=True,
)

# Labels for people; English is the key. Numbers and class names stay as they are in both languages.
_ZH = {
    "IRB capital": "内评法资本",
    "class": "资产类别",
    "PD": "违约概率 PD",
    "LGD": "违约损失率 LGD",
    "floor applied": "已适用下限",
    "correlation R": "资产相关系数 R",
    "SME size adjustment": "中小企业规模调整",
    "maturity": "期限",
    "years": "年",
    "maturity adjustment": "期限调整",
    "defaulted, K = max(0, LGD - ELbest), ELbest": "已违约，K = max(0, LGD - ELbest)，ELbest",
    "expected loss": "预期损失",
    "K (capital per unit EAD)": "K（每单位风险暴露的资本）",
    "risk weight": "风险权重",
    "EAD": "违约风险暴露 EAD",
    "RWA": "风险加权资产 RWA",
    "capital": "资本要求",
    "yuan": "元",
    "Vasicek conditional PD": "Vasicek 条件违约概率",
    "factor z": "系统因子 z",
    "rho": "相关系数 rho",
    "conditional PD": "条件违约概率",
}


def label(text: str, lang: str) -> str:
    return _ZH.get(text, text) if lang == "zh" else text


def pct(x: float, digits: int = 2) -> str:
    return f"{100.0 * x:.{digits}f} %"


def capital_doc(result: Any, inputs: dict[str, Any], amounts: dict[str, int] | None) -> dict[str, Any]:
    """The ``creditloop.risk.capital/1`` JSON document (docs/risk.md)."""
    doc: dict[str, Any] = {
        "schema": "creditloop.risk.capital/1",
        "inputs": inputs,
        "class": result.asset_class.value,
        "pd": result.pd_used,
        "lgd": result.lgd_used,
        "floors": result.floors_on,
        "floors_applied": [{"field": f.field, "given": f.given, "floor": f.floor} for f in result.floors_applied],
        "correlation": result.correlation,
        "sme_correlation_adjustment": result.sme_adjustment,
        "sales_m_used": result.sales_m_used,
        "maturity": result.maturity_used,
        "maturity_b": result.maturity_b,
        "maturity_adjustment": result.maturity_adjustment,
        "defaulted": result.defaulted,
        "el_best": result.el_best,
        "expected_loss_rate": result.expected_loss_rate,
        "k": result.k,
        "risk_weight": result.risk_weight,
        "risk_weight_percent": result.risk_weight_percent,
    }
    if amounts is not None:
        doc.update(amounts)
    return doc


def capital_text(result: Any, lang: str, amounts: dict[str, int] | None) -> str:
    from creditloop.core.money import format_major

    def t(s: str) -> str:
        return label(s, lang)

    lines = [f"{t('IRB capital')}: {t('class')} {result.asset_class.value}"]
    lines.append(f"  {t('PD')} {pct(result.pd_used, 4)}   {t('LGD')} {pct(result.lgd_used)}")
    for f in result.floors_applied:
        lines.append(f"  {t('floor applied')}: {f.field.upper()} {pct(f.given, 4)} -> {pct(f.floor, 4)}")
    lines.append(f"  {t('correlation R')} {result.correlation:.6f}")
    if result.sme_adjustment is not None:
        sme = f"-{result.sme_adjustment:.6f}" if result.sme_adjustment > 0 else "0"
        lines.append(f"  {t('SME size adjustment')} {sme} (sales {result.sales_m_used:g}m)")
    if result.maturity_used is not None:
        adj = (
            ""
            if result.maturity_adjustment is None
            else f", {t('maturity adjustment')} {result.maturity_adjustment:.6f}"
        )
        lines.append(f"  {t('maturity')} {result.maturity_used:g} {t('years')}{adj}")
    if result.defaulted:
        lines.append(f"  {t('defaulted, K = max(0, LGD - ELbest), ELbest')} {pct(result.el_best)}")
    lines.append(f"  {t('expected loss')} {pct(result.expected_loss_rate, 4)}")
    lines.append(f"  {t('K (capital per unit EAD)')} {result.k:.6f}")
    lines.append(f"  {t('risk weight')} {result.risk_weight_percent:.2f} %")
    if amounts is not None:
        for key, name in (("ead_minor", "EAD"), ("rwa_minor", "RWA"), ("capital_minor", "capital")):
            lines.append(f"  {t(name)} {format_major(amounts[key])} {t('yuan')}")
    return "\n".join(lines)


@risk_app.command("capital")
def capital(
    asset_class: Annotated[str, typer.Option("--class", help="qrre | other_retail | mortgage | corporate")],
    pd: Annotated[str, typer.Option("--pd", help="Probability of default, a decimal fraction (0.01 = 1 %).")],
    lgd: Annotated[str, typer.Option("--lgd", help="Loss given default, a decimal fraction (0.45 = 45 %).")],
    sales_m: Annotated[
        str | None, typer.Option("--sales-m", help="Corporate: annual sales in EUR millions (SME adjustment, 5..50).")
    ] = None,
    maturity: Annotated[
        str | None, typer.Option("--maturity", help="Corporate: effective maturity in years (default 2.5, 1..5).")
    ] = None,
    floors: Annotated[bool, typer.Option("--floors", help="Apply the Basel III PD and LGD input floors.")] = False,
    transactor: Annotated[
        bool, typer.Option("--transactor", help="QRRE transactor (PD floor 0.05 % instead of 0.10 %).")
    ] = False,
    el_best: Annotated[
        str | None, typer.Option("--el-best", help="Defaulted exposure (--pd 1): best-estimate EL (default LGD).")
    ] = None,
    ead: Annotated[str | None, typer.Option("--ead", help="Exposure at default in yuan: adds RWA and capital.")] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = "en",
) -> None:
    """K, risk weight (and RWA, capital with --ead) of one exposure under the Basel IRB formula."""
    from creditloop.portfolio.irb import irb_capital

    check_lang(lang)
    ead_minor = None if ead is None else parse_amount(ead, "--ead")
    result = checked(
        lambda: irb_capital(
            asset_class,
            pd,
            lgd,
            sales_m=sales_m,
            maturity=maturity,
            floors=floors,
            transactor=transactor,
            el_best=el_best,
        ),
    )
    amounts = None if ead_minor is None else _amounts(result, ead_minor)
    inputs = {
        "class": asset_class,
        "pd": result.pd,
        "lgd": result.lgd,
        "sales_m": None if sales_m is None else float(sales_m),
        "maturity": None if maturity is None else float(maturity),
        "floors": floors,
        "transactor": transactor,
        "el_best": None if el_best is None else float(el_best),
        "ead_minor": ead_minor,
    }
    emit(as_json, capital_doc(result, inputs, amounts), capital_text(result, lang, amounts))


def _amounts(result: Any, ead_minor: int) -> dict[str, int]:
    from creditloop.portfolio.capital import amounts

    rwa, capital_minor, expected_loss = amounts(result, ead_minor)
    return {
        "ead_minor": ead_minor,
        "rwa_minor": rwa,
        "capital_minor": capital_minor,
        "expected_loss_minor": expected_loss,
    }


@risk_app.command("stress")
def stress(
    pd: Annotated[str | None, typer.Option("--pd", help="Unconditional PD, a decimal fraction (0.02 = 2 %).")] = None,
    rho: Annotated[str | None, typer.Option("--rho", help="Asset correlation in [0, 1), e.g. 0.04 for QRRE.")] = None,
    z: Annotated[
        str | None, typer.Option("--z", help="Systematic factor: 0 average, -3.0902 the Basel 99.9 % state.")
    ] = None,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="Macro overlay: adverse | severe or a scenario JSON file (with --data-dir)."),
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="With --scenario: a simulation's output (snapshots.parquet).")
    ] = None,
    lgd: Annotated[
        str | None, typer.Option("--lgd", help="With --scenario: base LGD (default: observed in the data).")
    ] = None,
    engine: Annotated[str, typer.Option("--engine", help="With --scenario: duckdb (default) | spark.")] = "duckdb",
    as_json: JsonOpt = False,
    lang: LangOpt = "en",
) -> None:
    """Vasicek single-factor PD given the state of the economy: N((G(PD) - sqrt(rho) z) / sqrt(1 - rho)); or, with
    --scenario and --data-dir, stressed PD, LGD, EL and IRB capital by segment of a book (docs/risk.md)."""
    from statistics import NormalDist

    from creditloop.portfolio.vasicek import conditional_pd

    check_lang(lang)
    if scenario is not None or data_dir is not None or lgd is not None:
        _scenario_form(pd, rho, z, scenario, data_dir, lgd, engine, as_json, lang)
        return
    if engine != "duckdb":
        fail("--engine: only with --scenario", EXIT_USAGE)
    if pd is None or rho is None or z is None:
        name = "--pd" if pd is None else "--rho" if rho is None else "--z"
        fail(f"{name}: missing (give --pd, --rho and --z, or --scenario with --data-dir)", EXIT_USAGE)
    cpd = checked(lambda: conditional_pd(pd, rho, z))
    p, r, factor = float(pd), float(rho), float(z)
    doc = {
        "schema": "creditloop.risk.stress/1",
        "inputs": {"pd": p, "rho": r, "z": factor},
        "pd": p,
        "rho": r,
        "z": factor,
        "factor_percentile": NormalDist().cdf(factor),
        "conditional_pd": cpd,
        "multiplier": cpd / p if p > 0 else None,
    }

    def t(text: str) -> str:
        return label(text, lang)

    text = (
        f"{t('Vasicek conditional PD')}: {t('PD')} {pct(p, 4)}, {t('rho')} {r:g}, {t('factor z')} {factor:g}\n"
        f"  {t('conditional PD')} {cpd:.6f} ({pct(cpd, 4)})"
    )
    if doc["multiplier"] is not None:
        times = doc["multiplier"]
        text += f", 为无条件 PD 的 {times:.3f} 倍" if lang == "zh" else f", {times:.3f} times the unconditional PD"
    emit(as_json, doc, text)


def _scenario_form(
    pd: str | None,
    rho: str | None,
    z: str | None,
    scenario: str | None,
    data_dir: Path | None,
    lgd: str | None,
    engine: str,
    as_json: bool,
    lang: str,
) -> None:
    from creditloop.entrypoints.cli.risk_stress_cli import scenario_stress

    for name, value in (("--pd", pd), ("--rho", rho), ("--z", z)):
        if value is not None:
            fail(f"{name}: not with --scenario (the book gives the PDs, the scenario the factor)", EXIT_USAGE)
    if scenario is None:
        fail("--scenario: missing (--data-dir and --lgd go with --scenario)", EXIT_USAGE)
    if data_dir is None:
        fail("--data-dir: missing (--scenario needs a book)", EXIT_USAGE)
    scenario_stress(scenario, data_dir, engine, None, lgd, as_json, lang)


def register(app: typer.Typer) -> None:
    from creditloop.entrypoints.cli import risk_analytics_cli, risk_ecl_cli, risk_pd_prior_cli, risk_portfolio_cli

    risk_portfolio_cli.add_commands(risk_app)
    risk_analytics_cli.add_commands(risk_app)
    risk_ecl_cli.add_command(risk_app)
    risk_pd_prior_cli.add_command(risk_app)
    app.add_typer(risk_app, name="risk")


__all__ = ["register", "risk_app"]
