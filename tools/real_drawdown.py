"""How much of their undrawn limit do lines draw in the five months before they go delinquent? UCI Taiwan (real)
against a simulation run: the calibration of the simulator's strategic defaulters (``simulate/strategic.py``).

    PYTHONPATH=src python tools/real_drawdown.py [--run DIR ...] [--json]

UCI Taiwan: the April bill (X17) to the September bill (X12) against the April undrawn limit (X1 - X17), for the
card holders who defaulted in October (Y = 1) and the others; lines already at or over the limit in April are left
out. Simulation: for each line whose first month at 30+ DPD is e (e - 6 >= its first month), the month-end balance at
e - 1 against e - 6 and the undrawn limit at e - 6; the others: lines never 30+, over months 12 -> 17. ``bust`` is
the share that drew 70 % or more of the undrawn limit; ``pooled`` is sum drawn / sum undrawn. ``strategic`` (run
only) is the share of the delinquent lines whose customer is a strategic defaulter, and ``strategic_mob_0_6`` their
share of the 30+ DPD line-months at 0-6 months on book against ``strategic_mob_13`` at 13+; ``level``: the
strategic lines that reached 30+ DPD, the median months on book at the first 30+ (strategic, others) and the lines
and amount charged off (the level the strategic walk-away hazard is set by, on the calibration seed).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import duckdb

TAIWAN = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets" / "uci_taiwan_default.csv"


def taiwan(path: Path = TAIWAN) -> list[dict[str, Any]]:
    q = f"""
        select case when Y = 1 then 'defaulters' else 'others' end, count(*),
          sum(X12 - X17) / sum(X1 - X17), avg(case when (X12 - X17) / (X1 - X17) >= 0.7 then 1 else 0 end)
        from read_csv_auto('{path}') where X17 < X1 group by 1 order by 1"""
    return [
        {"source": "uci_taiwan", "group": g, "n": n, "pooled": pooled, "bust": bust}
        for g, n, pooled, bust in duckdb.sql(q).fetchall()
    ]


def simulation(run: Path) -> list[dict[str, Any]]:
    snaps = str((run / "snapshots.parquet").resolve())
    truth = str((run / "ground_truth.parquet").resolve())
    con = duckdb.connect()
    con.execute(
        f"create view s as select line_id, customer_id, month_index m, mob, dpd, balance_minor b,"
        f" limit_minor l, status from read_parquet('{snaps}')"
    )
    con.execute(f"create view g as select customer_id, strategic from read_parquet('{truth}')")
    con.execute("create table first30 as select line_id, min(m) e from s where dpd > 30 group by 1")
    con.execute("create table firstm as select line_id, min(m) f from s group by 1")
    rows = con.execute("""
        with d as (
          select 'delinquent' grp, a.b - z.b drawn, z.l - z.b undrawn, g.strategic
          from first30 x join firstm f using (line_id)
          join s z on z.line_id = x.line_id and z.m = x.e - 6
          join s a on a.line_id = x.line_id and a.m = x.e - 1
          join g on g.customer_id = z.customer_id
          where x.e - 6 >= f.f and z.l > z.b
          union all
          select 'others', a.b - z.b, z.l - z.b, false
          from s z join s a on a.line_id = z.line_id and a.m = 17
          where z.m = 12 and z.l > z.b and z.line_id not in (select line_id from first30))
        select grp, count(*), sum(drawn) / sum(undrawn),
          avg(case when drawn >= 0.7 * undrawn then 1 else 0 end), avg(case when strategic then 1 else 0 end)
        from d group by 1 order by 1""").fetchall()
    mob = con.execute("""
        select avg(case when s.mob <= 6 and g.strategic then 1.0 when s.mob <= 6 then 0.0 end),
               avg(case when s.mob >= 13 and g.strategic then 1.0 when s.mob >= 13 then 0.0 end)
        from s join g using (customer_id) where s.dpd > 30 and s.status <> 'CHARGED_OFF'""").fetchone()
    level = con.execute(
        """
        with f as (select line_id, any_value(customer_id) customer_id, min(mob) mob from s where dpd > 30 group by 1),
        c as (select line_id, any_value(customer_id) customer_id, max(co) co from (
          select s.line_id, s.customer_id, p.charged_off_minor co from s
          join read_parquet('"""
        + snaps
        + """') p on p.line_id = s.line_id and p.month_index = s.m
          where s.status = 'CHARGED_OFF') group by 1)
        select (select count(*) from f join g using (customer_id) where g.strategic),
               (select median(mob) from f join g using (customer_id) where g.strategic),
               (select median(mob) from f join g using (customer_id) where not g.strategic),
               (select count(*) from c), (select count(*) from c join g using (customer_id) where g.strategic),
               (select sum(co) from c)"""
    ).fetchall()[0]
    out = [
        {"source": run.name, "group": grp, "n": n, "pooled": pooled, "bust": bust, "strategic": strat}
        for grp, n, pooled, bust, strat in rows
    ]
    out.append({"source": run.name, "group": "level", "strategic_30_plus_lines": level[0],
                "median_mob_first_30_plus_strategic": level[1], "median_mob_first_30_plus_others": level[2],
                "charged_off_lines": level[3], "charged_off_strategic": level[4],
                "charged_off_yuan": round((level[5] or 0) / 100)})  # fmt: skip
    out.append(
        {"source": run.name, "group": "30+ line-months", "strategic_mob_0_6": mob[0], "strategic_mob_13": mob[1]}
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=Path, action="append", default=[], help="a `creditloop simulate` data directory")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = taiwan() + [r for run in args.run for r in simulation(run)]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    for r in rows:
        print("  ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()))


if __name__ == "__main__":
    main()
