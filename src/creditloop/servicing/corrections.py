"""Journal corrections after a re-derivation: reverse what changed or vanished, post what is new.

Entry ids are deterministic (``<line>/pen/<date>``, ``<line>/pay/<id>``…, client ids escaped by
``ledger.ids.escape_id`` so they never contain ``/`` or ``~``), so a replay produces the same
id for the same economic event. An entry whose replayed version differs is reversed and re-posted under a
revision id (``<id>~2``); one that no longer exists is reversed. Corrections are booked on the business
date they are made, carrying the original value date in their links, so closed days stay closed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date

from creditloop.ledger.entries import EntryCode, JournalEntry


def _split_revision(entry_id: str) -> tuple[str, int]:
    """``<base>~<n>`` -> (base, n); anything else is a first revision. Client ids are escaped
    (``ledger.ids.escape_id``), so a ``~`` followed by digits at the end can only be a revision suffix; an id
    written before escaping existed with another ``~`` in it stands as its own base and is corrected normally."""
    base, sep, rev = entry_id.rpartition("~")
    if sep and rev.isdigit() and rev.isascii():
        return base, int(rev)
    return entry_id, 1


def base_id(entry_id: str) -> str:
    return _split_revision(entry_id)[0]


def _revision(entry_id: str) -> int:
    return _split_revision(entry_id)[1]


def _legs(e: JournalEntry) -> list[tuple[str, str, int]]:
    return sorted((p.account.value, p.side.value, p.amount_minor) for p in e.postings)


def _same(a: JournalEntry, b: JournalEntry) -> bool:
    """Economically the same: same reason and legs (a revision carries another booking date)."""
    return a.code == b.code and a.line_id == b.line_id and _legs(a) == _legs(b)


def active_entries(posted: Iterable[JournalEntry]) -> dict[str, JournalEntry]:
    """The entries that currently stand (not reversals, not reversed), by base id."""
    items = list(posted)
    reversed_ids = {e.reverses for e in items if e.reverses}
    return {
        base_id(e.entry_id): e for e in items if e.code is not EntryCode.REVERSAL and e.entry_id not in reversed_ids
    }


def correction_entries(posted: Sequence[JournalEntry], desired: Iterable[JournalEntry], on: date) -> list[JournalEntry]:
    active = active_entries(posted)
    revisions: dict[str, int] = {}
    for e in posted:
        if e.code is not EntryCode.REVERSAL:
            b = base_id(e.entry_id)
            revisions[b] = max(revisions.get(b, 0), _revision(e.entry_id))
    out: list[JournalEntry] = []

    def reverse(e: JournalEntry) -> None:
        out.append(e.reversal(f"{e.entry_id}/rev", on))

    for want in desired:
        b = want.entry_id
        have = active.pop(b, None)
        if have is not None and _same(have, want):
            continue
        if have is not None:
            reverse(have)
        if b in revisions:
            links = want.links | {f"value_on:{want.effective_on.isoformat()}"}
            want = replace(want, entry_id=f"{b}~{revisions[b] + 1}", effective_on=on, links=links)
        elif want.effective_on < on:
            want = replace(want, effective_on=on, links=want.links | {f"value_on:{want.effective_on.isoformat()}"})
        out.append(want)
    for have in active.values():
        reverse(have)
    return out
