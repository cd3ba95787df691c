"""Which PD estimator would be right, and how much of its error is estimation? The 12-month PD of the lines on the
book at month t (EAD-weighted, CCF 0.20) against their realised charge-off rate over (t, t + 12] (EAD-weighted), for
four chains, each estimated twice: on the 12 months before t (what the ECL can know) and on the pairs of (t, t + 12]
itself (the oracle: a perfect matrix for that year, so what is left is the chain's own error).

    PYTHONPATH=src python tools/ecl_pd_oracle.py --run DIR [--run DIR ...] [--at 9 --at 12]

Chains: ``count`` (the book's matrix by line count: ``risk ecl`` default), ``exposure`` (its current row weighted
by EAD at t), ``payment`` (``--segment-by payment``: roll state x ever paid, credibility-blended rows, current rows
by EAD) and ``payment-count`` (the same with count-weighted current rows). docs/risk.md, "Session 13".
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from creditloop.adapters.analytics.ecl_inputs import read_inputs
from creditloop.adapters.analytics.engines import connect
from creditloop.portfolio.ecl import payment_chain
from creditloop.portfolio.ecl.panel_staging import PanelRow
from creditloop.portfolio.ecl.run import TransitionCount
from creditloop.portfolio.ecl.term_structure import CO_INDEX, N_STATES, _unpaid, term_structure

CCF = Decimal("0.20")
CHAINS = ("count", "exposure", "payment", "payment-count")


def _month(day: date) -> int:
    return day.year * 12 + day.month


def _ead(drawn: int, undrawn: int) -> float:
    return drawn + float(CCF) * undrawn


def _book_matrix(counts: Sequence[TransitionCount], by_exposure: bool) -> list[list[float]]:
    rows = [[0.0] * N_STATES for _ in range(N_STATES)]
    for c in counts:
        rows[c.from_index][c.to_index] += (
            _ead(c.drawn_minor, c.undrawn_minor) if by_exposure and c.from_index == 0 else c.lines
        )
    out = []
    for i, row in enumerate(rows):
        total = sum(row)
        out.append([v / total for v in row] if total else [1.0 if j == _unpaid(i) else 0.0 for j in range(N_STATES)])
    return out


def _pds(chain: str, counts: Sequence[TransitionCount]) -> dict[str, dict[int, float]]:
    """``{layer: {state: 12-month PD}}`` (layer ``""`` for the book chains)."""
    if chain in ("count", "exposure"):
        ts = term_structure(_book_matrix(counts, chain == "exposure"), 12)
        return {"": {s: ts.pd(s, 12) for s in range(CO_INDEX)}}
    by_count = chain == "payment-count"  # the current rows by line count instead of EAD
    cells = [
        (c.segment, c.from_index, c.to_segment, c.to_index, c.lines,
         c.lines if by_count else c.drawn_minor, 0 if by_count else c.undrawn_minor)
        for c in counts
    ]  # fmt: skip
    structures = payment_chain.term_structures(payment_chain.matrix(cells, CCF), 12)
    return {k: {s: v.pd(s, 12) for s in range(CO_INDEX)} for k, v in structures.items()}


def evaluate(run: Path, months: Sequence[int]) -> list[dict[str, Any]]:
    rows, counts = read_inputs(connect("duckdb"), run, "payment")
    layered = [c for c in counts if c.to_segment and c.from_index < CO_INDEX]
    path = str((run / "snapshots.parquet").resolve())
    first_co = {
        str(line): _month(day)
        for line, day in duckdb.connect()
        .execute(
            f"select line_id, min(month_end_on) from read_parquet('{path}') where status = 'CHARGED_OFF' group by 1"
        )
        .fetchall()
    }
    ends = sorted({r.month_end_on for r in rows})
    out = []
    for t in months:
        if t + 12 > len(ends):
            raise SystemExit(f"error: --at {t}: {run} has {len(ends)} months, t + 12 is not observed")
        on, end = _month(ends[t - 1]), _month(ends[t + 11])
        book: list[PanelRow] = [r for r in rows if _month(r.month_end_on) == on and r.state_index < CO_INDEX]
        weight = {
            r.line_id: _ead(max(0, r.balance_minor), max(0, r.limit_minor - max(0, r.balance_minor))) for r in book
        }
        total = sum(weight.values())
        realised = sum(w for line, w in weight.items() if on < first_co.get(line, 0) <= end) / total
        row: dict[str, Any] = {
            "run": run.name,
            "t": t,
            "lines": len(book),
            "ead": total,
            "realised_co_rate": realised,
        }
        for label, lo, hi in (("known", on - 12, on), ("oracle", on, end)):
            window = [c for c in layered if lo <= _month(c.month_end_on) < hi]
            for chain in CHAINS:
                pds = _pds(chain, window)
                pd = sum(weight[r.line_id] * pds.get(r.segment, pds.get("", {})).get(r.state_index, 0.0)
                         if chain.startswith("payment") else weight[r.line_id] * pds[""][r.state_index]
                         for r in book) / total  # fmt: skip
                row[f"{label}:{chain}"] = pd / realised if realised else None
        out.append(row)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=Path, action="append", required=True)
    ap.add_argument("--at", type=int, action="append")
    args = ap.parse_args(argv)
    pooled: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    keys = [f"{label}:{chain}" for label in ("known", "oracle") for chain in CHAINS]
    print("| run | t | lines | realised CO rate | " + " | ".join(keys) + " |")
    print("|---" * (4 + len(keys)) + "|")
    for run in args.run:
        for r in evaluate(run, args.at or [9, 12]):
            print(f"| {r['run']} | {r['t']} | {r['lines']:,} | {100 * float(r['realised_co_rate']):.3f} % | "
                  + " | ".join(f"{r[k]:.2f}" for k in keys) + " |")  # fmt: skip
            for k in keys:
                pooled[int(r["t"])][k] += float(r[k]) * float(r["realised_co_rate"]) * float(r["ead"])
            pooled[int(r["t"])]["real"] += float(r["realised_co_rate"]) * float(r["ead"])
    for t, sums in sorted(pooled.items()):
        print(f"| pooled | {t} | | | " + " | ".join(f"{sums[k] / sums['real']:.2f}" for k in keys) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
