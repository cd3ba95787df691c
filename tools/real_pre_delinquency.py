"""Behaviour before delinquency: real monthly panels against the simulator's snapshots (issue 14, H5).

Usage (from the repository root; the data sets are read in place, a missing one is skipped with a reason):

    PYTHONPATH=src python tools/real_pre_delinquency.py [--datasets DIR] [--sim DATA_DIR ...] [--json]

Every source is put on one grid: an account-month is *clean* below 30 days past due, *30+* from 30 days on.
An **event** is an account's first 30+ month t with at least three observed clean months before it; a
**control** is an account-month t that is clean, never preceded by a 30+ month, with three clean months before.
For the three months before t, events against controls:

- ``partial``: the bill was paid in part only — UCI Taiwan status 0 (revolving: at least the minimum, not the
  whole bill), the simulator 0 < paid < statement due. ``full``: Taiwan status -1/-2 with a paid share of at
  least 0.95, the simulator paid ≥ 0.95 of the statement;
- ``dpd1_29``: 1–29 days past due at month end (Credit Card Approval status 0; the simulator's dpd);
- ``util``: bill (Taiwan) or balance (simulator) over the limit, and its change from t-3 to t-1;
- ``ratio``: the share of the bill paid, capped at 1 — Taiwan PAY_AMT of month m over BILL_AMT of month m-1,
  the simulator paid in the month over that month's statement.

Then the hazard of a first 30+ at t given month t-1's paid share, utilisation, and the number of partial months
in t-3..t-1. Taiwan's months run Apr..Sep 2005; the "default next month" label ``Y`` is used as the 30+ flag of
October (the data set's own definition). Taiwan PAY ≥ 1 counts as 30+. The simulator's fabricated lines are
left out (ground truth): they never pay, so nothing precedes their miss by construction.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

REPO = Path(__file__).resolve().parents[1]
LAGS = (3, 2, 1)
RATIO_EDGES = (0.1, 0.5, 0.95)  # buckets: < 0.1, 0.1–0.5, 0.5–0.95, ≥ 0.95 (no bill apart)
UTIL_EDGES = (0.3, 0.6, 0.9)


@dataclass
class Grid:
    """Accounts x months; NaN = not known for the source or the month."""

    name: str
    late30: np.ndarray  # 1.0 / 0.0 / NaN (month not observed)
    partial: np.ndarray
    full: np.ndarray
    dpd1_29: np.ndarray
    util: np.ndarray
    ratio: np.ndarray
    first_t: int = 3  # events and controls are taken from this month on


def _nan(shape: tuple[int, ...]) -> np.ndarray:
    return np.full(shape, np.nan)


def taiwan(path: Path, *, label_y: bool) -> Grid:
    """``label_y``: the event is the data set's own label, default in October after six months' history
    (t = October only); otherwise the first PAY >= 1 in July..September."""
    con = duckdb.connect()
    cols = ", ".join(
        ["X1"]
        + [f"X{i}" for i in (11, 10, 9, 8, 7, 6)]
        + [f"X{i}" for i in range(17, 11, -1)]
        + [f"X{i}" for i in range(23, 17, -1)]
        + ["Y"]
    )  # limit, PAY Apr..Sep, BILL Apr..Sep, PAY_AMT Apr..Sep, Y
    a = np.asarray(con.execute(f"SELECT {cols} FROM read_csv_auto(?)", [str(path)]).fetchall(), dtype=float)
    limit, status, bill, paid, y = a[:, 0], a[:, 1:7], a[:, 7:13], a[:, 13:19], a[:, 19]
    n = len(limit)
    late = np.column_stack([status >= 1, y == 1]).astype(float)  # month 6 = October, from Y
    if not label_y:
        late[:, 6] = np.nan
    ratio = _nan((n, 7))
    prev = bill[:, :5]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio[:, 1:6] = np.where(prev > 0, np.clip(paid[:, 1:6] / prev, 0.0, 1.0), np.nan)
    util = _nan((n, 7))
    util[:, :6] = np.clip(bill / limit[:, None], 0.0, None)
    partial = _nan((n, 7))
    partial[:, :6] = (status == 0).astype(float)
    full = _nan((n, 7))
    full[:, 1:6] = ((status[:, 1:6] <= -1) & ~(ratio[:, 1:6] < 0.95)).astype(float)
    name = "UCI Taiwan, Y (Oct)" if label_y else "UCI Taiwan, PAY>=1 (Jul-Sep)"
    return Grid(name, late, partial, full, _nan((n, 7)), util, ratio, first_t=6 if label_y else 3)


def approval(path: Path) -> Grid:
    con = duckdb.connect()
    rows = con.execute(
        """SELECT ID, MONTHS_BALANCE + 60 AS m, CAST(STATUS AS VARCHAR) FROM read_csv_auto(?)
           WHERE CAST(STATUS AS VARCHAR) <> 'X'""",
        [str(path)],
    ).fetchall()
    ids = {i: k for k, i in enumerate(sorted({r[0] for r in rows}))}
    late, d129 = _nan((len(ids), 61)), _nan((len(ids), 61))
    for i, m, s in rows:
        late[ids[i], m] = float(s not in ("C", "0"))
        d129[ids[i], m] = float(s == "0")
    shape = late.shape
    return Grid("Credit Card Approval (status panel)", late, _nan(shape), _nan(shape), d129, _nan(shape), _nan(shape))


def pooled(dirs: list[Path]) -> Grid:
    """Several simulations (seeds) as one grid: their lines side by side, months aligned on the month index."""
    grids = [simulated(d) for d in dirs]
    months = max(g.late30.shape[1] for g in grids)

    def stack(name: str) -> np.ndarray:
        parts = [getattr(g, name) for g in grids]
        return np.vstack([np.pad(a, ((0, 0), (0, months - a.shape[1])), constant_values=np.nan) for a in parts])

    names = ("late30", "partial", "full", "dpd1_29", "util", "ratio")
    label = "+".join(d.name for d in dirs)
    return Grid(f"simulator ({label})", *(stack(n) for n in names))


def simulated(data_dir: Path) -> Grid:
    con = duckdb.connect()
    snaps, truth = data_dir / "snapshots.parquet", data_dir / "ground_truth.parquet"
    keep = "customer_id NOT IN (SELECT customer_id FROM read_parquet(?) WHERE fraud)" if truth.is_file() else "TRUE"
    params = [str(snaps)] + ([str(truth)] if truth.is_file() else [])
    rows = con.execute(
        f"""SELECT line_id, month_index, dpd, balance_minor, limit_minor, statement_due_minor, paid_minor
            FROM read_parquet(?) WHERE status IN ('ACTIVE', 'FROZEN') AND {keep}""",
        params,
    ).fetchall()
    ids = {i: k for k, i in enumerate(sorted({r[0] for r in rows}))}
    months = max(r[1] for r in rows) + 1
    g = [_nan((len(ids), months)) for _ in range(6)]
    late, partial, full, d129, util, ratio = g
    for line, m, dpd, bal, lim, due, paid in rows:
        k = ids[line]
        late[k, m] = float(dpd >= 30)
        d129[k, m] = float(0 < dpd < 30)
        util[k, m] = bal / lim if lim > 0 else np.nan
        if due > 0:
            ratio[k, m] = min(1.0, paid / due)
            partial[k, m] = float(0 < paid < due)
            full[k, m] = float(paid >= 0.95 * due)
    return Grid(f"simulator ({data_dir.name})", late, partial, full, d129, util, ratio)


def cohorts(g: Grid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(account, t) pairs with three clean observed months before t and no 30+ ever before; and whether t is 30+."""
    late = g.late30
    ever = np.nancumsum(np.nan_to_num(late), axis=1)
    acc, ts, ev = [], [], []
    for t in range(g.first_t, late.shape[1]):
        before = late[:, t - 3 : t]
        ok = ~np.isnan(late[:, t]) & np.all(before == 0.0, axis=1) & ((ever[:, t - 1]) == 0)
        idx = np.flatnonzero(ok)
        acc.append(idx)
        ts.append(np.full(len(idx), t))
        ev.append(late[idx, t] == 1.0)
    return np.concatenate(acc), np.concatenate(ts), np.concatenate(ev)


