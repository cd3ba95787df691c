"""ECL back-test on simulator ground truth: 12-month ECL at month t against the losses realised over t..t+12.

    PYTHONPATH=src python tools/ecl_backtest.py --run DIR [--run DIR ...] [--at 12] [--scenarios FILE] [--json]

For each simulation output directory and reporting month index t (1-based, ``--at``, repeatable): the ECL of
``portfolio.ecl`` at month end t (transitions known at t only; packaged LGD and scenarios unless ``--scenarios``),
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
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from creditloop.adapters.analytics.ecl_inputs import read_inputs
from creditloop.adapters.analytics.engines import connect
from creditloop.portfolio.ecl import lgd as lgd_file
from creditloop.portfolio.ecl import scenarios as scenario_file
from creditloop.portfolio.ecl.run import ecl_at


def realised(run: Path, on: date, end: date, lines: set[str]) -> tuple[int, int]:
    """(charged-off amount still owed at ``end``, gross charged off) of ``lines`` charged off in (on, end]."""
    path = str((run / "snapshots.parquet").resolve())
    q = f"""
        with co as (
          select line_id, min(month_end_on) as first_co from read_parquet('{path}')
          where status = 'CHARGED_OFF' group by line_id)
        select s.line_id, s.month_end_on, s.charged_off_minor, co.first_co
        from read_parquet('{path}') s join co using (line_id)
        where co.first_co > DATE '{on}' and co.first_co <= DATE '{end}'
          and (s.month_end_on = co.first_co or s.month_end_on = DATE '{end}')"""
    owed = gross = 0
    for line_id, month, amount, first in duckdb.sql(q).fetchall():
        if line_id not in lines:
            continue
        if month == first:
            gross += int(amount)
        if month == end:
            owed += int(amount)
    return owed, gross


def backtest(run: Path, months: list[int], params_path: Path | None, segment_by: str | None) -> list[dict[str, Any]]:
    rows, counts = read_inputs(connect("duckdb"), run, segment_by)
    seg = segment_by is not None
    ends = sorted({r.month_end_on for r in rows})
    params = scenario_file.load(params_path)
    lgd = lgd_file.load().lgd
    summary = json.loads((run / "summary.json").read_text("utf-8"))
    out = []
    for t in months:
        if t + 12 > len(ends):
            raise SystemExit(f"error: --at {t}: {run} has {len(ends)} months, t + 12 is not observed")
        on, end = ends[t - 1], ends[t + 11]
        weighted = ecl_at(rows, counts, on, params, lgd, segmented=seg)
        singles = {
            s.name: ecl_at(rows, counts, on, replace(params, scenarios=(replace(s, weight=1.0),)), lgd, segmented=seg)
            for s in params.scenarios
        }
        owed, gross = realised(run, on, end, {a.line_id for a in weighted.accounts})
        ecl12 = weighted.by_stage[0]["ecl_12m_minor"]
        by_scenario = {k: v.by_stage[0]["ecl_12m_minor"] for k, v in singles.items()}
        out.append(
            {
                "run": run.name, "scenario": summary.get("scenario"), "seed": summary.get("seed"),
                "shock_month": summary.get("shock_month"), "t": t, "on": on.isoformat(),
                "accounts": weighted.by_stage[0]["accounts"], "ead_minor": weighted.by_stage[0]["ead_minor"],
                "ecl_12m_minor": ecl12, "ecl_12m_by_scenario_minor": by_scenario,
                "realised_loss_minor": owed, "gross_charge_off_minor": gross,
                "sim_recovery_rate": (1 - owed / gross) if gross else None,
                "ratio": ecl12 / owed if owed else None,
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
    ap.add_argument("--segment-by", choices=["utilisation"], default=None, help="PD term structure per segment")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    table = [row for run in args.run for row in backtest(run, args.at or [12], args.scenarios, args.segment_by)]
    if args.json:
        print(json.dumps(table, indent=2, sort_keys=True))
        return 0
    print(
        "| run | scenario | seed | t | accounts | EAD (yuan) | 12m ECL | baseline / adverse / severe | realised | "
        "ECL / realised | in range | <= severe | sim recovery |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in table:
        sc = " / ".join(f"{v / 100:,.0f}" for v in r["ecl_12m_by_scenario_minor"].values())
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.3f}"
        rec = "-" if r["sim_recovery_rate"] is None else f"{100 * r['sim_recovery_rate']:.1f} %"
        cover = ("yes" if r["covered"] else "no") + " | " + ("yes" if r["at_most_severe"] else "no")
        print(f"| {r['run']} | {r['scenario']} | {r['seed']} | {r['t']} | {r['accounts']:,} | "
              f"{r['ead_minor'] / 100:,.0f} | {r['ecl_12m_minor'] / 100:,.0f} | {sc} | "
              f"{r['realised_loss_minor'] / 100:,.0f} | {ratio} | {cover} | {rec} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
