"""Sharing off and on over several seeds: the runs, their figures and the intervals (``report.summarise``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from typing import Any

from creditloop.core.errors import ValidationError
from creditloop.simulate.multilender.params import lender_profiles
from creditloop.simulate.multilender.report import SYSTEM, run_metrics, summarise
from creditloop.simulate.multilender.world import MultiConfig, run_world

MAX_SEEDS = 30
Progress = Callable[[int, int, int, bool], None]  # (done, total, seed, sharing)


def check_seeds(seeds: Sequence[int]) -> list[int]:
    if not seeds:
        raise ValidationError("name at least one seed", field="seeds")
    if len(seeds) > MAX_SEEDS:
        raise ValidationError(f"at most {MAX_SEEDS} seeds", field="seeds")
    if len(set(seeds)) != len(seeds):
        raise ValidationError("a seed is named twice", field="seeds")
    if any(s < 0 for s in seeds):
        raise ValidationError("seeds must not be negative", field="seeds")
    return list(seeds)


def run_experiment(base: MultiConfig, seeds: Sequence[int], progress: Progress | None = None) -> dict[str, Any]:
    """Each seed with sharing off, then on (the same world both times); every run's figures and the summary."""
    seeds = check_seeds(seeds)
    configs = [replace(base, seed=s, sharing=on) for s in seeds for on in (False, True)]  # all checked first
    runs = []
    for k, cfg in enumerate(configs):
        runs.append(run_metrics(run_world(cfg)))
        if progress is not None:
            progress(k + 1, len(configs), cfg.seed, cfg.sharing)
    return {
        "config": {
            "customers": base.customers,
            "months": base.months,
            "scenario": base.scenario.name,
            "lenders": [
                {"name": p.name, "policy": f"{p.origination.policy_id}@{p.origination.version}", **_reading(p)}
                for p in lender_profiles(base.lenders)
            ],
            "min_members": base.min_members,
            "declare_member_loans": base.declare_member_loans,
            "start_on": base.start_on.isoformat(),
            "seeds": seeds,
        },
        "runs": runs,
        "summary": summarise(runs),
    }


def _reading(profile: Any) -> dict[str, Any]:
    d = asdict(profile)
    return {k: d[k] for k in ("worst_bucket_accepted", "max_applications_30d", "ewi_freeze_bucket")}


def runs_csv(result: dict[str, Any]) -> str:
    """One row per seed, sharing and scope (each lender and the system): the figures of every run."""
    rows = []
    for run in result["runs"]:
        scopes = {**run["lenders"], SYSTEM: run[SYSTEM]}
        for scope, figures in scopes.items():
            rows.append({"seed": run["seed"], "sharing": "on" if run["sharing"] else "off", "scope": scope, **figures})
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