def _mean(x: np.ndarray) -> float | None:
    x = x[~np.isnan(x)]
    return round(float(x.mean()), 3) if len(x) else None


def _bucket(x: np.ndarray, edges: tuple[float, ...]) -> np.ndarray:
    return np.where(np.isnan(x), -1, np.searchsorted(np.asarray(edges), x, side="right"))


def measure(g: Grid) -> dict[str, Any]:
    acc, ts, ev = cohorts(g)
    out: dict[str, Any] = {"source": g.name, "events": int(ev.sum()), "controls": int((~ev).sum())}
    out["base_rate"] = round(float(ev.mean()), 4) if len(ev) else None
    for name in ("partial", "full", "dpd1_29", "util", "ratio"):
        arr = getattr(g, name)
        for lag in LAGS:
            v = arr[acc, ts - lag]
            out[f"{name}@t-{lag}"] = (_mean(v[ev]), _mean(v[~ev]))
    # Abrupt: a first 30+ with no 1-29 DPD month end and no part-paid bill at t-3 and t-2 (unknown: None). t-1 is
    # left out: on a monthly grid a first 30+ month end always follows a 1-29 DPD one.
    d129, part = _count(g.dpd1_29, acc, ts, (3, 2))[ev], _count(g.partial, acc, ts, (3, 2))[ev]
    known = d129 >= 0
    out["abrupt share (no 1-29 DPD, no partial at t-3, t-2)"] = (
        round(float((known & (d129 == 0) & (part <= 0)).sum() / known.sum()), 3) if known.any() else None
    )
    for name in ("util", "ratio"):
        arr = getattr(g, name)
        d = arr[acc, ts - 1] - arr[acc, ts - 3]
        out[f"{name} change t-3→t-1"] = (_mean(d[ev]), _mean(d[~ev]))
    out["hazard"] = {
        "ratio@t-1": _hazard(
            _bucket(g.ratio[acc, ts - 1], RATIO_EDGES), ev, ("no bill", "<0.1", "0.1-0.5", "0.5-0.95", ">=0.95")
        ),
        "util@t-1": _hazard(
            _bucket(g.util[acc, ts - 1], UTIL_EDGES), ev, ("n/a", "<0.3", "0.3-0.6", "0.6-0.9", ">=0.9")
        ),
        "partial months t-3..t-1": _hazard(_count(g.partial, acc, ts), ev, ("n/a", "0", "1", "2", "3")),
        "1-29 dpd months t-3..t-1": _hazard(_count(g.dpd1_29, acc, ts), ev, ("n/a", "0", "1", "2", "3")),
    }
    return out


