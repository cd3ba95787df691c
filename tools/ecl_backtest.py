"""ECL back-test on simulator ground truth: 12-month ECL at month t against the losses realised over t..t+12.

    PYTHONPATH=src python tools/ecl_backtest.py --run DIR [--run DIR ...] [--at 12] [--scenarios FILE]
        [--segment-by auto|none|utilisation|payment] [--pd-prior FILE] [--own-lgd] [--own-ccf] [--bootstrap N] [--json]

For each simulation output directory and reporting month index t (1-based, ``--at``, repeatable): the ECL of
``portfolio.ecl`` at month end t (transitions known at t only; packaged LGD and scenarios unless ``--scenarios``;
the PD chain of ``risk ecl --segment-by``, default ``auto``, and its ``--pd-prior``),
the 12-month ECL of every account on the book (stage 3 included: LGD x EAD), under the weighted scenarios and
under each scenario alone; and the realised loss of those same accounts: the charged-off amount still owed at
month t + 12 (charge-offs in (t, t + 12] less the recoveries made on them by t + 12). ``ratio`` = weighted ECL /
realised; ``covered`` says whether the realised loss lies between the lowest and highest single-scenario ECL,
``at_most_severe`` whether the worst scenario's ECL would have covered it.
Also printed: the simulator's own recovery rate on those charge-offs (what an LGD calibrated on it would be).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from creditloop.adapters.analytics.ecl_inputs import read_inputs, resolve_segment_by
from creditloop.adapters.analytics.engines import connect
from creditloop.adapters.analytics.own_ccf import own_ccf_at
from creditloop.adapters.analytics.own_lgd import own_lgd_at
from creditloop.portfolio.ecl import lgd as lgd_file
from creditloop.portfolio.ecl import pd_prior
from creditloop.portfolio.ecl import scenarios as scenario_file
from creditloop.portfolio.ecl.calc import AccountEcl
from creditloop.portfolio.ecl.pd_prior import PdPrior
from creditloop.portfolio.ecl.run import ecl_at


def realised(run: Path, on: date, end: date) -> dict[str, tuple[int, int]]:
    """``{line_id: (gross charged off, still owed at end)}`` of the lines first charged off in (on, end]."""
    path = str((run / "snapshots.parquet").resolve())
    q = f"""
        with co as (
          select line_id, min(month_end_on) as first_co from read_parquet('{path}')
          where status = 'CHARGED_OFF' group by line_id)
        select s.line_id, max(case when s.month_end_on = co.first_co then s.charged_off_minor end),
               max(case when s.month_end_on = DATE '{end}' then s.charged_off_minor end)
        from read_parquet('{path}') s join co using (line_id)
        where co.first_co > DATE '{on}' and co.first_co <= DATE '{end}' group by s.line_id"""
    return {str(line): (int(gross or 0), int(owed or 0)) for line, gross, owed in duckdb.sql(q).fetchall()}


def decompose(accounts: Sequence[AccountEcl], lost: Mapping[str, tuple[int, int]], lgd: float) -> dict[str, Any]:
    """Point-in-time expected loss (12-month PD x EAD x LGD, no scenario) over the realised loss, as the product of
    three ratios: PD (EAD-weighted) / realised charge-off rate (EAD-weighted), EAD of the lines charged off / their
    exposure at charge-off, LGD / realised loss rate (still owed at t + 12 / charged off)."""
    ead = sum(a.ead_minor for a in accounts)
    hit = [a for a in accounts if a.line_id in lost]
    ead_co = sum(a.ead_minor for a in hit)
    gross = sum(lost[a.line_id][0] for a in hit)
    owed = sum(lost[a.line_id][1] for a in hit)
    pd_ead = sum(a.pd_12m * a.ead_minor for a in accounts) / ead if ead else 0.0
    co_rate = ead_co / ead if ead else 0.0
    return {
        "pd_12m_count": sum(a.pd_12m for a in accounts) / len(accounts), "co_rate_count": len(hit) / len(accounts),
        "pd_12m_ead": pd_ead, "co_rate_ead": co_rate, "charged_off_lines": len(hit),
        "ead_of_charged_off_minor": ead_co, "exposure_at_charge_off_minor": gross,
        "ead_over_exposure_at_co": ead_co / gross if gross else None,
        "realised_loss_rate": owed / gross if gross else None, "lgd": lgd,
        "pd_ratio": pd_ead / co_rate if co_rate else None,
    }  # fmt: skip


def bootstrap(accounts: Sequence[AccountEcl], lost: Mapping[str, tuple[int, int]], reps: int) -> dict[str, Any]:
    """Resample the lines on the book at t (with replacement, fixed seed): 90 % intervals of the realised loss and
    of ECL / realised (both summed over the same resampled lines)."""
    rng = np.random.default_rng(20261203)
    ecl = np.array([a.ecl_12m_minor for a in accounts], dtype=float)
    owed = np.array([lost.get(a.line_id, (0, 0))[1] for a in accounts], dtype=float)
    idx = rng.integers(0, len(accounts), size=(reps, len(accounts)))
    real, model = owed[idx].sum(axis=1), ecl[idx].sum(axis=1)
    ratio = model[real > 0] / real[real > 0]
    return {
        "reps": reps,
        "realised_p05_minor": int(np.percentile(real, 5)), "realised_p95_minor": int(np.percentile(real, 95)),
        "ratio_p05": float(np.percentile(ratio, 5)), "ratio_p95": float(np.percentile(ratio, 95)),
        "realised_cv": float(real.std() / real.mean()) if real.mean() else None,
    }  # fmt: skip


def backtest(
    run: Path,
    months: list[int],
    params_path: Path | None,
    segment_by: str,
    reps: int = 0,
    own_lgd: bool = False,
    own_ccf: bool = False,
    pd_prior_rows: PdPrior | None = None,
) -> list[dict[str, Any]]:
    con = connect("duckdb")
    segment_by = resolve_segment_by(con, run, segment_by)
    rows, counts = read_inputs(con, run, segment_by)
    seg = segment_by != "none"
    ends = sorted({r.month_end_on for r in rows})
    packaged = scenario_file.load(params_path)
    prior = lgd_file.load().lgd
    summary = json.loads((run / "summary.json").read_text("utf-8"))
    out = []
    for t in months:
        if t + 12 > len(ends):
            raise SystemExit(f"error: --at {t}: {run} has {len(ends)} months, t + 12 is not observed")
        on, end = ends[t - 1], ends[t + 11]
        lgd_info = own_lgd_at(con, run, on, prior) if own_lgd else {"lgd": prior, "source": "lending_club"}
        lgd = lgd_info["lgd"]
        ccf_info = own_ccf_at(con, run, on, packaged.ccf) if own_ccf else {"ccf": packaged.ccf, "source": "packaged"}
        params = replace(packaged, ccf=ccf_info["ccf"])
        weighted = ecl_at(rows, counts, on, params, lgd, segmented=seg, pd_prior=pd_prior_rows)
        singles = {
            s.name: ecl_at(rows, counts, on, replace(params, scenarios=(replace(s, weight=1.0),)), lgd, segmented=seg,
                           pd_prior=pd_prior_rows)
            for s in params.scenarios
        }  # fmt: skip
        lost = {k: v for k, v in realised(run, on, end).items() if k in {a.line_id for a in weighted.accounts}}
        gross, owed = sum(g for g, _ in lost.values()), sum(o for _, o in lost.values())
        ecl12 = weighted.by_stage[0]["ecl_12m_minor"]
        by_scenario = {k: v.by_stage[0]["ecl_12m_minor"] for k, v in singles.items()}
        out.append(
            {
                "run": run.name, "scenario": summary.get("scenario"), "seed": summary.get("seed"),
                "shock_month": summary.get("shock_month"), "t": t, "on": on.isoformat(), "segment_by": segment_by,
                "pd_prior": None if pd_prior_rows is None else pd_prior_rows.version,
                "accounts": weighted.by_stage[0]["accounts"], "ead_minor": weighted.by_stage[0]["ead_minor"],
                "ecl_12m_minor": ecl12, "ecl_12m_by_scenario_minor": by_scenario,
                "realised_loss_minor": owed, "gross_charge_off_minor": gross,
                "sim_recovery_rate": (1 - owed / gross) if gross else None,
                "ratio": ecl12 / owed if owed else None,
                "lgd": lgd_info,
                "ccf": {k: (str(v) if k in ("ccf", "prior") else v) for k, v in ccf_info.items()},
                "decomposition": decompose(weighted.accounts, lost, lgd),
                "bootstrap": bootstrap(weighted.accounts, lost, reps) if reps else None,
                "covered": min(by_scenario.values()) <= owed <= max(by_scenario.values()),
                "at_most_severe": owed <= max(by_scenario.values()),
            }
        )  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=Path, action="append", required=True)
    ap.add_argument("--at", type=int, action="append", help="reporting month index t (default 12)")
    ap.add_argument("--scenarios", type=Path, default=None)
    ap.add_argument(
        "--segment-by",
        choices=["auto", "none", "utilisation", "payment"],
        default="auto",
        help="the PD chain, as risk ecl --segment-by (default auto: payment when the snapshots carry payments)",
    )
    ap.add_argument("--bootstrap", type=int, default=0, metavar="N", help="resamples of the lines (90 %% intervals)")
    ap.add_argument("--own-lgd", action="store_true", help="the book's own LGD, credibility-weighted with the prior")
    ap.add_argument("--own-ccf", action="store_true", help="the book's own CCF, precision-weighted with the prior")
    ap.add_argument("--pd-prior", type=Path, default=None, help="outside roll rates (risk ecl --pd-prior)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    prior = None if args.pd_prior is None else pd_prior.load(args.pd_prior)
    table = [
        row
        for run in args.run
        for row in backtest(
            run, args.at or [12], args.scenarios, args.segment_by, args.bootstrap, args.own_lgd, args.own_ccf, prior
        )
    ]
    if args.json:
        print(json.dumps(table, indent=2, sort_keys=True))
        return 0
    names = " / ".join(table[0]["ecl_12m_by_scenario_minor"]) if table else ""
    print(f"| run | t | accounts | EAD (yuan) | 12m ECL | {names} | realised | 90 % interval | ECL / realised | "
          "90 % interval | in range | <= worst | sim recovery |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in table:
        sc = " / ".join(f"{v / 100:,.0f}" for v in r["ecl_12m_by_scenario_minor"].values())
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        rec = "-" if r["sim_recovery_rate"] is None else f"{100 * r['sim_recovery_rate']:.1f} %"
        cover = ("yes" if r["covered"] else "no") + " | " + ("yes" if r["at_most_severe"] else "no")
        b = r["bootstrap"] or {}
        real_ci = f"{b['realised_p05_minor'] / 100:,.0f}-{b['realised_p95_minor'] / 100:,.0f}" if b else "-"
        ratio_ci = f"{b['ratio_p05']:.2f}-{b['ratio_p95']:.2f}" if b else "-"
        print(f"| {r['run']} | {r['t']} | {r['accounts']:,} | {r['ead_minor'] / 100:,.0f} | "
              f"{r['ecl_12m_minor'] / 100:,.0f} | {sc} | {r['realised_loss_minor'] / 100:,.0f} | {real_ci} | {ratio} | "
              f"{ratio_ci} | {cover} | {rec} |")  # fmt: skip
    print()
    print("| run | t | PD 12m (EAD-w.) | realised CO rate (EAD-w.) | PD ratio | CO lines | EAD / exposure at CO | "
          "LGD | realised loss rate |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for r in table:
        d = r["decomposition"]
        fmt = {
            k: "-" if d[k] is None else f"{d[k]:.3f}"
            for k in ("pd_ratio", "ead_over_exposure_at_co", "realised_loss_rate")
        }
        print(f"| {r['run']} | {r['t']} | {100 * d['pd_12m_ead']:.2f} % | {100 * d['co_rate_ead']:.2f} % | "
              f"{fmt['pd_ratio']} | {d['charged_off_lines']} | {fmt['ead_over_exposure_at_co']} | {d['lgd']:.3f} | "
              f"{fmt['realised_loss_rate']} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
