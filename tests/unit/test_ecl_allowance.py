"""Booking the ECL allowance through the message bus: a charge then a release as balanced entries with an audit
record, a repeated month posting nothing, the same month with another amount refused."""

from __future__ import annotations

from datetime import date

import pytest

from creditloop.app.ecl_allowance import BookEclAllowance, entry_id
from creditloop.bootstrap import build_memory
from creditloop.core.errors import IdempotencyConflict, ValidationError
from creditloop.ledger.accounts import Account
from creditloop.ledger.entries import EntryCode, Side


def test_charge_then_release_then_retry() -> None:
    bus = build_memory().bus
    jan = bus.handle(BookEclAllowance(date(2025, 1, 31), 150_00, "p@1", "lgd@1", "h1", ((1, 10, 100_00),)))
    assert (jan.previous_minor, jan.change_minor, jan.posted) == (0, 150_00, True)
    feb = bus.handle(BookEclAllowance(date(2025, 2, 28), 120_00, "p@1", "lgd@1", "h2"))
    assert (feb.previous_minor, feb.change_minor) == (150_00, -30_00)
    entries = list(bus.uow.journal.entries())
    assert [e.entry_id for e in entries] == ["ECL-ALLOWANCE-2025-01", "ECL-ALLOWANCE-2025-02"]
    release = entries[1]
    assert release.code is EntryCode.IMPAIRMENT and release.line_id == "PORTFOLIO"
    sides = {p.account: p.side for p in release.postings}
    assert sides == {Account.ALLOWANCE_ECL: Side.DEBIT, Account.EXPENSE_IMPAIRMENT: Side.CREDIT}
    audit = bus.uow.audit.get(entry_id(date(2025, 1, 31)))
    assert audit is not None and audit.kind == "ecl_allowance" and audit.outcome == "charge"
    assert audit.trace[0]["by_stage"] == [{"stage": 1, "accounts": 10, "ecl_minor": 100_00}]
    again = bus.handle(BookEclAllowance(date(2025, 2, 28), 120_00, "p@1", "lgd@1", "h2"))
    assert (again.posted, again.already_booked, again.change_minor) == (False, True, -30_00)
    assert len(list(bus.uow.journal.entries())) == 2
    with pytest.raises(IdempotencyConflict):
        bus.handle(BookEclAllowance(date(2025, 2, 28), 999_00, "p@1", "lgd@1", "h2"))
    assert len(list(bus.uow.journal.entries())) == 2


def test_unchanged_allowance_posts_no_entry_but_is_audited() -> None:
    bus = build_memory().bus
    zero = bus.handle(BookEclAllowance(date(2025, 1, 31), 0, "p@1", "lgd@1", "h"))
    assert (zero.posted, zero.change_minor) == (False, 0)
    assert list(bus.uow.journal.entries()) == []
    record = bus.uow.audit.get("ECL-ALLOWANCE-2025-01")
    assert record is not None and record.outcome == "unchanged"


def test_negative_allowance_is_refused_by_name() -> None:
    bus = build_memory().bus
    with pytest.raises(ValidationError) as exc:
        bus.handle(BookEclAllowance(date(2025, 1, 31), -1, "p@1", "lgd@1", "h"))
    assert exc.value.field == "allowance_minor"
    assert list(bus.uow.journal.entries()) == []
