"""IFRS 9 staging, month by month: stage 1 (12-month ECL), stage 2 (SICR, lifetime ECL), stage 3 (credit-impaired),
with default cure probation and forborne probation (DOMAIN.md §4.2; docs/risk.md "IFRS 9 staging").

A pure function of last month's ``StagingState`` and this month's ``MonthFacts``: no clock, no I/O, so the same
rules run in the nightly job, over a simulated panel or in a back-test. Every result carries the reasons that put
the account in its stage (an audit trail for the stage-movement table).

Regulatory anchors, each a rule parameter (``StagingRules``) rather than a constant buried in code:

- SICR backstop: **more than 30 DPD** (IFRS 9 5.5.11; 30 -> no, 31 -> yes, ``delinquency_codes.json``).
- SICR by relative PD increase (5.5.9): current PD at least ``sicr_pd_ratio`` times the PD at initial recognition
  *and* at least ``sicr_pd_abs`` higher. Both thresholds are policy choices (IFRS 9 sets none; 2x and 0.5 pp are
  common); the 12-month PD may stand in for the lifetime PD (B5.5.13).
- Default (stage 3): **more than 90 DPD on a material obligation** (B5.5.37; CRR Art. 178), unlikely to pay,
  charged off, or a distressed restructuring whose diminished financial obligation exceeds 1 % (EBA/GL/2016/07).
- Cure: back to performing only after ``cure_months`` (3) months with no default trigger, ``forborne_cure_months``
  (12) when the default came with forbearance (EBA/GL/2016/07 ch. 7). Charge-off never cures.
- Forborne: a performing forborne exposure stays in stage 2 through a ``forborne_probation_months`` (24) probation
  (FINREP Annex V); a formerly non-performing forborne exposure that is granted a new forbearance or goes more
  than 30 DPD during that probation is non-performing again (stage 3).
- A general payment moratorium (EBA/GL/2020/02) is not by itself forbearance, SICR or default: the flag is
  recorded and triggers nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace

from creditloop.core.errors import ValidationError

STAGES = (1, 2, 3)


@dataclass(frozen=True, slots=True)
class StagingRules:
    sicr_dpd: int = 30  # SICR when dpd > this
    default_dpd: int = 90  # default when dpd > this (and the past-due amount is material)
    sicr_pd_ratio: float = 2.0
    sicr_pd_abs: float = 0.005
    cure_months: int = 3
    forborne_cure_months: int = 12
    forborne_probation_months: int = 24
    forborne_is_sicr: bool = True  # a performing forborne exposure is stage 2 during its probation

    def __post_init__(self) -> None:
        for name in ("sicr_dpd", "default_dpd", "cure_months", "forborne_cure_months", "forborne_probation_months"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValidationError(f"{name} must be a non-negative integer, got {value!r}", field=name)
        if self.default_dpd < self.sicr_dpd:
            raise ValidationError("default_dpd must not be below sicr_dpd", field="default_dpd")
        if not self.sicr_pd_ratio >= 1.0:
            raise ValidationError(f"sicr_pd_ratio must be at least 1, got {self.sicr_pd_ratio}", field="sicr_pd_ratio")
        if not 0.0 <= self.sicr_pd_abs <= 1.0:
            raise ValidationError(f"sicr_pd_abs must be in [0, 1], got {self.sicr_pd_abs}", field="sicr_pd_abs")


@dataclass(frozen=True, slots=True)
class MonthFacts:
    """What servicing and scoring know about one account at a month end."""

    dpd: int
    material: bool = True  # the past-due amount passes the materiality thresholds (``is_material``)
    charged_off: bool = False
    unlikely_to_pay: bool = False
    pd: float | None = None  # current PD (lifetime, or 12-month as a proxy)
    pd_at_origination: float | None = None  # the same PD at initial recognition
    forbearance_granted: bool = False  # a forbearance measure was granted this month
    dfo_above_threshold: bool = False  # that forbearance diminished the obligation by more than 1 % (NPV)
    general_moratorium: bool = False  # recorded only: not forbearance, SICR or default by itself


@dataclass(frozen=True, slots=True)
class StagingState:
    stage: int = 1
    months_without_trigger: int = 0  # in stage 3: the cure probation so far
    cure_needed: int = 0  # in stage 3: months of probation needed to leave it
    forborne_months: int | None = None  # months into the forborne probation; None when not forborne
    forborne_was_non_performing: bool = False  # a non-performing forborne exposure, now in its probation
    charged_off: bool = False
    reasons: tuple[str, ...] = ()


INITIAL = StagingState()


def is_material(past_due_minor: int, exposure_minor: int, *, absolute_minor: int, relative_bps: int = 100) -> bool:
    """Both materiality thresholds passed: the amount past due exceeds ``absolute_minor`` (EUR 100 for retail in
    the EU, in the book's currency here) and ``relative_bps`` of the exposure (1 %; Delegated Reg. 2018/171)."""
    for name, value in (("past_due_minor", past_due_minor), ("exposure_minor", exposure_minor)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError(f"{name} must be a non-negative integer, got {value!r}", field=name)
    return past_due_minor > absolute_minor and past_due_minor * 10_000 > relative_bps * exposure_minor


def _check(facts: MonthFacts) -> None:
    if isinstance(facts.dpd, bool) or not isinstance(facts.dpd, int) or facts.dpd < 0:
        raise ValidationError(f"dpd must be a non-negative integer, got {facts.dpd!r}", field="dpd")
    for name in ("pd", "pd_at_origination"):
        value = getattr(facts, name)
        if value is not None and not 0.0 <= value <= 1.0:
            raise ValidationError(f"{name} must be in [0, 1], got {value}", field=name)
    if facts.dfo_above_threshold and not facts.forbearance_granted:
        raise ValidationError("dfo_above_threshold needs forbearance_granted", field="dfo_above_threshold")


def _default_triggers(prev: StagingState, facts: MonthFacts, rules: StagingRules) -> list[str]:
    found = []
    if facts.charged_off or prev.charged_off:
        found.append("charged_off")
    if facts.dpd > rules.default_dpd and facts.material:
        found.append(f"dpd>{rules.default_dpd}")
    if facts.unlikely_to_pay:
        found.append("unlikely_to_pay")
    if facts.dfo_above_threshold:
        found.append("distressed_restructuring")
    in_probation = prev.forborne_months is not None and prev.forborne_was_non_performing and prev.stage != 3
    if in_probation and facts.forbearance_granted:
        found.append("re_forborne_in_probation")
    if in_probation and facts.dpd > rules.sicr_dpd:
        found.append(f"forborne_probation_dpd>{rules.sicr_dpd}")
    return found


def _sicr_triggers(forborne_months: int | None, facts: MonthFacts, rules: StagingRules) -> list[str]:
    found = []
    if facts.dpd > rules.sicr_dpd:
        found.append(f"dpd>{rules.sicr_dpd}")
    if facts.pd is not None and facts.pd_at_origination is not None:
        ratio_hit = facts.pd >= rules.sicr_pd_ratio * facts.pd_at_origination
        if ratio_hit and facts.pd - facts.pd_at_origination >= rules.sicr_pd_abs:
            found.append("pd_increase")
    if rules.forborne_is_sicr and forborne_months is not None:
        found.append("forborne_probation")
    return found


def next_state(prev: StagingState, facts: MonthFacts, rules: StagingRules = StagingRules()) -> StagingState:
    """This month's stage from last month's state and this month's facts."""
    _check(facts)
    forborne = prev.forborne_months
    if forborne is not None:
        forborne += 1
    defaults = _default_triggers(prev, facts, rules)
    if facts.forbearance_granted:
        forborne = 0  # a new measure restarts the probation
    if defaults:
        with_forbearance = facts.forbearance_granted or forborne is not None
        return StagingState(
            stage=3,
            months_without_trigger=0,
            cure_needed=rules.forborne_cure_months if with_forbearance else rules.cure_months,
            forborne_months=forborne,
            forborne_was_non_performing=with_forbearance or prev.forborne_was_non_performing,
            charged_off=prev.charged_off or facts.charged_off,
            reasons=tuple(defaults),
        )
    if prev.stage == 3:
        months = prev.months_without_trigger + 1
        if months < prev.cure_needed:
            return replace(prev, months_without_trigger=months, forborne_months=forborne,
                           reasons=(f"cure_probation {months}/{prev.cure_needed}",))  # fmt: skip
        if prev.forborne_months is not None or prev.forborne_was_non_performing:
            forborne = 0  # cured non-performing forborne: the two-year performing probation starts now
    if forborne is not None and forborne >= rules.forborne_probation_months:
        forborne = None  # probation served: no longer forborne
    was_npf = prev.forborne_was_non_performing and forborne is not None
    sicr = _sicr_triggers(forborne, facts, rules)
    return StagingState(
        stage=2 if sicr else 1,
        forborne_months=forborne,
        forborne_was_non_performing=was_npf,
        reasons=tuple(sicr) if sicr else ("performing",),
    )


def stage_movements(
    before: Mapping[Hashable, int], after: Mapping[Hashable, int], weights: Mapping[Hashable, int] | None = None
) -> dict[tuple[int | None, int | None], int]:
    """Counts (or, with ``weights`` such as balances in minor units, sums) of accounts by (stage before, stage
    after); ``None`` marks an account that is new this period or gone (repaid, sold, written off the book)."""
    table: Counter[tuple[int | None, int | None]] = Counter()
    for key in before.keys() | after.keys():
        stages = (before.get(key), after.get(key))
        for s in stages:
            if s is not None and s not in STAGES:
                raise ValidationError(f"stage must be 1, 2 or 3, got {s!r} for {key!r}", field="stage")
        table[stages] += 1 if weights is None else weights.get(key, 0)
    return dict(table)
