"""Application features: the one definition of what an application model sees, at training and at decision.

Built from ``ApplicantFacts`` only (no name, ID number, phone or device: identifiers are excluded from models by
construction, and protected attributes have no field at all). The simulator's learning lender trains on these
columns and the service layer scores with them, so a model can never be fed a differently computed feature.
Amounts are yuan as floats here because models bin them; money itself stays in fen everywhere else.
"""

from __future__ import annotations

from creditloop.strategy.underwriting import ApplicantFacts

FEATURES: tuple[str, ...] = (
    "age",
    "monthly_income_yuan",
    "debt_to_income",
    "other_lenders",
    "city_tier",
    "household_size",
    "sector",
    "channel",
    "requested_to_income",
    "income_verified",
    "stated_to_verified_income",
)
CATEGORICAL: tuple[str, ...] = ("sector", "channel")


def application_features(facts: ApplicantFacts) -> dict[str, float | int | str | None]:
    """The model row of one application (``None``: missing, which a scorecard scores in its missing bin)."""
    income = facts.monthly_income_minor
    verified = facts.verified_income_minor
    return {
        "age": facts.age,
        "monthly_income_yuan": income / 100,
        "debt_to_income": facts.monthly_debt_payments_minor / income if income else None,
        "other_lenders": facts.other_lenders,
        "city_tier": facts.city_tier,
        "household_size": facts.household_size,
        "sector": facts.sector,
        "channel": facts.channel,
        "requested_to_income": facts.requested_limit_minor / income if income else None,
        "income_verified": 1 if verified is not None else 0,
        "stated_to_verified_income": income / verified if verified else None,
    }
