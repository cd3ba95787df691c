"""The journal port and an in-memory implementation; balance and trial-balance helpers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Protocol

from creditloop.core.errors import IdempotencyConflict
from creditloop.ledger.accounts import Account
from creditloop.ledger.entries import JournalEntry


class JournalStore(Protocol):
    """Append-only store of journal entries."""

    def append(self, entries: Iterable[JournalEntry]) -> None: ...

    def entries(self) -> Iterator[JournalEntry]: ...


def trial_balance(entries: Iterable[JournalEntry]) -> dict[Account, int]:
    """Signed balance per account (debit positive). The values of a sound ledger sum to zero."""
    balances: dict[Account, int] = defaultdict(int)
    for e in entries:
        for p in e.postings:
            balances[p.account] += p.signed_minor
    return dict(balances)


def line_balances(entries: Iterable[JournalEntry]) -> dict[str, dict[Account, int]]:
    """Signed balance per credit line and account: the sub-ledgers."""
    out: dict[str, dict[Account, int]] = defaultdict(lambda: defaultdict(int))
    for e in entries:
        for p in e.postings:
            out[e.line_id][p.account] += p.signed_minor
    return {k: dict(v) for k, v in out.items()}


class InMemoryJournal:
    """A journal in a list; refuses a reused entry id with a different payload."""

    def __init__(self) -> None:
        self._entries: list[JournalEntry] = []
        self._by_id: dict[str, JournalEntry] = {}

    def append(self, entries: Iterable[JournalEntry]) -> None:
        for e in entries:
            known = self._by_id.get(e.entry_id)
            if known is not None:
                if known != e:
                    raise IdempotencyConflict(f"journal entry {e.entry_id} already exists with another payload")
                continue
            self._by_id[e.entry_id] = e
            self._entries.append(e)

    def entries(self) -> Iterator[JournalEntry]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
