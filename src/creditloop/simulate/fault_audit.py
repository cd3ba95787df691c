"""Ground truth of a chaos run and the auditor that holds the ledger to it.

The driver records here what it sent and what the system accepted, only once a unit of work has
committed (an aborted unit never happened). The auditor then proves, from the ledger alone, that nothing
was lost or doubled: trial balance zero, each control account equal to the sum of the lines' own balances,
each line's cash and merchant balances equal to what its accepted commands moved, and every accepted
command in the line's log exactly once (every refused one not at all).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from creditloop.app.ports import UnitOfWork
from creditloop.ledger import checks
from creditloop.ledger.accounts import Account


@dataclass(slots=True)
class Sent:
    """One accepted command: its line, kind, money effects (signed as the journal signs them) and result."""

    command_id: str
    line_id: str
    kind: str
    cash_minor: int = 0  # effect on Assets:Cash:Clearing (debit positive)
    merchant_minor: int = 0  # effect on Liabilities:MerchantPayable (credit negative)
    result: Any = None


@dataclass
class Truth:
    """What the simulator knows was accepted (committed), per line."""

    accepted: dict[str, Sent] = field(default_factory=dict)  # by command id (unique per run)
    accepted_on: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # line -> ids
    refused_on: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # line -> ids never accepted
    cash: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    merchant: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def commit(self, sent: list[Sent], refused: dict[str, str]) -> None:
        for s in sent:
            self.accepted[s.command_id] = s
            self.accepted_on[s.line_id].append(s.command_id)
            self.refused_on[s.line_id].discard(s.command_id)  # refused once, accepted on a later delivery
            self.cash[s.line_id] += s.cash_minor
            self.merchant[s.line_id] += s.merchant_minor
        for command_id, line_id in refused.items():
            if command_id not in self.accepted:
                self.refused_on[line_id].add(command_id)


def audit(
    uow: UnitOfWork, truth: Truth, line_ids: list[str], *, logs_of: Iterable[str] | None = None, control: bool = True
) -> list[str]:
    """Every way the ledger disagrees with the truth (empty: nothing lost, nothing doubled).

    Money is checked on every line; the command logs of ``logs_of`` (every line when None), since reading a
    line's log means loading it. ``control=False`` skips the control-account check when the caller has just
    had the day-end reconciliation make it.
    """
    problems: list[str] = []
    with uow:
        balances = uow.journal.account_balances()
        problems += checks.messages(checks.trial_balance(balances))
        if control:
            problems += checks.messages(checks.control_equals_lines(balances, uow.lines.sub_ledger_totals()))
        for line_id in line_ids:
            lb = uow.journal.line_balances(line_id)
            cash, merchant = lb.get(Account.CASH_CLEARING, 0), lb.get(Account.MERCHANT_PAYABLE, 0)
            if cash != truth.cash[line_id]:
                problems.append(f"{line_id}: cash {cash} != accepted {truth.cash[line_id]}")
            if merchant != truth.merchant[line_id]:
                problems.append(f"{line_id}: merchant payable {merchant} != accepted {truth.merchant[line_id]}")
        for line_id in line_ids if logs_of is None else sorted(set(logs_of)):
            line = uow.lines.get(line_id)
            logged = Counter(e["id"] for e in line.events)
            for command_id in truth.accepted_on[line_id]:
                if logged[command_id] != 1:
                    problems.append(f"{line_id}: accepted {command_id} is in the log {logged[command_id]} times")
            for command_id in sorted(truth.refused_on[line_id]):
                if logged[command_id]:
                    problems.append(f"{line_id}: refused {command_id} is in the log")
    return problems
