"""Issue 14, real data: ``creditloop ewi backtest --panel`` on the UCI Taiwan and Credit Card Approval panels
(figures in docs/performance.md, "Early warning (issue 14): back-test on real panels"; method in
docs/early_warning.md).

Reads ../shared/datasets in place and writes the panels as Parquet into a temporary directory (``--work``,
default a fresh one under /tmp), never into the repository. Runs, each through the CLI:

1. UCI Taiwan, all 30,000 accounts, the packaged rules (no score);
2. UCI Taiwan, a behaviour score fitted (``ewi score fit --dpd 60``: the back-test's 30+ is dpd > 30, which is
   PAY >= 2 here) on a seeded 70 % of the accounts and the back-test on the other 30 % with ``--model``;
3. Credit Card Approval, the packaged rules (they read amounts the file does not have: they stay silent);
4. Credit Card Approval, an illustrative status-only rule set (``STATUS_RULES`` below, not packaged).

Prints one Markdown table row per policy (``--json`` for the raw results).

    PYTHONPATH=src python tools/ewi_real_backtest.py [--seed 42] [--work DIR] [--json]
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
STATUS_RULES = {
    "rule_set_id": "status_demo", "version": "1", "feature_set": "behaviour@1", "cooldown_days": 90,
    "description": "Illustration only: the two delinquency-history signals a status-only panel has.",
    "rules": [
        {"rule_id": "PAST_DUE_1_29", "feature": "dpd", "op": "gt", "threshold": 0, "severity": "medium",
         "also": [{"feature": "dpd", "op": "le", "threshold": 30}]},
        {"rule_id": "RECENT_LATE", "feature": "max_dpd_6m", "op": "gt", "threshold": 0, "severity": "low",
         "also": [{"feature": "dpd", "op": "eq", "threshold": 0}]},
    ],
}  # fmt: skip


def cli(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "creditloop.entrypoints.cli.main", *args],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return done.stdout


def backtest(name: str, panel: Path, *extra: str) -> dict[str, Any]:
    started = time.perf_counter()
    result = json.loads(cli("ewi", "backtest", "--panel", str(panel), "--json", *extra))
    return {"run": name, "seconds": round(time.perf_counter() - started, 1), "result": result}


def write_panels(work: Path, seed: int) -> dict[str, Path]:
    taiwan = taiwan_panel(DATASETS / "uci_taiwan_default.csv")
    paths = {"taiwan": work / "taiwan.parquet", "approval": work / "approval.parquet"}
    pq.write_table(taiwan, paths["taiwan"])
    pq.write_table(approval_panel(DATASETS / "credit_card_approval_credit_record.csv.gz"), paths["approval"])
    ids = pd.Series(sorted(set(taiwan["account_id"].to_pylist())))
    held_out = pa.array(sorted(ids[account_split(ids, 0.3, seed)]))
    in_test = pc.is_in(taiwan["account_id"], value_set=held_out)
    for part, mask in (("taiwan_train", pc.invert(in_test)), ("taiwan_test", in_test)):
        paths[part] = work / f"{part}.parquet"
        pq.write_table(taiwan.filter(mask), paths[part])
    return paths


def runs(work: Path, seed: int) -> list[dict[str, Any]]:
    p = write_panels(work, seed)
    model, rules = work / "taiwan_score.json", work / "status_rules.json"
    rules.write_text(json.dumps(STATUS_RULES), encoding="utf-8")
    fit = json.loads(cli("ewi", "score", "fit", "--panel", str(p["taiwan_train"]), "--out", str(model), "--dpd",
                         "60", "--seed", str(seed), "--force", "--json"))  # fmt: skip
    return [
        backtest("UCI Taiwan, packaged rules", p["taiwan"]),
        backtest("UCI Taiwan 30 % test, packaged rules + score", p["taiwan_test"], "--model", str(model))
        | {"score_fit": fit},
        backtest("Card Approval, packaged rules", p["approval"], "--horizon-days", "180"),
        backtest("Card Approval, status-only rules", p["approval"], "--rules", str(rules), "--horizon-days", "180"),
    ]


def table(rows: list[dict[str, Any]]) -> str:
    cols = ("run", "policy", "30+ lines", "warned >= 30 d", "lead p50/p75/p90", "precision", "base rate",
            "alert rate mean / max", "seconds")  # fmt: skip
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in rows:
        r = row["result"]
        for m in r["policies"]:
            q = m["lead_quantiles"]
            lead = "/".join(f"{q[k]:.0f}" for k in ("p50", "p75", "p90")) if q else "-"
            cells = (row["run"], m["policy"], str(m["bad_lines"]), f"{m['warned_early']} ({m['early_share']:.1%})",
                     lead, f"{m['precision']:.1%} of {m['first_alerts']}", f"{r['base_rate']:.1%}",
                     f"{m['rate_mean']:.1%} / {m['rate_max']:.1%}", str(row["seconds"]))  # fmt: skip
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=Path, default=None, help="Directory for the panels (default: a temp dir).")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not (DATASETS / "uci_taiwan_default.csv").is_file():
        sys.exit(f"datasets not found in {DATASETS}")
    work = args.work or Path(tempfile.mkdtemp(prefix="ewi-real-backtest-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = runs(work, args.seed)
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
    else:
        print(table(rows))
        print(f"\nseed {args.seed}; panels in {work}")


if __name__ == "__main__":
    main()
