"""Train the packaged starter application scorecard (``creditloop/models/app_scorecard_v1.json``).

Run: ``.venv/bin/python tools/train_starter_model.py --data-dir SIM_OUT [--out FILE] [--version 1]``
where SIM_OUT is a ``creditloop simulate`` run decided WITHOUT a model (rule policy), e.g.
``creditloop simulate --customers 20000 --months 18 --seed 1 --strategy rule-policy --out SIM_OUT``.

What it learns from: the approved applications of months 1-6 (so that twelve months on book are observed), their
model rows as ``strategy.app_features.application_features`` computes them at decision time (one definition), and
bad = 30+ DPD or charged off at any month end within twelve months of the application. Synthetic data from
seed 1, which no evaluation uses (they use 11, 12, 13). It is a starter: a lender replaces it with a model fitted
on its own outcomes (``creditloop scorecard fit`` / ``gbm fit``) and names that in its policy.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
import pandas as pd
from sklearn.metrics import roc_auc_score

from creditloop.scoring import Scorecard
from creditloop.scoring.artifact import save_scorecard
from creditloop.strategy.app_features import FEATURES, application_features
from creditloop.strategy.underwriting import ApplicantFacts

QUERY = """
WITH apps AS (
  SELECT * FROM read_parquet(?) WHERE approved AND month_index <= 6
), outcome AS (
  SELECT a.application_id,
         max(CASE WHEN s.dpd >= 30 OR s.charged_off_minor > 0 OR s.status = 'CHARGED_OFF' THEN 1 ELSE 0 END) AS bad
  FROM apps a JOIN read_parquet(?) s
    ON s.customer_id = a.customer_id AND s.month_index > a.month_index AND s.month_index <= a.month_index + 12
  GROUP BY 1
)
SELECT a.*, o.bad FROM apps a JOIN outcome o USING (application_id)
"""


def training_frame(data_dir: Path) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    rows = (
        duckdb.connect()
        .execute(QUERY, [str(data_dir / "applications.parquet"), str(data_dir / "snapshots.parquet")])
        .fetchdf()
    )
    feats = []
    for r in rows.itertuples():
        facts = ApplicantFacts(
            application_id=r.application_id,
            applied_on=r.applied_on,
            age=int(r.stated_age),
            city_tier=int(r.stated_city_tier),
            household_size=int(r.household_size),
            sector=str(r.stated_sector),
            channel=str(r.channel),
            monthly_income_minor=int(r.stated_income_minor),
            verified_income_minor=None if pd.isna(r.verified_income_minor) else int(r.verified_income_minor),
            monthly_debt_payments_minor=int(r.stated_debt_minor),
            other_lenders=int(r.stated_lenders),
            requested_limit_minor=int(r.requested_limit_minor),
            consent_bureau=bool(r.consent_bureau),
            consent_sharing=bool(r.consent_sharing),
        )
        feats.append(application_features(facts))
    return pd.DataFrame(feats, columns=list(FEATURES)), rows["bad"].astype(int), rows["month_index"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("src/creditloop/models/app_scorecard_v1.json"))
    parser.add_argument("--version", default="1")
    args = parser.parse_args()
    features, y, month = training_frame(args.data_dir)
    train, test = month <= 4, month > 4  # out of time: fit on months 1-4, measure on months 5-6
    model = Scorecard().fit(features[train], y[train])
    auc = roc_auc_score(y[test], model.predict_pd(features[test]))
    save_scorecard(
        model,
        args.out,
        model_version=args.version,
        metadata={
            "model_id": "app-scorecard",
            "description": "Starter application scorecard trained on a synthetic simulator run (seed 1); "
            "replace it with one fitted on your own outcomes.",
            "training_source": "creditloop simulate --customers 20000 --months 18 --seed 1 (rule policy)",
            "label": "30+ DPD or charged off within 12 months of the application",
            "out_of_time_test": {"months": "5-6", "rows": int(test.sum()), "auc": round(float(auc), 4)},
        },
    )
    print(f"{len(y)} rows, {int(y.sum())} bad ({y.mean():.2%}); out-of-time AUC {auc:.3f}; written to {args.out}")
    print(model.summary.to_string())


if __name__ == "__main__":
    main()
