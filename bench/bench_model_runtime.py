"""Decision-time model scoring: the plain-Python scorecard runtime and the GBM runtime against the batch
scorers (``Scorecard.score_frame`` / ``GBMScorer.score_frame``) on 1-row frames and on the whole frame.

    PYTHONPATH=src .venv/bin/python bench/bench_model_runtime.py [--rows 100000] [--frame-rows 2000] [--json]

Seeded application-like data: 8 characteristics (numeric with missing values, a special code and a point mass;
categorical with missing values). Both models are fitted on 20,000 rows, saved to their JSON files and loaded
back through :func:`creditloop.scoring.runtime.load_model`, as a decision would. Every runtime call scores with
reasons, except the "gbm-no-rsn" line (``n_reasons=0``: no TreeSHAP contributions, PD only; its
batch columns are ``GBMScorer.predict_pd``). ``score_one`` runs ``--rows`` times one application at a time (per-call p50 / p99 from
``perf_counter_ns``); ``score_frame`` on 1-row frames runs ``--frame-rows`` times (it is that slow) and is
reported per row; whole-frame ``score_frame`` and ``score_many`` score all ``--rows`` at once. One thread
(OMP_NUM_THREADS=1, LightGBM ``n_jobs=1``). Times exclude data generation and model fitting.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, before numpy / LightGBM start their pools

import argparse
import json
import platform
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from creditloop.scoring import GBMScorer, Scorecard, save_scorecard
from creditloop.scoring.gbm_artifact import save_gbm
from creditloop.scoring.runtime import load_model


def applications(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Application-like rows and a bad flag from a known logistic model."""
    rng = np.random.default_rng(seed)
    income = np.round(rng.lognormal(8.6, 0.55, n), 2)
    income[rng.random(n) < 0.12] = 0.0  # no declared income: a point mass
    debt = np.round(income * rng.beta(2, 6, n), 2)
    lenders = rng.poisson(1.2, n).astype(float)
    lenders[rng.random(n) < 0.05] = -1.0  # "no bureau record" special code
    age_of_file = rng.integers(0, 240, n).astype(float)
    age_of_file[rng.random(n) < 0.04] = np.nan
    util = rng.uniform(0, 1.3, n)
    tier = rng.choice(["1", "2", "3", "4", "5"], n).astype(object)
    sector = rng.choice(["it", "retail", "factory", "gov", "logistics", "other"], n).astype(object)
    sector[rng.random(n) < 0.03] = None
    channel = rng.choice(["app", "merchant", "partner"], n)
    logit = -2.2 + 1.8 * util + 0.35 * np.maximum(lenders, 0) - 0.006 * np.nan_to_num(age_of_file, nan=60.0)
    logit += 2.0 * debt / np.maximum(income, 500.0) + np.where(income == 0, 0.5, -0.3 * np.log1p(income / 5000))
    logit += np.where(sector == "gov", -0.6, 0.0) + np.where(channel == "partner", 0.4, 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame(
        {
            "monthly_income": income,
            "monthly_debt_payments": debt,
            "other_lenders": lenders,
            "months_on_file": age_of_file,
            "utilization": util,
            "city_tier": tier,
            "sector": sector,
            "channel": channel,
        }
    )
    return frame, y


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def one_at_a_time(score_one: Callable[[Any], Any], rows: list[dict[str, object]]) -> dict[str, float]:
    """µs per row, and per-call p50 / p99 in µs."""
    calls = np.empty(len(rows), dtype=np.int64)
    clock = time.perf_counter_ns
    cpu = time.process_time()
    for i, row in enumerate(rows):
        t0 = clock()
        score_one(row)
        calls[i] = clock() - t0
    cpu_us = (time.process_time() - cpu) / len(rows) * 1e6  # CPU time: what other jobs on the machine do not inflate
    us = calls / 1e3
    p50, p99 = float(np.percentile(us, 50)), float(np.percentile(us, 99))
    return {"us_per_row": float(us.mean()), "cpu_us_per_row": cpu_us, "p50_us": p50, "p99_us": p99}


def frames_one_row(scorer: Callable[[pd.DataFrame], Any], frame: pd.DataFrame, n: int) -> float:
    """µs per row of the batch scorer on 1-row frames (the first ``n`` rows)."""
    parts = [frame.iloc[[i]] for i in range(min(n, len(frame)))]
    seconds = timed(lambda: [scorer(p) for p in parts])
    return seconds / len(parts) * 1e6


def bench(
    kind: str, model: Any, path: Path, frame: pd.DataFrame, frame_rows: int, n_reasons: int | None = None
) -> dict[str, Any]:
    runtime = load_model(path)
    if n_reasons is not None:
        runtime.n_reasons = n_reasons  # type: ignore[attr-defined]  # both runtimes have it
    scorer = model.predict_pd if n_reasons == 0 else model.score_frame  # PD only: the batch PD path
    rows = [dict(zip(frame.columns, v, strict=True)) for v in frame.itertuples(index=False, name=None)]
    runtime.score_one(rows[0])  # warm up
    single = one_at_a_time(runtime.score_one, rows)
    many = timed(lambda: runtime.score_many(rows)) / len(rows) * 1e6  # type: ignore[attr-defined]
    whole = timed(lambda: scorer(frame)) / len(frame) * 1e6
    tiny = frames_one_row(scorer, frame, frame_rows)
    return {
        "model": kind,
        "features": len(runtime.features),
        "runtime_score_one_us": single["us_per_row"],
        "runtime_score_one_cpu_us": single["cpu_us_per_row"],
        "runtime_score_one_p50_us": single["p50_us"],
        "runtime_score_one_p99_us": single["p99_us"],
        "runtime_score_many_us": many,
        "score_frame_1row_us": tiny,
        "score_frame_whole_us": whole,
        "speedup_vs_1row_frame": tiny / single["us_per_row"],
        "ratio_vs_whole_frame": single["us_per_row"] / whole,
        "runtime_rows_per_cpu_s": 1e6 / single["cpu_us_per_row"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows scored one at a time and as a frame")
    parser.add_argument("--frame-rows", type=int, default=2_000, help="1-row frames scored by score_frame")
    parser.add_argument("--train-rows", type=int, default=20_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    train, y = applications(args.train_rows, seed=1)
    frame, _ = applications(args.rows, seed=2)
    cats = ["city_tier", "sector", "channel"]
    scorecard = Scorecard(
        binning_params={"categorical": cats, "special_codes": {"other_lenders": [-1]}, "point_mass_share": 0.1}
    ).fit(train, y)
    gbm = GBMScorer(categorical=cats, n_jobs=1).fit(train, y)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        sc_path = save_scorecard(scorecard, Path(tmp) / "scorecard.json")
        gbm_path = save_gbm(gbm, Path(tmp) / "gbm.json")
        results.append(bench("scorecard", scorecard, sc_path, frame, args.frame_rows))
        results.append(bench("gbm", gbm, gbm_path, frame, args.frame_rows))
        results.append(bench("gbm-no-rsn", gbm, gbm_path, frame, args.frame_rows, n_reasons=0))
        for r in results[1:]:
            r["trees"] = gbm.training_["n_trees"]
    machine = {"python": platform.python_version(), "machine": platform.machine(), "rows": args.rows}
    if args.json:
        print(json.dumps({"machine": machine, "results": results}, indent=2))
        return
    print(f"{args.rows:,} rows; score_frame on 1-row frames: {args.frame_rows:,} rows; {machine}")
    head = f"{'model':<10} {'runtime µs/row':>15} {'cpu µs':>7} {'p50':>7} {'p99':>7} {'many µs/row':>12}"
    print(head + f" {'1-row frame µs':>15} {'whole frame µs':>15} {'× vs 1-row':>11} {'÷ whole':>8} {'rows/cpu-s':>10}")
    for r in results:
        print(
            f"{r['model']:<10} {r['runtime_score_one_us']:>15.1f} {r['runtime_score_one_cpu_us']:>7.1f} "
            f"{r['runtime_score_one_p50_us']:>7.1f} {r['runtime_score_one_p99_us']:>7.1f} "
            f"{r['runtime_score_many_us']:>12.1f} {r['score_frame_1row_us']:>15.0f} {r['score_frame_whole_us']:>15.2f} "
            f"{r['speedup_vs_1row_frame']:>11.0f} {r['ratio_vs_whole_frame']:>8.1f} {r['runtime_rows_per_cpu_s']:>10,.0f}"
        )


if __name__ == "__main__":
    main()
