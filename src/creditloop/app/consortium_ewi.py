"""The consortium in the nightly early-warning run (issue #19): ask about the customers of the lines evaluated, fill
``other_lenders`` and ``other_lenders_change_3m``, never hang, say in the run's summary what was asked.

The run holds no resident ID: each customer's pseudonyms come from the member's file (``MemberDirectory``, filled at
onboarding), so nothing is hashed here and no clear ID exists in the process. Each customer is asked once per run
(purpose ``early_warning``; the consents one by one, the questions 50 to a ``POST /queries/batch``), through a client
that never raises and gives up on a request after its timeout; a whole-run budget (``budget_s``), checked before
each customer, bounds the total, and once the consortium is unavailable the client's open circuit answers the
remaining customers at once. Customers not asked, not enrolled or not answered keep ``other_lenders``
unknown (None), exactly as without a consortium; the summary flags a run that went without it, wholly or in part.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from creditloop.app.consortium import ANSWER, REFUSED, UNAVAILABLE, ConsortiumSignal

PURPOSE = "early_warning"
NOT_ENROLLED = "not_enrolled"  # no pseudonym on file for the customer: not asked
OVER_BUDGET = "over_budget"  # the run's consortium budget was spent: not asked
CHANGE_MONTHS = 3  # other_lenders_change_3m: this month's count less the count three months before


class PseudonymAsk(Protocol):
    def ask(self, pseudonyms: Mapping[str, str], purpose: str, on: date) -> ConsortiumSignal: ...

    def ask_many(
        self, subjects: Sequence[Mapping[str, str]], purpose: str, on: date, stop: Callable[[], bool] | None = None
    ) -> list[ConsortiumSignal | None]: ...


class MemberDirectory(Protocol):
    def pseudonyms(self, customer_ids: Iterable[str], on: date) -> dict[str, dict[str, str]]: ...

    def record(self, answers: Mapping[str, int], month: str, on: date) -> None: ...

    def lenders(self, customer_ids: Iterable[str], months: Iterable[str]) -> dict[tuple[str, str], int]: ...


@dataclass(slots=True)
class ConsortiumRun:
    """What the run asked and heard; ``flagged`` when some customer went without the consortium for want of it."""

    customers: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def flagged(self) -> bool:
        return bool(self.statuses[UNAVAILABLE] + self.statuses[OVER_BUDGET] + self.statuses[REFUSED])

    def to_dict(self) -> dict[str, Any]:
        return {"customers": self.customers, "statuses": dict(sorted(self.statuses.items())),
                "flagged": self.flagged, "seconds": round(self.seconds, 3)}  # fmt: skip


def _spent(monotonic: Callable[[], float], started: float, budget_s: float) -> Callable[[], bool]:
    return lambda: monotonic() - started > budget_s


def months_back(month: str, n: int) -> str:
    year, mon = int(month[:4]), int(month[5:7]) - n
    while mon < 1:
        year, mon = year - 1, mon + 12
    return f"{year:04d}-{mon:02d}"


@dataclass(frozen=True, slots=True)
class EarlyWarningConsortium:
    client: PseudonymAsk
    directory: MemberDirectory
    budget_s: float = 60.0
    monotonic: Callable[[], float] = time.monotonic
    batch: bool = True  # the questions 50 to a request (``ask_many``); False: one request per customer (``ask``)

    def lenders_features(
        self, customers: Mapping[str, str], month: str, on: date
    ) -> tuple[dict[str, dict[str, float | None]], ConsortiumRun]:
        """line -> {other_lenders, other_lenders_change_3m} for the lines whose customer was answered (``customers``:
        line -> customer; ``month``: 'YYYY-MM' of the month end the features describe), and what happened."""
        run = ConsortiumRun(customers=len(set(customers.values())))
        started = self.monotonic()
        wanted = sorted(set(customers.values()))
        known = self.directory.pseudonyms(wanted, on)
        answers: dict[str, int] = {}
        asked = [customer for customer in wanted if customer in known]
        if len(asked) < len(wanted):
            run.statuses[NOT_ENROLLED] += len(wanted) - len(asked)
        for customer, signal in zip(asked, self._signals([known[c] for c in asked], on, started), strict=True):
            run.statuses[OVER_BUDGET if signal is None else signal.status] += 1
            if signal is not None and signal.status == ANSWER and signal.lenders_with_open_lines is not None:
                answers[customer] = signal.lenders_with_open_lines
        if answers:
            self.directory.record(answers, month, on)
        before = months_back(month, CHANGE_MONTHS)
        history = self.directory.lenders(answers, [before])
        out: dict[str, dict[str, float | None]] = {}
        for line, customer in customers.items():
            if customer in answers:
                now, then = answers[customer], history.get((customer, before))
                change = None if then is None else float(now - then)
                out[line] = {"other_lenders": float(now), "other_lenders_change_3m": change}
        run.seconds = self.monotonic() - started
        return out, run

    def _signals(self, subjects: list[dict[str, str]], on: date, started: float) -> list[ConsortiumSignal | None]:
        """Each subject's signal, None where the budget was spent before it was asked."""
        spent = _spent(self.monotonic, started, self.budget_s)
        if self.batch:
            return self.client.ask_many(subjects, PURPOSE, on, stop=spent)
        out: list[ConsortiumSignal | None] = []
        for pseudonyms in subjects:
            out.append(None if spent() else self.client.ask(pseudonyms, PURPOSE, on))
        return out
