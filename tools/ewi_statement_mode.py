"""Issue 14 on the statement-mode product: the packaged early-warning rules over simulated books whose lines
open on ``baitiao-revolving@1`` (a minimum payment; the rest revolves), against the standard product.

    PYTHONPATH=src python tools/ewi_statement_mode.py run --out DIR [--strategy statement-mode|baseline]
        [--seeds 1 2 3] [--scenarios baseline pandemic] [--customers 3000] [--months 24]
    PYTHONPATH=src python tools/ewi_statement_mode.py table DIR/PREFIX [DIR/PREFIX ...]
    PYTHONPATH=src python tools/ewi_statement_mode.py paths DIR/RUN [DIR/RUN ...]
    PYTHONPATH=src python tools/ewi_statement_mode.py who [--rules ewi|ewi_revolving] DIR/RUN [DIR/RUN ...]

``run`` calls, one run at a time (one worker), ``creditloop simulate --customers N --months M --seed S --workers 1
[--scenario pandemic] --strategy STRATEGY --data-dir {out}/{strategy}-{scenario}-{seed}``, then
``creditloop ewi backtest --data-dir D --json`` with the packaged ``ewi`` rules (``….bt.json``) and with
``--rules ewi_revolving`` (``….rev.json``). ``table`` prints one row per run and rule set, then the pooled figures
per prefix (``{prefix}-{scenario}-{seed}``). ``paths`` says who the lines reaching 30+ are (ground truth) and
what their panel months before the first missed due date show (months paid in part but at least the minimum, at
0 DPD; months paid in full), and the book's share of current months paid at the minimum level. ``who`` replays a
rule set as the back-test does (with the packaged behaviour score) and splits the lines reaching 30+ by who they
are (ground truth), and by whether they paid part of a bill but at least the minimum while current before the miss
that began their episode: how many of each were warned >= 30 days before their first missed due date.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sim_liquidity import _row  # the same table row as the savings-buffer figures

RULE_SETS = {"bt": ("ewi",), "rev": ("ewi_revolving",)}


def _cli(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "creditloop", *args], check=True, capture_output=True, text=True)
    return done.stdout


def run(out: Path, strategy: str, seeds: list[int], scenarios: list[str], customers: int, months: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for sc in scenarios:
        for seed in seeds:
            d = out / f"{strategy}-{sc}-{seed}"
            t0 = time.perf_counter()
            if not (d / "summary.json").exists():
                extra = ["--scenario", sc] if sc != "baseline" else []
                _cli("simulate", "--customers", str(customers), "--months", str(months), "--seed", str(seed),
                     "--workers", "1", *extra, "--strategy", strategy, "--data-dir", str(d))  # fmt: skip
            t1 = time.perf_counter()
            for suffix, (rules,) in RULE_SETS.items():
                args = ["ewi", "backtest", "--data-dir", str(d), "--json"]
                if rules != "ewi":
                    args += ["--rules", rules]
                d.with_name(f"{d.name}.{suffix}.json").write_text(_cli(*args), encoding="utf-8")
            took = f"simulate {t1 - t0:.0f} s, back-tests {time.perf_counter() - t1:.0f} s"
            print(f"{d.name}: {took}", flush=True)


def table(prefixes: list[str]) -> None:
    head = ("scenario", "seed", "rules", "30+ lines", "warned >= 30 d", "lead p25 / p50 / p75 (days)",
            "precision (base rate)", "alert rate mean / max")  # fmt: skip
    print("| " + " | ".join(head) + " |\n" + "|---" * len(head) + "|")
    pooled: dict[str, list[float]] = {}
    for prefix in prefixes:
        name = Path(prefix).name
        for suffix, (rules,) in RULE_SETS.items():
            for sc in ("baseline", "pandemic"):
                for seed in (1, 2, 3):
                    f = Path(f"{prefix}-{sc}-{seed}.{suffix}.json")
                    if not f.exists() or not f.stat().st_size:
                        continue  # not run, or its back-test still running
                    bt = json.loads(f.read_text(encoding="utf-8"))
                    p = bt["policies"][0]
                    print(_row(sc, seed, f"{name} {rules}", p, bt["base_rate"]))
                    for key in (f"{name} {rules} {sc}", f"{name} {rules} all"):
                        acc = pooled.setdefault(key, [0, 0, 0.0, 0.0, 0.0, 0, 0])
                        acc[0] += p["warned_early"]
                        acc[1] += p["bad_lines"]
                        acc[2] = max(acc[2], p["rate_max"])
                        acc[3] += p["rate_mean"]
                        acc[4] += 1
                        acc[5] += round(p["precision"] * p["first_alerts"])
                        acc[6] += p["first_alerts"]
    print()
    for key, (warned, bad, rate_max, rate_sum, runs, good, firsts) in pooled.items():
        print(
            f"pooled {key}: {warned:.0f} of {bad:.0f} warned >= 30 d ({warned / max(bad, 1):.1%}); "
            f"precision {good / max(firsts, 1):.1%}; alert rate mean {rate_sum / max(runs, 1):.1%}, "
            f"worst month {rate_max:.1%} ({runs:.0f} runs)"
        )


PATHS_SQL = """
WITH s AS (SELECT * FROM read_parquet('{d}/snapshots.parquet')),
first30 AS (SELECT line_id, min(month_index) AS m30 FROM s WHERE dpd >= 30 GROUP BY 1),
miss AS (SELECT line_id, min(month_index) AS m1 FROM s WHERE dpd > 0 GROUP BY 1),
bad AS (
    SELECT f.line_id, f.m30, m.m1, g.strategic, g.fraud, g.buffer_months > 0 AS buffer,
           (SELECT count(*) FROM s x WHERE x.line_id = f.line_id AND x.month_index < m.m1 AND x.dpd = 0
              AND x.statement_min_due_minor IS NOT NULL AND x.statement_due_minor > x.paid_minor
              AND x.paid_minor >= x.statement_min_due_minor AND x.statement_min_due_minor > 0) AS min_months
    FROM first30 f JOIN miss m USING (line_id) JOIN s ON s.line_id = f.line_id AND s.month_index = f.m30
    JOIN read_parquet('{d}/ground_truth.parquet') g USING (customer_id)
)
SELECT count(*), count(*) FILTER (WHERE strategic), count(*) FILTER (WHERE fraud),
       count(*) FILTER (WHERE buffer AND NOT strategic AND NOT fraud),
       count(*) FILTER (WHERE NOT buffer AND NOT strategic AND NOT fraud),
       count(*) FILTER (WHERE min_months > 0), median(m30 - m1),
       (SELECT count(*) FILTER (WHERE dpd = 0 AND statement_due_minor > paid_minor AND paid_minor > 0
                                  AND paid_minor >= coalesce(statement_min_due_minor, statement_due_minor))
               / count(*) FILTER (WHERE statement_due_minor > 0) FROM s)