def _count(arr: np.ndarray, acc: np.ndarray, ts: np.ndarray, lags: tuple[int, ...] = LAGS) -> np.ndarray:
    w = np.column_stack([arr[acc, ts - lag] for lag in lags])
    return np.where(np.isnan(w).any(axis=1), -1, np.nansum(w, axis=1)).astype(int)


def _hazard(b: np.ndarray, ev: np.ndarray, labels: tuple[str, ...]) -> dict[str, tuple[float, int]]:
    out = {}
    for k, label in enumerate(labels):
        sel = b == k - 1
        if sel.sum() >= 30:  # fewer is noise
            out[label] = (round(float(ev[sel].mean()), 4), int(sel.sum()))
    return out


def render(results: list[dict[str, Any]]) -> str:
    lines = ["| measure (events / controls) | " + " | ".join(r["source"] for r in results) + " |"]
    lines.append("|---" * (len(results) + 1) + "|")
    keys = [k for k in results[0] if k not in ("source", "hazard")]
    for k in keys:
        cells = []
        for r in results:
            v = r.get(k)
            cells.append(
                "—" if v is None or v == (None, None) else (f"{v[0]} / {v[1]}" if isinstance(v, tuple) else str(v))
            )
        lines.append(f"| {k} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        "| hazard of a first 30+ at t, by month t-1 (rate, account-months) | "
        + " | ".join(r["source"] for r in results)
        + " |"
    )
    lines.append("|---" * (len(results) + 1) + "|")
    for group in results[0]["hazard"]:
        labels: list[str] = []
        for r in results:
            labels += [x for x in r["hazard"][group] if x not in labels]
        for label in labels:
            cells = [
                f"{r['hazard'][group][label][0]:.2%} ({r['hazard'][group][label][1]:,})"
                if label in r["hazard"][group]
                else "—"
                for r in results
            ]
            lines.append(f"| {group} = {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default = REPO.parent / "shared" / "datasets"
    p.add_argument("--datasets", type=Path, default=default if default.is_dir() else Path("/work/shared/datasets"))
    p.add_argument("--sim", type=Path, action="append", default=[], help="a simulation's output directory")
    p.add_argument(
        "--sim-pool", action="append", default=[], help="simulation directories pooled as one source (comma-separated)"
    )
    p.add_argument("--no-real", action="store_true", help="leave the real panels out (simulations only)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    grids: list[Grid] = []
    tw, cca = args.datasets / "uci_taiwan_default.csv", args.datasets / "credit_card_approval_credit_record.csv.gz"
    real = (
        (tw, lambda: [taiwan(tw, label_y=True), taiwan(tw, label_y=False)]),
        (cca, lambda: [approval(cca)]),
    )
    for path, make in () if args.no_real else real:
        if path.is_file():
            grids += make()
        else:
            print(f"skipped {path.name}: not found in {args.datasets}", file=sys.stderr)
    for d in args.sim:
        if (d / "snapshots.parquet").is_file():
            grids.append(simulated(d))
        else:
            print(f"skipped {d}: no snapshots.parquet", file=sys.stderr)
    for pool in args.sim_pool:
        dirs = [Path(x) for x in pool.split(",") if x]
        missing = [d for d in dirs if not (d / "snapshots.parquet").is_file()]
        if missing:
            print(f"skipped pool {pool}: no snapshots.parquet in {missing[0]}", file=sys.stderr)
        else:
            grids.append(pooled(dirs))
    if not grids:
        print("nothing to measure", file=sys.stderr)
        return 1
    results = [measure(g) for g in grids]
    print(json.dumps(results, indent=1) if args.json else render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
