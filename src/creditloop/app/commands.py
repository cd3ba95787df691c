"""Commands: what the CLI, the API and the simulator ask the system to do. Plain immutable data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from creditloop.strategy.origination import Applicant


@dataclass(frozen=True, slots=True)
class SubmitApplication:
    application_id: str
    customer_id: str
    applicant: Applicant
    applied_on: date


@dataclass(frozen=True, slots=True)
class OpenLine:
    line_id: str
    customer_id: str
    limit_minor: int
    opened_on: date


@dataclass(frozen=True, slots=True)
class Purchase:
    purchase_id: str
    line_id: str
    amount_minor: int
    periods: int
    on: date


@dataclass(frozen=True, slots=True)
class Refund:
    refund_id: str
    line_id: str
    purchase_id: str
    amount_minor: int
    on: date


@dataclass(frozen=True, slots=True)
class Repay:
    payment_id: str
    line_id: str
    amount_minor: int
    on: date


@dataclass(frozen=True, slots=True)
class RunDayEnd:
    business_date: date
    reconcile: bool = True


@dataclass(frozen=True, slots=True)
class RequestHardship:
    """Assess a delinquent customer for a term extension and, if ``accept`` and eligible, apply it."""

    request_id: str
    line_id: str
    on: date
    monthly_income_minor: int
    monthly_other_debt_minor: int
    accept: bool = True


Command = SubmitApplication | OpenLine | Purchase | Refund | Repay | RunDayEnd | RequestHardship
