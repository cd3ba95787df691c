"""Read side of underwriting: replay a stored decision byte for byte, its notice, and the report by arm."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from creditloop.app.consortium import ConsortiumSignal, MultiLendingPolicy
from creditloop.app.ports import StoredDecision, UnitOfWork
from creditloop.app.underwriting import canonical, decision_document, decision_from_json, derive
from creditloop.app.underwriting_setup import BUSINESS_TZ, setup_for
from creditloop.core.errors import NotFound
from creditloop.strategy.application import ApplicationForm
from creditloop.strategy.notices import notice
from creditloop.strategy.velocity import VelocitySnapshot, WindowCounts


@dataclass(frozen=True, slots=True)
class ReplayResult:
    decision_id: str
    identical: bool
    outcome: str
    stored: str
    replayed: str


def stored_decision(uow: UnitOfWork, decision_id: str) -> StoredDecision:
    key = decision_id if decision_id.startswith("underwriting/") else f"underwriting/{decision_id}"
    with uow:
        found = uow.decisions.get(key)
    if found is None:
        raise NotFound(f"no decision {key!r} in this ledger", field="decision_id")
    return found


def snapshot_from(doc: dict[str, Any]) -> VelocitySnapshot:
    windows = tuple(WindowCounts(**w) for w in doc.pop("windows"))
    return VelocitySnapshot(windows=windows, **doc)


def replay_decision(
    uow: UnitOfWork, decision_id: str, model_paths: list[Path], policy_paths: list[Path] | None = None
) -> ReplayResult:
    """Re-derive from the stored inputs (form, velocity snapshot, arm) under the recorded policy and model."""
    stored = stored_decision(uow, decision_id)
    inputs = json.loads(stored.inputs_json)
    form = ApplicationForm.model_validate(inputs["form"])
    setup = setup_for(
        stored.policy_id, stored.policy_version, stored.model_id, stored.model_version, model_paths, policy_paths or ()
    )
    asked = inputs.get("consortium")  # present when a consortium was configured (issue #19)
    signal = None if asked is None else ConsortiumSignal.from_document(asked["signal"])
    multi = None if asked is None else MultiLendingPolicy(**asked["policy"])
    decision = derive(form, snapshot_from(inputs["velocity"]), setup, inputs["arm"], BUSINESS_TZ, None, signal, multi)
    replayed = canonical(decision_document(decision))
    return ReplayResult(
        stored.decision_id, replayed == stored.decision_json, stored.outcome, stored.decision_json, replayed
    )


def decision_notice(uow: UnitOfWork, decision_id: str) -> dict[str, str]:
    decision = decision_from_json(stored_decision(uow, decision_id).decision_json)
    return {"zh": notice(decision, "zh"), "en": notice(decision, "en")}


def arm_report(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Per arm: applications, approval rate, 30+ DPD or charged off among approved lines (as of the ledger's
    last day-end), and charged-off amount."""
    tally: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"applications": 0, "approve": 0, "refer": 0, "decline": 0, "dpd30": 0, "charged_off_minor": 0}
    )
    with uow:
        for d in uow.decisions.list():
            t = tally[d.arm]
            t["applications"] += 1
            t[d.outcome] += 1
            if d.line_id is None:
                continue
            try:
                line = uow.lines.get(d.line_id)
            except NotFound:
                continue
            t["dpd30"] += int(line.dpd >= 30 or line.charged_off_minor > 0)
            t["charged_off_minor"] += line.charged_off_minor
    return [
        {
            "arm": arm,
            **t,
            "approval_rate": t["approve"] / t["applications"] if t["applications"] else 0.0,
            "dpd30_rate": t["dpd30"] / t["approve"] if t["approve"] else 0.0,
        }
        for arm, t in sorted(tally.items())
    ]
