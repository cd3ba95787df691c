"""The ledger's invariants, once: named pure functions that return the ways the books break them.

In beancount's validation style a check never raises and never reads a database: it is handed figures (running
totals, sums of postings, the lines' own balances, raw posting rows) and returns ``CheckError`` values, an empty
list when the invariant holds. Each caller decides what a failure means: the day-end reconciliation records a
failed day, the simulator's auditors raise naming the seed, ``journal verify`` reports and exits non-zero, the
merge of parallel blocks refuses a block.

Balances are signed minor units, debit positive, keyed by account name. ``Account`` is a ``StrEnum``, so a
mapping keyed by ``Account`` members and one keyed by their names are read alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from creditloop.ledger.accounts import CONTROL_ACCOUNTS, Account
from creditloop.ledger.entries import JournalEntry

# (entry id, account, side "D"/"C", amount in minor units): a posting as the journal stores it.
PostingRow = tuple[str, str, str, int]
# Signed balances by account, keyed by ``Account`` members or by their names.
Balances = Mapping[str, int] | Mapping[Account, int]


@dataclass(frozen=True, slots=True)
class CheckError:
    """One way the books break a named invariant; ``message`` names the account, entry or line and both figures."""

    check: str
    message: str

    def __str__(self) -> str:
        return self.message


def messages(errors: Iterable[CheckError]) -> list[str]:
    return [e.message for e in errors]


def _nonzero(balances: Balances) -> dict[str, int]:
    """Accounts with a balance, by name (an account that netted to zero and one never posted to are alike)."""
    return {str(a): v for a, v in balances.items() if v}


def signed_sums(rows: Iterable[PostingRow]) -> dict[str, int]:
    """Signed balance per account from raw posting rows (what a SQL ``GROUP BY account`` of the journal gives)."""
    sums: dict[str, int] = defaultdict(int)
    for _entry_id, account, side, amount in rows:
        sums[str(account)] += amount if side == "D" else -amount
    return dict(sums)


def trial_balance(totals: Balances) -> list[CheckError]:
    """Debits equal credits: the signed balances of all accounts sum to zero."""
    total = sum(totals.values())
    return [] if total == 0 else [CheckError("trial_balance", f"trial balance is {total}, not 0")]


def control_equals_lines(
    control: Balances, lines: Balances, accounts: Iterable[Account] = CONTROL_ACCOUNTS
) -> list[CheckError]:
    """Each receivable control account equals the sum of the lines' own balances of it (the sub-ledger)."""
    return [
        CheckError("control_equals_lines", f"control {a.value} {control.get(a, 0)} != lines {lines.get(a, 0)}")
        for a in accounts
        if control.get(a, 0) != lines.get(a, 0)
    ]


def totals_equal_postings(running: Balances, postings: Balances) -> list[CheckError]:
    """The running per-account totals equal the postings summed again (accounts at zero may be absent)."""
    kept, summed = _nonzero(running), _nonzero(postings)
    return [
        CheckError(
            "totals_equal_postings",
            f"account total {a} {kept.get(a, 0)} differs from the sum of its postings {summed.get(a, 0)}",
        )
        for a in sorted(kept.keys() | summed.keys())
        if kept.get(a, 0) != summed.get(a, 0)
    ]


def postings_balance_per_entry(rows: Iterable[PostingRow]) -> list[CheckError]:
    """Every entry has at least two postings, each a positive integer amount on side D or C, and its debits equal
    its credits. An entry's rows come together (as a journal lists them); memory stays flat however long the
    journal."""
    return audit_postings(rows)[1]


