"""Journal entries: immutable, balanced at construction, carrying a reason code and links."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from creditloop.core.errors import InvariantViolation
from creditloop.ledger.accounts import Account


class Side(StrEnum):
    DEBIT = "D"
    CREDIT = "C"


_DEBIT = Side.DEBIT  # module constants: enum member lookups are slow in the hottest loops
_CREDIT = Side.CREDIT


class EntryCode(StrEnum):
    """Why money moved. Stable strings: they are stored and reported."""

    PURCHASE = "PURCHASE"
    FEE = "FEE"
    INTEREST = "INTEREST"
    PENALTY_ACCRUAL = "PENALTY_ACCRUAL"
    REPAYMENT = "REPAYMENT"
    REFUND = "REFUND"
    CREDIT_BALANCE_REFUND = "CREDIT_BALANCE_REFUND"
    CONCESSION = "CONCESSION"
    CHARGE_OFF = "CHARGE_OFF"
    RECOVERY = "RECOVERY"
    REVERSAL = "REVERSAL"
    RETURNED_PAYMENT = "RETURNED_PAYMENT"  # a bounced payment that stands in history: owed again at once
    IMPAIRMENT = "IMPAIRMENT"  # the month's change of the ECL allowance (book level, not a line's money)


@dataclass(frozen=True, slots=True)
class Posting:
    account: Account
    side: Side
    amount_minor: int

    def __post_init__(self) -> None:
        # Messages are built only on failure: a simulation creates millions of postings.
        if not (isinstance(self.amount_minor, int) and self.amount_minor > 0):
            raise InvariantViolation(f"posting amount must be a positive integer, got {self.amount_minor!r}")

    @property
    def signed_minor(self) -> int:
        """Debits positive, credits negative: a balanced entry sums to zero."""
        return self.amount_minor if self.side is _DEBIT else -self.amount_minor


@dataclass(frozen=True, slots=True)
class JournalEntry:
    entry_id: str
    code: EntryCode
    effective_on: date
    line_id: str
    postings: tuple[Posting, ...]
    links: frozenset[str] = field(default_factory=frozenset)
    reverses: str | None = None

    def __post_init__(self) -> None:
        if len(self.postings) < 2:
            raise InvariantViolation(f"entry {self.entry_id} needs at least two postings")
        total = 0
        for p in self.postings:  # a plain loop: this runs for every entry a simulation books
            total += p.amount_minor if p.side is _DEBIT else -p.amount_minor
        if total != 0:
            raise InvariantViolation(f"entry {self.entry_id} is unbalanced by {total} minor units: {self.postings}")

    @property
    def amount_minor(self) -> int:
        return sum(p.amount_minor for p in self.postings if p.side is Side.DEBIT)

    def reversal(self, entry_id: str, effective_on: date) -> JournalEntry:
        """The entry that undoes this one: same postings, sides swapped."""
        flipped = tuple(
            Posting(p.account, Side.CREDIT if p.side is Side.DEBIT else Side.DEBIT, p.amount_minor)
            for p in self.postings
        )
        return JournalEntry(
            entry_id, EntryCode.REVERSAL, effective_on, self.line_id, flipped, self.links, self.entry_id
        )


def entry(
    entry_id: str,
    code: EntryCode,
    effective_on: date,
    line_id: str,
    debits: list[tuple[Account, int]],
    credits: list[tuple[Account, int]],
    links: frozenset[str] = frozenset(),
) -> JournalEntry:
    """Build an entry from debit and credit legs, dropping zero legs."""
    postings = tuple(
        [Posting(a, _DEBIT, m) for a, m in debits if m] + [Posting(a, _CREDIT, m) for a, m in credits if m]
    )
    return JournalEntry(entry_id, code, effective_on, line_id, postings, links)
