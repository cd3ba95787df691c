"""Booking the IFRS 9 allowance: the month's change of the portfolio ECL as one balanced journal entry.

``BookEclAllowance(month_end_on, allowance_minor, ...)`` sets the balance of ``Assets:Allowance:ECL`` (a contra
asset: a credit balance) to ``allowance_minor`` at that month end. The entry is the difference from the balance
the journal holds: an increase debits ``Expenses:Impairment:ECL`` and credits the allowance, a release the reverse;
no change, no entry. Its id is ``ECL-ALLOWANCE-YYYY-MM`` and an audit record of the same id keeps the inputs hash,
parameter version and the ECL by stage, so the command is idempotent per month: the same month again posts
nothing and returns the first booking; the same month with another amount or other inputs is refused
(``IdempotencyConflict``). Book-level entries carry the line id ``PORTFOLIO`` (no customer's money moves).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from creditloop.app.ports import AuditRecord, UnitOfWork
from creditloop.core.errors import IdempotencyConflict
from creditloop.ledger.accounts import Account
from creditloop.ledger.entries import EntryCode, JournalEntry, Posting, Side

PORTFOLIO_LINE = "PORTFOLIO"
KIND = "ecl_allowance"


@dataclass(frozen=True, slots=True)
class BookEclAllowance:
    month_end_on: date
    allowance_minor: int  # the portfolio ECL at the month end: the allowance's target balance
    parameters_version: str  # the ECL parameter file's version (scenarios, CCF, EIR)
    lgd_version: str
    inputs_hash: str  # a digest of what the ECL was computed from (data and parameters)
    by_stage: tuple[tuple[int, int, int], ...] = ()  # (stage, accounts, ecl_minor), for the audit trail


@dataclass(frozen=True, slots=True)
class AllowanceBooking:
    month_end_on: date
    entry_id: str
    allowance_minor: int
    previous_minor: int
    change_minor: int  # > 0: charge to impairment expense; < 0: release
    posted: bool  # False: already booked (a retry) or no change
    already_booked: bool = False  # this month was booked before: nothing posted now


def entry_id(month_end_on: date) -> str:
    return f"ECL-ALLOWANCE-{month_end_on:%Y-%m}"


def _digest(cmd: BookEclAllowance) -> str:
    doc = {"allowance_minor": cmd.allowance_minor, "inputs_hash": cmd.inputs_hash, "on": cmd.month_end_on.isoformat(),
           "parameters": cmd.parameters_version, "lgd": cmd.lgd_version}  # fmt: skip
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def allowance_entry(key: str, on: date, change_minor: int) -> JournalEntry:
    """The balanced entry moving the allowance by ``change_minor`` (positive: a charge, negative: a release)."""
    amount = abs(change_minor)
    charge = change_minor > 0
    return JournalEntry(
        entry_id=key,
        code=EntryCode.IMPAIRMENT,
        effective_on=on,
        line_id=PORTFOLIO_LINE,
        postings=(
            Posting(Account.EXPENSE_IMPAIRMENT, Side.DEBIT if charge else Side.CREDIT, amount),
            Posting(Account.ALLOWANCE_ECL, Side.CREDIT if charge else Side.DEBIT, amount),
        ),
    )


def book_ecl_allowance(cmd: BookEclAllowance, uow: UnitOfWork, policies: Any) -> AllowanceBooking:
    key = entry_id(cmd.month_end_on)
    digest = _digest(cmd)
    done = uow.audit.get(key)
    if done is not None:
        if done.inputs_hash != digest:
            raise IdempotencyConflict(
                f"the allowance of {cmd.month_end_on:%Y-%m} is already booked from other inputs ({key})"
            )
        trace = done.trace[0]
        return AllowanceBooking(cmd.month_end_on, key, cmd.allowance_minor, trace["previous_minor"],
                                trace["change_minor"], posted=False, already_booked=True)  # fmt: skip
    previous = -uow.journal.account_balances().get(Account.ALLOWANCE_ECL, 0)  # credit balance, shown positive
    change = cmd.allowance_minor - previous
    if change:
        uow.journal.append([allowance_entry(key, cmd.month_end_on, change)])
    uow.audit.record(
        AuditRecord(
            decision_id=key, kind=KIND, subject_id=PORTFOLIO_LINE, decided_on=cmd.month_end_on,
            policy_id=cmd.parameters_version, policy_version=cmd.lgd_version, inputs_hash=digest,
            outcome="charge" if change > 0 else ("release" if change < 0 else "unchanged"),
            reasons=(f"allowance {previous} -> {cmd.allowance_minor}",),
            trace=({"previous_minor": previous, "change_minor": change, "allowance_minor": cmd.allowance_minor,
                    "data_hash": cmd.inputs_hash,
                    "by_stage": [{"stage": s, "accounts": n, "ecl_minor": e} for s, n, e in cmd.by_stage]},),
        )
    )  # fmt: skip
    return AllowanceBooking(cmd.month_end_on, key, cmd.allowance_minor, previous, change, posted=bool(change))


ECL_HANDLERS: dict[type, Callable[..., Any]] = {BookEclAllowance: book_ecl_allowance}