def audit_postings(rows: Iterable[PostingRow]) -> tuple[dict[str, int], list[CheckError]]:
    """One pass over posting rows: the signed sums per account (``signed_sums``) and the errors of
    ``postings_balance_per_entry``."""
    sums: dict[str, int] = defaultdict(int)
    errors: list[CheckError] = []
    entry_id: str | None = None
    net = legs = 0
    for row_entry, account, side, amount in rows:
        if row_entry != entry_id:
            if entry_id is not None:
                errors.extend(_entry_errors(entry_id, legs, net))
            entry_id, net, legs = row_entry, 0, 0
        legs += 1
        if side not in ("D", "C"):
            errors.append(CheckError("postings_balance_per_entry", f"entry {row_entry}: side {side!r} on {account}"))
        elif isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            errors.append(
                CheckError("postings_balance_per_entry", f"entry {row_entry}: amount {amount!r} on {account}")
            )
        else:
            signed = amount if side == "D" else -amount
            net += signed
            sums[str(account)] += signed
    if entry_id is not None:
        errors.extend(_entry_errors(entry_id, legs, net))
    return dict(sums), errors


def _entry_errors(entry_id: str, legs: int, net: int) -> list[CheckError]:
    errors = []
    if legs < 2:
        errors.append(CheckError("postings_balance_per_entry", f"entry {entry_id} has one posting"))
    if net:
        errors.append(CheckError("postings_balance_per_entry", f"entry {entry_id} is unbalanced by {net}"))
    return errors


def posting_rows(entries: Iterable[JournalEntry]) -> Iterator[PostingRow]:
    """The rows of journal entries, entry by entry."""
    for e in entries:
        for p in e.postings:
            yield e.entry_id, p.account, p.side, p.amount_minor


def cash_equals_paid(balances: Balances, paid_minor: int) -> list[CheckError]:
    """Cash clearing holds exactly what customers paid (the simulator's or a driver's own tally)."""
    cash = balances.get(Account.CASH_CLEARING, 0)
    return [] if cash == paid_minor else [CheckError("cash_equals_paid", f"cash {cash} != paid {paid_minor}")]


def merchant_payable_equals_purchases(
    balances: Balances, purchased_minor: int, refunded_minor: int
) -> list[CheckError]:
    """The merchant payable (a credit) is what customers bought less what was refunded."""
    owed, expected = -balances.get(Account.MERCHANT_PAYABLE, 0), purchased_minor - refunded_minor
    if owed == expected:
        return []
    return [
        CheckError("merchant_payable_equals_purchases", f"merchant payable {owed} != purchases less refunds {expected}")
    ]


def reconciliations_clean(failed: int, where: str = "daily") -> list[CheckError]:
    """Every recorded day-end reconciliation passed (``failed``: how many did not)."""
    return [] if not failed else [CheckError("reconciliations_clean", f"{failed} {where} reconciliation(s) failed")]


def lines_match_journal(rebuilt: Mapping[str, Balances], stored: Mapping[str, Balances]) -> list[CheckError]:
    """Each line's control-account balances rebuilt from its journal entries equal its own stored balances.
    One error per mismatched line, in line-id order (``error.message`` starts with the line id)."""
    errors = []
    for line_id in sorted(rebuilt.keys() | stored.keys()):
        journal, own = rebuilt.get(line_id, {}), stored.get(line_id, {})
        differ = [a.value for a in CONTROL_ACCOUNTS if journal.get(a, 0) != own.get(a, 0)]
        if differ:
            errors.append(CheckError("lines_match_journal", f"{line_id}: journal differs from the line on {differ}"))
    return errors


def parts_add_up(whole: Balances, parts: Iterable[Balances], what: str = "merged ledger") -> list[CheckError]:
    """A whole is the union of its parts: each account's balance is the sum of the parts' (accounts at zero may be
    absent). The merge of parallel blocks proves the merged ledger with it, block sums against merged sums."""
    added: dict[str, int] = defaultdict(int)
    for part in parts:
        for a, v in part.items():
            added[str(a)] += v
    kept, summed = _nonzero(whole), _nonzero(added)
    return [
        CheckError("parts_add_up", f"{what}: {a} is {kept.get(a, 0)}, the parts add up to {summed.get(a, 0)}")
        for a in sorted(kept.keys() | summed.keys())
        if kept.get(a, 0) != summed.get(a, 0)
    ]


def counts_equal(what: str, found: int, expected: int) -> list[CheckError]:
    """A row count equals the one a part was audited with (nothing lost or doubled in a copy)."""
    return [] if found == expected else [CheckError("counts_equal", f"{what}: {found} rows, expected {expected}")]