FROM bad
"""


def paths(runs: list[str]) -> None:
    print("| run | 30+ lines | strategic | fabricated | with savings | without savings | "
          "paid >= minimum at 0 DPD before the first miss | median months first miss -> 30+ | "
          "book: due months paid in part at 0 DPD |\n" + "|---" * 9 + "|")  # fmt: skip
    for run_dir in runs:
        row = duckdb.execute(PATHS_SQL.format(d=run_dir)).fetchone()
        assert row is not None
        n, strategic, fraud, buffer, no_buffer, min_before, lag, book = row
        print(f"| {Path(run_dir).name} | {n} | {strategic} | {fraud} | {buffer} | {no_buffer} | {min_before} | "
              f"{lag} | {book:.1%} |")  # fmt: skip


def who(runs: list[str], rules_name: str) -> None:
    from creditloop.adapters.warehouse.ewi_backtest import panel_features, replay_rules
    from creditloop.adapters.warehouse.ewi_outcomes import line_outcomes
    from creditloop.adapters.warehouse.sim_panel import sim_panel
    from creditloop.entrypoints.cli._ewi_model import packaged_behaviour_model
    from creditloop.entrypoints.cli.ewi_backtest_cli import declared_shock
    from creditloop.monitoring.alert_rules import packaged_alert_rules
    from creditloop.monitoring.features import default_feature_set

    fs, rules = default_feature_set(), packaged_alert_rules(rules_name)
    model = json.loads(Path(str(packaged_behaviour_model())).read_text("utf-8"))
    tally: dict[str, list[int]] = {}
    for run_dir in runs:
        d = Path(run_dir)
        panel = sim_panel(d, declared_shock(d))
        feats, scores = panel_features(panel, fs, model)
        first: dict[str, Any] = {}
        for h in replay_rules(panel, feats, rules, None, scores):
            first[h.account_id] = min(first.get(h.account_id, h.on), h.on)
        groups = dict(duckdb.execute(f"""
            SELECT s.line_id, CASE WHEN g.fraud THEN 'fabricated' WHEN g.strategic THEN 'strategic'
                                   WHEN g.buffer_months > 0 THEN 'with savings' ELSE 'without savings' END
            FROM (SELECT DISTINCT line_id, customer_id FROM read_parquet('{d}/snapshots.parquet')) s
            JOIN read_parquet('{d}/ground_truth.parquet') g USING (customer_id)""").fetchall())  # fmt: skip
        for line_id, o in line_outcomes(d).items():
            if o.missed_on is None or o.first_bad_on is None:
                continue
            on = first.get(line_id)
            early = on is not None and on < o.first_bad_on and (o.missed_on - on).days >= 30
            before = [r for r in panel[line_id] if r["month_end_on"] < o.missed_on]
            paid_min = any(
                r["dpd"] == 0
                and r["min_due_minor"]
                and r["min_due_minor"] <= r["paid_minor"] < r["statement_due_minor"]
                for r in before
            )  # paid part of a bill, at least the minimum, while current, before the miss that began the episode
            for key in (groups[line_id], "paid >= minimum before the miss" if paid_min else "did not"):
                acc = tally.setdefault(key, [0, 0])
                acc[0] += early
                acc[1] += 1
    for group, (early, n) in sorted(tally.items()):
        print(f"{rules_name} {group}: {early} of {n} warned >= 30 d ({early / max(n, 1):.0%})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--strategy", default="statement-mode")
    r.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    r.add_argument("--scenarios", nargs="+", default=["baseline", "pandemic"])
    r.add_argument("--customers", type=int, default=3000)
    r.add_argument("--months", type=int, default=24)
    t = sub.add_parser("table")
    t.add_argument("prefixes", nargs="+")
    sub.add_parser("paths").add_argument("runs", nargs="+")
    w = sub.add_parser("who")
    w.add_argument("--rules", default="ewi")
    w.add_argument("runs", nargs="+")
    a = ap.parse_args()
    if a.cmd == "run":
        run(a.out, a.strategy, a.seeds, a.scenarios, a.customers, a.months)
    elif a.cmd == "paths":
        paths(a.runs)
    elif a.cmd == "who":
        who(a.runs, a.rules)
    else:
        table(a.prefixes)


if __name__ == "__main__":
    main()
