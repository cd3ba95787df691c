"""Collections segments, the self-cure likelihood and the collections policy document (issue 15).

Segments by days past due: ``early`` 1-30, ``late`` 31-90, ``recovery`` over 90 or charged off (the bounds are
in ``policies/collections_v2.json``; v1 stays loadable). The self-cure likelihood is the behaviour score's
``1 - PD`` when the panel has one; otherwise a policy-set logistic function of behaviour (days past due,
payments in the last 90 days, kept and broken promises) whose coefficients are written in the document: set by
judgement, not fitted, and to be reviewed against observed cures (``docs/collections.md``). Probabilities are
floats; money stays in fen.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from creditloop.collections.conduct_policy import CHANNELS
from creditloop.core.documents import check_keys, get_decimal, get_int, get_str
from creditloop.core.errors import ValidationError

SEGMENTS = ("current", "early", "late", "recovery")
# ``ewi_referral``: an early-warning alert referred the line (``ActOnAlert`` collections_referral) within the
# policy's ``referral_days``; such a line is queued even while current (pre-delinquency outreach).
CONDITIONS = ("ptp_due", "ptp_broken", "ewi_referral", *(f"segment:{s}" for s in SEGMENTS))


@dataclass(frozen=True, slots=True)
class SelfCure:
    intercept: Decimal
    per_dpd: Decimal
    per_recent_payment: Decimal
    per_kept_promise: Decimal
    per_broken_promise: Decimal
    recent_payments_cap: int


@dataclass(frozen=True, slots=True)
class CollectionsPolicy:
    policy_id: str
    version: str
    early_max_dpd: int
    late_max_dpd: int
    self_cure: SelfCure
    tiers: tuple[tuple[str, int], ...]  # (condition, tier): the first that holds decides; lower works first
    default_tier: int
    ladders: Mapping[str, tuple[str, ...]]  # segment -> channels in escalation order
    wait_hours: Mapping[str, int]  # a channel used within this many hours is not used again: escalate
    promise_max_days: int
    broken_promise_days: int
    plan_within_hours: int  # the first rung of the ladder allowed within this wins over a later, earlier one
    referral_days: int = 0  # an early-warning referral queues the line for this many days (0: referrals ignored)

    @property
    def key(self) -> str:
        return f"{self.policy_id}@{self.version}"


@dataclass(frozen=True, slots=True)
class Behaviour:
    """What the self-cure function reads about a case (no personal data)."""

    dpd: int
    charged_off: bool = False
    recent_payments: int = 0  # payments in the last 90 days
    kept_promises: int = 0
    broken_promises: int = 0
    behaviour_pd: float | None = None  # the behaviour score's PD when the panel has one


def segment_of(dpd: int, charged_off: bool, policy: CollectionsPolicy) -> str:
    if charged_off or dpd > policy.late_max_dpd:
        return "recovery"
    if dpd > policy.early_max_dpd:
        return "late"
    return "early" if dpd > 0 else "current"


def self_cure(b: Behaviour, policy: CollectionsPolicy) -> float:
    """Likelihood that the case cures without contact, in [0, 1]; a charged-off case does not self-cure."""
    if b.charged_off:
        return 0.0
    if b.behaviour_pd is not None:
        if not 0.0 <= b.behaviour_pd <= 1.0:
            raise ValidationError(f"behaviour_pd must lie in [0, 1], got {b.behaviour_pd}", field="behaviour_pd")
        return 1.0 - b.behaviour_pd
    c = policy.self_cure
    z = (
        c.intercept + c.per_dpd * b.dpd + c.per_recent_payment * min(b.recent_payments, c.recent_payments_cap)
        + c.per_kept_promise * b.kept_promises + c.per_broken_promise * b.broken_promises
    )  # fmt: skip
    return 1.0 / (1.0 + math.exp(-float(z)))


def _ladders(doc: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    value = doc.get("ladders")
    if not isinstance(value, Mapping):
        raise ValidationError("ladders must be a JSON object", field="ladders")
    out = {}
    for segment in SEGMENTS:
        channels = value.get(segment)
        if segment == "current" and channels is None:
            continue  # optional: a referred current line without its own ladder walks the early one
        if not isinstance(channels, list) or not channels or any(c not in CHANNELS for c in channels):
            raise ValidationError(f"ladders.{segment} must list channels of {', '.join(CHANNELS)}",
                                  field=f"ladders.{segment}")  # fmt: skip
        out[segment] = tuple(channels)
    return out


def _tiers(doc: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
    value = doc.get("tiers")
    if not isinstance(value, list):
        raise ValidationError("tiers must be a list", field="tiers")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, Mapping) or item.get("when") not in CONDITIONS:
            raise ValidationError(f"tiers[{i}].when must be one of {', '.join(CONDITIONS)}", field=f"tiers[{i}].when")
        out.append((str(item["when"]), get_int(item, "tier", lo=0, hi=99)))
    return tuple(out)


def _object(doc: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = doc.get(name)
    if not isinstance(value, Mapping):
        raise ValidationError(f"{name} must be a JSON object", field=name)
    return value


def read_collections_policy(doc: Mapping[str, Any]) -> CollectionsPolicy:
    keys = {"policy_id", "version", "description", "segments", "self_cure", "tiers", "default_tier", "ladders",
            "wait_hours", "promise_max_days", "broken_promise_days", "plan_within_hours", "referral_days"}  # fmt: skip
    check_keys(doc, frozenset(keys))
    seg, cure, wait = _object(doc, "segments"), _object(doc, "self_cure"), _object(doc, "wait_hours")
    early = get_int(seg, "early_max_dpd", lo=1, hi=365)
    names = ("intercept", "per_dpd", "per_recent_payment", "per_kept_promise", "per_broken_promise")
    coef = {n: get_decimal(cure, n, lo=Decimal(-50), hi=Decimal(50)) for n in names}
    return CollectionsPolicy(
        policy_id=get_str(doc, "policy_id"), version=get_str(doc, "version"), early_max_dpd=early,
        late_max_dpd=get_int(seg, "late_max_dpd", lo=early + 1, hi=720),
        self_cure=SelfCure(**coef, recent_payments_cap=get_int(cure, "recent_payments_cap", lo=0, hi=100)),
        tiers=_tiers(doc), default_tier=get_int(doc, "default_tier", lo=0, hi=99), ladders=_ladders(doc),
        wait_hours={c: get_int(wait, c, lo=0, hi=24 * 90) for c in CHANNELS},
        promise_max_days=get_int(doc, "promise_max_days", lo=1, hi=365),
        broken_promise_days=get_int(doc, "broken_promise_days", lo=1, hi=365),
        plan_within_hours=get_int(doc, "plan_within_hours", lo=0, hi=24 * 31),
        referral_days=get_int(doc, "referral_days", lo=0, hi=365) if "referral_days" in doc else 0,
    )  # fmt: skip


def load_collections_policy(path: str | Path) -> CollectionsPolicy:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"collections policy file {path}: cannot be read ({exc})", field="<document>") from None
    return read_collections_policy(doc)


def default_collections_policy() -> CollectionsPolicy:
    text = resources.files("creditloop.collections").joinpath("policies/collections_v2.json").read_text("utf-8")
    return read_collections_policy(json.loads(text))
