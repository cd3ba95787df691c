"""The learning lender: fit a scorecard on the first cohorts' outcomes, save it, deploy it for later applicants.

For the first ``fit_after_month`` months the lender decides with the checks and the rule policy. At the end of
that month it builds a training table from what it knew THEN (no look-ahead):

- rows: the approved applications of months ``1 .. fit_after_month - min_months_on_book`` (each has been on
  book at least ``min_months_on_book`` month ends; later cohorts are too young to have shown anything);
- features: the model row of each application as the decision computed it when the application arrived
  (``strategy.app_features.application_features`` of the derived facts: the one definition used at training
  and at decision; the scorecard's ``protected="auto"`` leaves age out);
- label: bad = 30+ DPD or charged off at any month end up to ``fit_after_month`` (snapshot rows of later
  months are ignored even when given, tested).

Declined applicants have no outcome (no reject inference): the model learns on the approved book, as a
lender's first scorecard does. It needs the [scoring] extra (pandas, scikit-learn); without it the fit raises
``MissingExtra`` naming ``pip install 'creditloop[scoring]'``.

Block-parallel runs: each block fits on its own cohorts (``block_size`` customers, 5,000 by default), at the
same month, without waiting for the others. Fitting once between phases would need a barrier across worker
processes and a second pass over every block; per-block fits keep each block a function of the seed alone
(byte-identical outputs whatever the number of workers) at the price of a model learned on 5,000 customers
instead of all of them. Each block's model file is named by block.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from creditloop._extras import require_extra
from creditloop.core.errors import ValidationError

log = logging.getLogger(__name__)

CATEGORICAL = ("sector", "channel")
BAD_DPD = 30


@dataclass(frozen=True, slots=True)
class LearningPlan:
    """When and how the learning lender fits its model."""

    fit_after_month: int = 6
    min_months_on_book: int = 3
    model_id: str = "sim-learned-scorecard"
    min_bads: int = 20  # fewer bad outcomes than this: keep the rule policy (a model on 5 bads is noise)

    def __post_init__(self) -> None:
        if self.fit_after_month < 2:
            raise ValidationError("fit_after_month must be at least 2", field="fit_after_month")
        if not 1 <= self.min_months_on_book < self.fit_after_month:
            raise ValidationError(
                "min_months_on_book must be at least 1 and below fit_after_month", field="min_months_on_book"
            )


@dataclass(frozen=True, slots=True)
class TrainingTable:
    application_ids: tuple[str, ...]
    rows: tuple[Mapping[str, Any], ...]  # the model rows recorded at application time
    bad: tuple[int, ...]
    as_of_month: int

    @property
    def bads(self) -> int:
        return sum(self.bad)


def training_table(
    applications: Iterable[Mapping[str, Any]],
    snapshots: Iterable[Mapping[str, Any]],
    features: Mapping[str, Mapping[str, Any]],
    as_of_month: int,
    plan: LearningPlan,
) -> TrainingTable:
    """The approved cohorts old enough at ``as_of_month``, with their outcome as known at that month end.

    ``applications`` and ``snapshots`` are rows of applications.parquet and snapshots.parquet; ``features``
    maps an application id to its model row."""
    last_cohort = as_of_month - plan.min_months_on_book
    cohort = [
        a
        for a in applications
        if a["month_index"] <= last_cohort and a.get("decision", "approve" if a.get("approved") else "") == "approve"
    ]
    bad_lines: set[str] = set()
    for s in snapshots:
        if s["month_index"] > as_of_month:
            continue  # not known at the fit date
        if s["dpd"] >= BAD_DPD or s["status"] == "CHARGED_OFF":
            bad_lines.add(s["line_id"])
    cohort.sort(key=lambda a: a["application_id"])
    rows = tuple(features[a["application_id"]] for a in cohort)
    bad = tuple(int(f"L-{a['customer_id']}" in bad_lines) for a in cohort)
    return TrainingTable(tuple(a["application_id"] for a in cohort), rows, bad, as_of_month)


def fit_scorecard(table: TrainingTable) -> Any:
    """A ``creditloop.scoring.Scorecard`` fitted on the table (needs the [scoring] extra)."""
    require_extra("scoring", "pandas", "sklearn", "scipy")
    import pandas as pd

    from creditloop.scoring import Scorecard

    frame = pd.DataFrame(list(table.rows))
    categorical = [c for c in CATEGORICAL if c in frame.columns]
    for col in frame.columns:
        if col not in categorical:
            frame[col] = frame[col].astype("float64")  # None -> NaN: the scorecard's missing bin
    model = Scorecard(
        binning_params={"categorical": categorical},
        protected="auto",
        max_psi=None,  # the cohorts span a few months only
        attribute_penalty=None,  # a plain WoE scorecard: a few dozen bads do not support per-attribute points
        min_iv=0.02,
    )
    return model.fit(frame, pd.Series(table.bad, name="bad"), target_name="bad")


def model_version(table: TrainingTable, block: int) -> str:
    """Deterministic: the month, the block and a digest of the training rows."""
    digest = hashlib.sha256(repr((table.application_ids, table.bad)).encode()).hexdigest()[:10]
    return f"m{table.as_of_month:02d}-b{block:04d}-{digest}"


def fit_and_save(table: TrainingTable, plan: LearningPlan, out_dir: Path, block: int) -> tuple[Path, str] | None:
    """Fit, save the scorecard JSON under ``out_dir/models`` and return (path, version); None when the table
    has too few bads or nothing predicts (the lender keeps the rule policy, and the summary says why)."""
    if table.bads < plan.min_bads:
        log.info(
            "learning lender: %d bads at month %d, below %d: no model", table.bads, table.as_of_month, plan.min_bads
        )
        return None
    try:
        model = fit_scorecard(table)
    except ValidationError as exc:
        log.info("learning lender: no model at month %d: %s", table.as_of_month, exc)
        return None
    from creditloop.scoring.artifact import save_scorecard

    version = model_version(table, block)
    folder = out_dir / "models"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{plan.model_id}-{version}.json"
    save_scorecard(
        model,
        path,
        model_version=version,
        metadata={
            "model_id": plan.model_id,
            "fit_after_month": table.as_of_month,
            "rows": len(table.rows),
            "bads": table.bads,
            "block": block,
            "label": f"{BAD_DPD}+ DPD or charged off by month {table.as_of_month}",
        },
    )
    return path, version
