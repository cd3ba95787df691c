"""Does a delinquent line's next month depend on its months on book? Roll-forward and cure rates by DPD bucket and
months-on-book band, on a simulation run and on the Credit Card Approval status panel (real data).

    PYTHONPATH=src python tools/ecl_seasoning.py --run DIR [--run DIR ...] [--cca] [--json]

Why (docs/performance.md, "IFRS 9 ECL back-test at 60,000 applicants"): the ECL's PD term structure is a Markov
matrix pooled over the last 12 months. If deep-bucket lines of a young book roll forward more than those of a
seasoned one, a young book's matrix over-states the PD of the book it will become. Simulation: buckets M1..M6 by
DPD as the analytics (``portfolio.metrics``), roll forward = one bucket worse (M6: charged off), cure = back to
current; ``early`` = transitions out of months 1..11, ``late`` = months 12..23. Credit Card Approval: STATUS 0..3
(1-29 .. 90-119 DPD), months on book counted from the first month an ID appears (not necessarily its opening),
roll forward = a higher STATUS next month, cure = 0 from a higher STATUS or C / X.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import duckdb

CCA = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets" / "credit_card_approval_credit_record.csv.gz"
BAND = "case when {m} <= 6 then 'mob 0-6' when {m} <= 12 then 'mob 7-12' else 'mob 13+' end"


def simulation(run: Path) -> list[dict[str, Any]]:
    path = str((run / "snapshots.parquet").resolve())
    q = f"""
        with s as (
          select line_id, month_index, mob, case when status = 'CHARGED_OFF' then 8 when status = 'CLOSED' then 9
            when dpd <= 0 then 0 when dpd <= 30 then 1 when dpd <= 60 then 2 when dpd <= 90 then 3
            when dpd <= 120 then 4 when dpd <= 150 then 5 when dpd <= 180 then 6 else 7 end as st
          from read_parquet('{path}'))
        select a.st, {BAND.format(m="a.mob")} as band, case when a.month_index <= 11 then 'early' else 'late' end,
          count(*), avg(case when b.st = a.st + 1 or (a.st >= 6 and b.st = 8) then 1 else 0 end),
          avg(case when b.st = 0 then 1 else 0 end)
        from s a join s b on a.line_id = b.line_id and b.month_index = a.month_index + 1
        where a.st between 1 and 6 group by all order by 1, 3, min(a.mob)"""
    return [
        {"source": run.name, "bucket": f"M{st}", "band": band, "period": per, "n": n, "roll_forward": fwd, "cure": cure}
        for st, band, per, n, fwd, cure in duckdb.sql(q).fetchall()
    ]


def credit_card_approval(path: Path) -> list[dict[str, Any]]:
    q = f"""
        with c as (select ID, MONTHS_BALANCE as mb, STATUS as st from read_csv_auto('{path}')),
        c2 as (select *, mb - min(mb) over (partition by ID) as mob from c)
        select a.st, {BAND.format(m="a.mob")} as band, count(*),
          avg(case when b.st in ('0','1','2','3','4','5') and b.st::int > a.st::int then 1 else 0 end),
          avg(case when b.st in ('C', 'X') or b.st = '0' and a.st <> '0' then 1 else 0 end)
        from c2 a join c2 b on a.ID = b.ID and b.mb = a.mb + 1
        where a.st in ('0', '1', '2', '3') group by all order by 1, min(a.mob)"""
    return [
        {"source": "credit_card_approval", "bucket": f"STATUS {st}", "band": band, "period": "all", "n": n,
         "roll_forward": fwd, "cure": cure}
        for st, band, n, fwd, cure in duckdb.sql(q).fetchall()
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=Path, action="append", default=[])
    ap.add_argument("--cca", action="store_true", help="also the Credit Card Approval panel (../shared/datasets)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    table = [r for run in args.run for r in simulation(run)]
    if args.cca:
        if not CCA.is_file():
            print(f"--cca: {CCA} is absent", file=sys.stderr)
            return 2
        table += credit_card_approval(CCA)
    if args.json:
        print(json.dumps(table, indent=2))
        return 0
    print("| source | bucket | band | period | transitions | roll forward | cure |")
    print("|---|---|---|---|---|---|---|")
    for r in table:
        print(f"| {r['source']} | {r['bucket']} | {r['band']} | {r['period']} | {r['n']:,} | {r['roll_forward']:.3f} | "
              f"{r['cure']:.3f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
