"""What a decision derives from the form (``ApplicantFacts``): the business date and the age.

Kept apart from ``strategy.checks`` because ``strategy.underwriting`` (which defines ``ApplicantFacts``)
imports ``CheckResult`` from there.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from zoneinfo import ZoneInfo

from creditloop.strategy.application import ApplicationForm
from creditloop.strategy.underwriting import ApplicantFacts

BUSINESS_TZ = "Asia/Shanghai"


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def age_on(born: date, on: date) -> int:
    """Whole years from ``born`` to ``on`` (a 29 February birthday counts from 1 March in common years)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def derive_facts(form: ApplicationForm, business_tz: str = BUSINESS_TZ) -> ApplicantFacts:
    """The decision's facts: applied_on is applied_at's calendar date in the business time zone; age in whole
    years at applied_on from the STATED birth date (the ID's birth date is compared by BIRTH_DATE_MISMATCH)."""
    applied_on = form.applied_at.astimezone(_zone(business_tz)).date()
    return ApplicantFacts(
        application_id=form.application_id,
        applied_on=applied_on,
        age=age_on(form.birth_date, applied_on),
        city_tier=form.city_tier,
        household_size=form.household_size,
        sector=form.sector,
        channel=form.channel,
        monthly_income_minor=form.monthly_income,
        verified_income_minor=form.verified_income,
        monthly_debt_payments_minor=form.monthly_debt_payments,
        other_lenders=form.other_lenders,
        requested_limit_minor=form.requested_limit,
        consent_bureau=form.consent_bureau,
        consent_sharing=form.consent_sharing,
    )
