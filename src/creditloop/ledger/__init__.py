"""Double-entry journal: immutable balanced entries, chart of accounts, invariants."""

from creditloop.ledger.accounts import Account
from creditloop.ledger.entries import EntryCode, JournalEntry, Posting, Side, entry
from creditloop.ledger.journal import InMemoryJournal, JournalStore, trial_balance

__all__ = [
    "Account",
    "EntryCode",
    "InMemoryJournal",
    "JournalEntry",
    "JournalStore",
    "Posting",
    "Side",
    "entry",
    "trial_balance",
]
