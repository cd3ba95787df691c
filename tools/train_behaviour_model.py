"""Train the packaged behaviour score (``creditloop/models/behaviour_score_v1.json``, model ``behaviour-score@1``).

Run: ``PYTHONPATH=src .venv/bin/python tools/train_behaviour_model.py [--work DIR] [--out FILE] [--check-seed 2]``.

Reproducible: ``creditloop simulate --customers 5000 --months 24 --seed 1`` (baseline scenario and strategy), its
behaviour panel (``adapters/warehouse/sim_panel.py``, the one ``ewi panel`` writes), then the same steps as
``ewi score fit`` (``entrypoints/cli/_behaviour_score.py``): P(dpd >= 30 within 3 months), a 30 % hold-out of the
accounts (split seed 0), the project's scorecard. The hold-out metrics go into the file; ``--check-seed`` also
scores a second, independent simulation (out of sample) and stores that AUC. A starter: a lender refits on its own
book (``ewi score fit``) and passes that file as ``--model``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from creditloop.adapters.warehouse.ewi_backtest import panel_table
from creditloop.adapters.warehouse.sim_panel import sim_panel
from creditloop.entrypoints.cli import _behaviour_score as bs
from creditloop.entrypoints.cli.ewi_backtest_cli import declared_shock
from creditloop.monitoring.features import FeatureSet, default_feature_set

CUSTOMERS, MONTHS, HORIZON, DPD, TEST_FRACTION, SPLIT_SEED = 5000, 24, 3, 30, 0.3, 0
SOURCE = f"creditloop simulate --customers {CUSTOMERS} --months {MONTHS} --seed {{seed}} (baseline)"


def simulate(work: Path, seed: int) -> Path:
    """A baseline simulation of ``seed`` under ``work`` (reused when its summary is already there)."""
    out = work / f"sim-seed{seed}"
    if not (out / "summary.json").is_file():
        cmd = [sys.executable, "-m", "creditloop", "simulate", "--customers", str(CUSTOMERS), "--months",
               str(MONTHS), "--seed", str(seed), "--out", str(out)]  # fmt: skip
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return out


def frame(data_dir: Path, fs: FeatureSet) -> Any:
    panel = panel_table(sim_panel(data_dir, declared_shock(data_dir)))
    return bs.training_frame(panel, fs, horizon_months=HORIZON, dpd_threshold=DPD)


def rounded(m: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in m.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--work", type=Path, help="Where the simulations go (default: a temporary directory).")
    parser.add_argument("--out", type=Path, default=Path("src/creditloop/models/behaviour_score_v1.json"))
    parser.add_argument("--seed", type=int, default=1, help="Simulation seed to train on.")
    parser.add_argument("--check-seed", type=int, default=2, help="Out-of-sample simulation seed (0: none).")
    args = parser.parse_args()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        fs = default_feature_set()
        data = frame(simulate(work, args.seed), fs)
        y, x = data[bs.TARGET], data.drop(columns=[*bs.KEYS, bs.TARGET])
        test = bs.account_split(data["account_id"], TEST_FRACTION, SPLIT_SEED)
        meta: dict[str, Any] = {
            "horizon_months": HORIZON, "dpd_threshold": DPD, "split": "accounts", "seed": SPLIT_SEED,
            "description": "Starter behaviour score trained on a synthetic simulator run; refit it on your own "
            "book with `creditloop ewi score fit` and pass that file as --model.",
            "training_source": SOURCE.format(seed=args.seed) + ", panel of `ewi panel`",
            "label": f"dpd >= {DPD} at a month end within {HORIZON} months",
        }  # fmt: skip
        model = bs.fit_scorecard(x[~test], y[~test], fs, meta)
        holdout = rounded(bs.metrics(y[test].to_numpy(), model.predict_pd(x[test])))
        meta["holdout"] = {"fraction": TEST_FRACTION, "accounts": int(data["account_id"][test].nunique()), **holdout}
        if args.check_seed:
            other = frame(simulate(work, args.check_seed), fs)
            oos = bs.metrics(other[bs.TARGET].to_numpy(), model.predict_pd(other.drop(columns=[*bs.KEYS, bs.TARGET])))
            meta["out_of_sample"] = {"source": SOURCE.format(seed=args.check_seed), **rounded(oos)}
        model.training_["holdout"] = {"method": "accounts", "fraction": TEST_FRACTION, "seed": SPLIT_SEED,
                                      "test_metrics": holdout}  # fmt: skip
        bs.save_model(model, args.out, fs, meta, model_version="1")
    print(f"{len(y)} rows, {int(y.sum())} bad; characteristics {', '.join(model.features_)}")
    print(f"hold-out: {meta['holdout']}")
    if "out_of_sample" in meta:
        print(f"out of sample: {meta['out_of_sample']}")
    print(f"written to {args.out} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
