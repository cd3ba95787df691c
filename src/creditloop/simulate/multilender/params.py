"""The lenders of the multi-lender world and the world's parameters, each with its source or marked assumed.

Lenders differ by their origination policy (the packaged rule policies, ``strategy/origination.py``) and by how
they read a consortium answer. They share the simulator's behaviour model (``simulate/behaviour.py``) and its
savings buffers (``simulate/liquidity.py``). Sources: docs/simulation.md ("Multi-lender simulation")."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Final

from creditloop.consortium.bands import BUCKETS
from creditloop.core.errors import ValidationError
from creditloop.strategy.origination import OriginationPolicy, packaged_policy

MIN_LENDERS: Final = 3
MAX_LENDERS: Final = 8
# A line in default: 90+ days past due, three monthly bills missed (Basel / IFRS 9 backstop); written off at
# 180 days (the house rule, servicing/delinquency.py): six bills missed.
DEFAULT_MISSES: Final = 3
CHARGE_OFF_MISSES: Final = 6
# Further member lenders a customer applies to: the population's own count of lenders (about half of consumer-credit
# users borrow elsewhere, 1 + Poisson(1) lenders: PBoC / industry reports, docs/simulation.md "Parameter sources"),
# capped by the members there are. Spread over the months after the first application: 0-3 months later (assumed;
# stacking is fast: about 4.5 % of online personal-loan takers take another loan the same day, Clarity Services 2016).
FURTHER_LAG_MONTHS: Final = (0, 3)
# Loan-to-pay-loan (以贷养贷, DOMAIN.md §5.5 "repayment from another credit line"): a customer who cannot pay this
# month's member bills and borrows in a loss (Sullivan 2008: low but not nil savings; liquidity.borrows_at_loss)
# applies to one more member lender, at most every DISTRESS_GAP_MONTHS (assumed), and draws the shortfall on it.
DISTRESS_GAP_MONTHS: Final = 3
CASH_PLAN_PERIODS: Final = 12
# An amount band from the consortium becomes a monthly payment elsewhere over this many months (the longest
# installment plan of the simulated product; assumed for lines at other members).
BAND_PAYMENT_MONTHS: Final = 12
APPLICATION_DAYS: Final = 28  # applications fall on day 1..28 of their month


@dataclass(frozen=True, slots=True)
class LenderProfile:
    """One lender: its origination policy and its reading of a consortium answer (used with sharing on)."""

    name: str
    origination: OriginationPolicy
    worst_bucket_accepted: str  # decline an applicant behind by more than this at other members
    max_applications_30d: int  # decline above this many applications at other members in 30 days
    ewi_freeze_bucket: str  # freeze own line when the customer is this far behind elsewhere

    def __post_init__(self) -> None:
        for name in ("worst_bucket_accepted", "ewi_freeze_bucket"):
            if getattr(self, name) not in BUCKETS:
                raise ValidationError(f"{name} must be one of {', '.join(BUCKETS)}", field=name)


def _growth_policy() -> OriginationPolicy:
    base = packaged_policy("origination_v1")
    return replace(
        base,
        policy_id="origination-growth",
        max_debt_to_income_bps=6000,
        max_lenders=8,
        limit_income_multiple=Decimal("2.0"),
    )


def _profiles() -> tuple[LenderProfile, ...]:
    # Prudent, standard and growth books: the packaged strict and default policies, and the default loosened the way
    # a lender chasing volume does (higher DTI and lender caps, a larger multiple). Consortium readings: assumed.
    return (
        LenderProfile("prudent", packaged_policy("origination_strict_v1"), "current", 2, "1-30"),
        LenderProfile("standard", packaged_policy("origination_v1"), "1-30", 4, "31-60"),
        LenderProfile("growth", _growth_policy(), "31-60", 8, "61-90"),
    )


def lender_profiles(count: int) -> tuple[LenderProfile, ...]:
    """``count`` lenders cycling through prudent, standard and growth (``standard-2`` ... beyond three)."""
    if isinstance(count, bool) or not isinstance(count, int) or not MIN_LENDERS <= count <= MAX_LENDERS:
        raise ValidationError(f"lenders must be between {MIN_LENDERS} and {MAX_LENDERS}", field="lenders")
    base = _profiles()
    out = []
    for i in range(count):
        profile = base[i % len(base)]
        out.append(profile if i < len(base) else replace(profile, name=f"{profile.name}-{i // len(base) + 1}"))
    return tuple(out)


def bucket_worse(bucket: str, than: str) -> bool:
    return BUCKETS.index(bucket) > BUCKETS.index(than)
