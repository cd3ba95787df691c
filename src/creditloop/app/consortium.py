"""The member side of the consortium (issue #19) as the service layer sees it: a port, the signal it returns, and
what underwriting and early warning do with it. Off unless a lookup is configured (``Underwriting.consortium``).

The port takes the resident ID because hashing happens on the member side, inside the adapter
(``adapters/consortium_client.py``): the ID never leaves in clear. A lookup never raises and never hangs: when the
consortium is unreachable, slow or refuses, the signal says so (``unavailable``, ``refused``, ``not_asked``), the
decision is taken without it and its trace carries the flag."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Final, Protocol

from creditloop.consortium.bands import BALANCE_BANDS, BUCKETS, band_named
from creditloop.strategy.underwriting import ApplicantFacts, StepTrace, UnderwritingDecision
from creditloop.strategy.underwriting_reasons import UwReason

ANSWER: Final = "answer"  # counts and bands about other members' lines
INSUFFICIENT: Final = "insufficient"  # fewer contributing members than the threshold: nothing known
UNAVAILABLE: Final = "unavailable"  # unreachable, timed out, or an unexpected reply: decided without it
REFUSED: Final = "refused"  # the consortium refused (no consent on record, rate limit, bad key)
NOT_ASKED: Final = "not_asked"  # no consent to ask, or no valid ID to hash
STATUSES: Final = (ANSWER, INSUFFICIENT, UNAVAILABLE, REFUSED, NOT_ASKED)
MULTI_LENDING: Final = UwReason.MULTI_LENDING.value  # borrowing elsewhere beyond the policy's limits
BPS: Final = 10_000


@dataclass(frozen=True, slots=True)
class ConsortiumSignal:
    status: str
    lenders_with_open_lines: int | None = None
    total_balance_band: str | None = None
    worst_bucket: str | None = None
    applications_30d: int | None = None

    def document(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> ConsortiumSignal:
        return cls(
            str(doc["status"]), doc.get("lenders_with_open_lines"), doc.get("total_balance_band"),
            doc.get("worst_bucket"), doc.get("applications_30d"),
        )  # fmt: skip


class ConsortiumLookup(Protocol):
    def lookup(self, resident_id: str, purpose: str, on: date) -> ConsortiumSignal:
        """What the consortium says about the person, for ``purpose``; never raises, never hangs."""
        ...


@dataclass(frozen=True, slots=True)
class MultiLendingPolicy:
    """When borrowing elsewhere refers an application, and what it costs each month (policy data)."""

    max_other_lenders: int = 3  # more lenders with open lines elsewhere: refer
    max_applications_30d: int = 6  # more applications elsewhere in 30 days: refer
    refer_bucket: str = "31-60"  # this bucket or worse elsewhere: refer
    payment_bps_of_balance: int = 300  # a month's payment elsewhere = 3 % of the band's floor (revolving minimum)


def facts_with(facts: ApplicantFacts, signal: ConsortiumSignal, policy: MultiLendingPolicy) -> ApplicantFacts:
    """The declared lenders and debts, raised to what the consortium reports (never lowered: a member sees only
    the others' books, and the applicant may borrow outside the consortium too)."""
    if signal.status != ANSWER or signal.lenders_with_open_lines is None or signal.total_balance_band is None:
        return facts
    floor = band_named(signal.total_balance_band, BALANCE_BANDS).floor
    payments = floor * policy.payment_bps_of_balance // BPS if floor > 0 else 0
    return replace(
        facts,
        other_lenders=max(facts.other_lenders, signal.lenders_with_open_lines),
        monthly_debt_payments_minor=max(facts.monthly_debt_payments_minor, payments),
    )


def _exceeds(signal: ConsortiumSignal, policy: MultiLendingPolicy) -> list[str]:
    if signal.status != ANSWER:
        return []
    found = []
    if (signal.lenders_with_open_lines or 0) > policy.max_other_lenders:
        found.append(f"lenders={signal.lenders_with_open_lines}>{policy.max_other_lenders}")
    if (signal.applications_30d or 0) > policy.max_applications_30d:
        found.append(f"applications_30d={signal.applications_30d}>{policy.max_applications_30d}")
    bucket = signal.worst_bucket or BUCKETS[0]
    if BUCKETS.index(bucket) >= BUCKETS.index(policy.refer_bucket):
        found.append(f"worst_bucket={bucket}>={policy.refer_bucket}")
    return found


def with_signal(
    decision: UnderwritingDecision, signal: ConsortiumSignal, policy: MultiLendingPolicy
) -> UnderwritingDecision:
    """The decision with a CONSORTIUM trace row; an approval referred (limit 0) with MULTI_LENDING first when the
    consortium's counts exceed the policy. A missing signal only flags the trace: the decision stands."""
    over = _exceeds(signal, policy)
    observed = signal.status if signal.status != ANSWER else (
        f"lenders={signal.lenders_with_open_lines};band={signal.total_balance_band};"
        f"bucket={signal.worst_bucket};apps30={signal.applications_30d}"
    )  # fmt: skip
    threshold = (
        f"lenders<={policy.max_other_lenders};apps30<={policy.max_applications_30d};bucket<{policy.refer_bucket}"
    )
    outcome = "refer" if over else ("pass" if signal.status == ANSWER else "flag")
    row = StepTrace("CONSORTIUM", observed, threshold, outcome)
    trace = (*decision.trace[:-1], row, decision.trace[-1])  # before the DECISION row
    if not over or decision.decision == "decline":
        reasons = (*decision.reasons, MULTI_LENDING) if over else decision.reasons
        return replace(decision, trace=trace, reasons=reasons)
    last = decision.trace[-1]
    final = StepTrace(last.step, "refer", last.threshold, "refer")
    reasons = (MULTI_LENDING,) if decision.decision == "approve" else (MULTI_LENDING, *decision.reasons)
    return replace(decision, decision="refer", limit_minor=0, reasons=reasons, trace=(*trace[:-1], final))


def other_lenders(signal: ConsortiumSignal) -> int | None:
    """The early-warning ``other_lenders`` feature from a signal (None: not known, as without a consortium)."""
    return signal.lenders_with_open_lines if signal.status == ANSWER else None


def early_warning_lenders(lookup: ConsortiumLookup | None, resident_id: str | None, on: date) -> int | None:
    """A month end's ``other_lenders`` (the panel column; ``monitoring.online.AccountState.month_end``), asked
    for purpose ``early_warning``: new borrowing elsewhere then shows in ``other_lenders_change_3m`` and the
    EWI_NEW_LENDER rule. None when no consortium is configured, the customer's ID is not known to the caller (the
    ledger keeps none: the member's customer file does), or the consortium cannot say."""
    if lookup is None or resident_id is None:
        return None
    return other_lenders(lookup.lookup(resident_id, "early_warning", on))
