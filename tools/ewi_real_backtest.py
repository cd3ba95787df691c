"""Issue 14, real data: ``creditloop ewi backtest --panel`` on the UCI Taiwan and Credit Card Approval panels
(figures in docs/performance.md, "Early warning (issue 14): back-test on real panels" and "... rules for real
panels"; method in docs/early_warning.md).

Reads ../shared/datasets in place and writes the panels as Parquet into a temporary directory (``--work``,
default a fresh one under /tmp), never into the repository. Each panel is also split by account (seeded 30 %
test, ``account_split``): the packaged ewi_status and ewi_revolving thresholds were chosen on the other 70 %,
so the test rows are the honest figure. Runs, each through the CLI (``--runs`` picks some):

- ``tw``: UCI Taiwan, all 30,000 accounts, the packaged installment rules ``ewi`` (no score): the before;
- ``tw-rev``, ``tw-rev-test``: the revolving rules ``ewi_revolving`` on all accounts and on the 30 % test;
- ``tw-score``: a behaviour score fitted (``ewi score fit --dpd 60``: the back-test's 30+ is dpd > 30, which is
  PAY >= 2 here) on the 70 % and the back-test of the 30 % with ``ewi`` and ``--model``;
- ``ca-ewi``: Credit Card Approval with ``--rules ewi`` (they read amounts the file lacks: nothing fires);
- ``ca``, ``ca-test``: Card Approval without ``--rules`` (a panel without amounts: ``ewi_status`` is picked), on
  all IDs and on the 30 % test.

Prints one Markdown table row per policy (``--json`` for the raw results). Lift = precision / base rate.

    PYTHONPATH=src python tools/ewi_real_backtest.py [--seed 42] [--work DIR] [--runs tw-rev,ca] [--json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from creditloop.adapters.datasets.credit_card_approval import approval_panel
from creditloop.adapters.datasets.uci_taiwan import taiwan_panel
from creditloop.entrypoints.cli._behaviour_score import account_split

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
RUNS = ("tw", "tw-rev", "tw-rev-test", "tw-score", "ca-ewi", "ca", "ca-test")


def cli(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "creditloop.entrypoints.cli.main", *args],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return done.stdout


def backtest(name: str, panel: Path, *extra: str) -> dict[str, Any]:
    started = time.perf_counter()
    result = json.loads(cli("ewi", "backtest", "--panel", str(panel), "--json", *extra))
    return {"run": name, "seconds": round(time.perf_counter() - started, 1), "result": result}


def split(table: pa.Table, name: str, work: Path, seed: int) -> dict[str, Path]:
    """The panel, and its seeded 70 % / 30 % account split, as Parquet files under ``work``."""
    paths = {name: work / f"{name}.parquet"}
    pq.write_table(table, paths[name])
    ids = pd.Series(sorted(set(table["account_id"].to_pylist())))
    held_out = pa.array(sorted(ids[account_split(ids, 0.3, seed)]))
    in_test = pc.is_in(table["account_id"], value_set=held_out)
    for part, mask in (("train", pc.invert(in_test)), ("test", in_test)):
        paths[f"{name}_{part}"] = work / f"{name}_{part}.parquet"
        pq.write_table(table.filter(mask), paths[f"{name}_{part}"])
    return paths


def write_panels(work: Path, seed: int) -> dict[str, Path]:
    taiwan = taiwan_panel(DATASETS / "uci_taiwan_default.csv")
    approval = approval_panel(DATASETS / "credit_card_approval_credit_record.csv.gz")
    return split(taiwan, "taiwan", work, seed) | split(approval, "approval", work, seed)


def runs(work: Path, seed: int, chosen: tuple[str, ...]) -> list[dict[str, Any]]:
    p = write_panels(work, seed)
    ca = ("--horizon-days", "180")
    plan = {
        "tw": lambda: backtest("UCI Taiwan, ewi (installment)", p["taiwan"], "--model", "none"),
        "tw-rev": lambda: backtest("UCI Taiwan, ewi_revolving", p["taiwan"], "--rules", "ewi_revolving"),
        "tw-rev-test": lambda: backtest(
            "UCI Taiwan 30 % test, ewi_revolving", p["taiwan_test"], "--rules", "ewi_revolving"
        ),
        "tw-score": lambda: score_run(work, p, seed),
        "ca-ewi": lambda: backtest("Card Approval, --rules ewi", p["approval"], "--rules", "ewi", *ca),
        "ca": lambda: backtest("Card Approval, no --rules (ewi_status picked)", p["approval"], *ca),
        "ca-test": lambda: backtest("Card Approval 30 % test, ewi_status", p["approval_test"], *ca),
    }
    return [plan[name]() for name in chosen]


def score_run(work: Path, p: dict[str, Path], seed: int) -> dict[str, Any]:
    model = work / "taiwan_score.json"
    fit = json.loads(cli("ewi", "score", "fit", "--panel", str(p["taiwan_train"]), "--out", str(model), "--dpd",
                         "60", "--seed", str(seed), "--force", "--json"))  # fmt: skip
    run = backtest("UCI Taiwan 30 % test, ewi + score", p["taiwan_test"], "--model", str(model))
    return run | {"score_fit": fit}


def table(rows: list[dict[str, Any]]) -> str:
    cols = ("run", "policy", "30+ lines", "warned >= 30 d", "alerted before 30+", "lead p50/p75/p90",
            "precision", "base rate", "lift", "alert rate mean / max", "seconds")  # fmt: skip
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in rows:
        r = row["result"]
        for m in [*r["policies"], *r["sweep"]]:
            name = m["policy"] if "threshold" not in m else f"{m['rule_id']} alone @ {m['threshold']:g}"
            q, bins, bad = m["lead_quantiles"], m["lead_bins"], m["bad_lines"]
            before = bad - bins["after 30+"] - bins["no alert"]
            lead = "/".join(f"{q[k]:.0f}" for k in ("p50", "p75", "p90")) if q else "-"
            lift = f"{m['precision'] / r['base_rate']:.1f}" if r["base_rate"] else "-"
            cells = (row["run"], name, str(bad), f"{m['warned_early']} ({m['early_share']:.1%})",
                     f"{before} ({before / bad:.1%})" if bad else "-", lead,
                     f"{m['precision']:.1%} of {m['first_alerts']}", f"{r['base_rate']:.1%}", lift,
                     f"{m['rate_mean']:.1%} / {m['rate_max']:.1%}", str(row["seconds"]))  # fmt: skip
            lines.append("| " + " | ".join(cells) + " |")
        lines += [f"|  | note: {n} |" + " |" * (len(cols) - 2) for n in r.get("notes", [])]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=Path, default=None, help="Directory for the panels (default: a temp dir).")
    parser.add_argument("--runs", default=",".join(RUNS), help=f"Comma-separated, of {', '.join(RUNS)}.")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    chosen = tuple(r for r in args.runs.split(",") if r)
    if unknown := [r for r in chosen if r not in RUNS]:
        sys.exit(f"--runs: unknown {', '.join(unknown)} (one of {', '.join(RUNS)})")
    if not (DATASETS / "uci_taiwan_default.csv").is_file():
        sys.exit(f"datasets not found in {DATASETS}")
    work = args.work or Path(tempfile.mkdtemp(prefix="ewi-real-backtest-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = runs(work, args.seed, chosen)
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
    else:
        print(table(rows))
        print(f"\nseed {args.seed}; panels in {work}")


if __name__ == "__main__":
    main()
