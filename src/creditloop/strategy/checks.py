"""Application checks: fabricated or inconsistent data, velocity and identity reuse (CONTRACT; see helper brief).

Each check has a stable code (``CheckCode``), reads the form, the derived facts and the velocity snapshot, and
yields an outcome: pass, refer (a person looks) or decline. Thresholds live in a versioned policy document
(``policies/checks_v1.json``). The result carries what was observed and the threshold, for the audit trace,
but never a personal value (no ID number, phone or name in ``observed``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    PASS = "pass"
    REFER = "refer"
    DECLINE = "decline"


OUTCOME_RANK = {Outcome.PASS: 0, Outcome.REFER: 1, Outcome.DECLINE: 2}


@dataclass(frozen=True, slots=True)
class CheckResult:
    code: str  # stable, e.g. ID_CHECK_DIGIT, VELOCITY_DEVICE_30D
    outcome: Outcome
    observed: str  # no personal data: counts, ratios, "invalid", ...
    threshold: str


def worst(results: tuple[CheckResult, ...]) -> Outcome:
    """The strongest outcome over all checks (decline > refer > pass)."""
    best = Outcome.PASS
    for r in results:
        if OUTCOME_RANK[r.outcome] > OUTCOME_RANK[best]:
            best = r.outcome
    return best


def flags(results: tuple[CheckResult, ...]) -> tuple[str, ...]:
    """Codes of the checks that did not pass, in check order (the ``check_flags`` column)."""
    return tuple(r.code for r in results if r.outcome is not Outcome.PASS)
