"""Every restructure kind on a short (3) and a long (24) plan, at 0, 40 and 100 DPD, through the bus.

For each case: the preview and the apply give the same figures; the customer's total moves by exactly what was
conceded, forgone or added; the books balance and match the line; an undo gives the books back exactly; and a
case that cannot apply is refused with its stable code and writes nothing (issue 15, item 2)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from restructure_world import assert_books_agree, book, entry_count, line, params, snapshot

from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.core.errors import DomainError
from creditloop.servicing.settlement import owed_minor

KINDS = (
    "term_extension",
    "reage",
    "reamortise",
    "fee_reduction",
    "penalty_waiver",
    "payment_holiday",
    "payment_holiday_accrue",
    "settlement",
)
# The cases that cannot apply, and the code each is refused with.
REFUSED = {
    ("reamortise", 3, "current"): "nothing_to_restructure",  # nothing past due
    ("reamortise", 24, "current"): "nothing_to_restructure",
    ("reamortise", 3, "serious"): "nothing_to_restructure",  # every installment is past due: nothing to spread over
    ("penalty_waiver", 3, "current"): "nothing_to_concede",
    ("penalty_waiver", 24, "current"): "nothing_to_concede",
    ("payment_holiday", 3, "serious"): "nothing_to_restructure",  # nothing left unbilled to move
    ("payment_holiday_accrue", 3, "serious"): "nothing_to_restructure",
    ("settlement", 3, "current"): "settlement_not_eligible",
    ("settlement", 24, "current"): "settlement_not_eligible",
    ("settlement", 3, "past_due"): "settlement_not_eligible",  # 40 DPD: not seriously delinquent
    ("settlement", 24, "past_due"): "settlement_not_eligible",
}
CASES = [(k, p, s) for k in KINDS for p in (3, 24) for s in ("current", "past_due", "serious")]


def _command(bus: MessageBus, kind: str, on: date, preview: bool, rid: str = "r") -> c.Restructure:
    if kind == "settlement":  # 60 % of what is owed, within 30 days
        values: dict[str, object] = {"amount_minor": owed_minor(line(bus)) * 6 // 10, "due_on": on + timedelta(30)}
    else:
        values = params(kind, on)
    name = "payment_holiday" if kind.startswith("payment_holiday") else kind
    return c.Restructure(rid, "L", name, on, tuple(values.items()), preview)


@pytest.mark.parametrize(("kind", "periods", "state"), CASES, ids=[f"{k}-{p}-{s}" for k, p, s in CASES])
def test_each_kind_previews_applies_and_undoes_exactly(kind: str, periods: int, state: str) -> None:
    bus, on = book(periods, state)
    before = snapshot(bus)
    entries_before, events_before = entry_count(bus), len(line(bus).events)
    code = REFUSED.get((kind, periods, state))
    if code is not None:
        for preview in (True, False):
            with pytest.raises(DomainError) as e:
                bus.handle(_command(bus, kind, on, preview))
            assert e.value.code == code
        assert snapshot(bus) == before and entry_count(bus) == entries_before  # nothing written
        assert len(line(bus).events) == events_before
        return

    shown = bus.handle(_command(bus, kind, on, preview=True))
    assert snapshot(bus) == before  # a preview changes nothing
    done = bus.handle(_command(bus, kind, on, preview=False))
    assert done == shown  # the same figures, schedule, entries and disclosure
    after = snapshot(bus)
    assert after["schedule"] != before["schedule"] or after["penalty"] != before["penalty"] or kind == "settlement"
    assert_books_agree(bus)

    # No fen created or lost: receivables fall by exactly the concession booked, and the customer's total by the
    # concession, a settlement's discount and the charges forgone, plus what the restructure adds.
    owed_before = sum(before["balances"]) + before["penalty"]
    owed_after = sum(after["balances"]) + after["penalty"]
    assert owed_after == owed_before - done.concession_minor
    assert done.total_before_minor == before["total"]
    expected = before["total"] - done.concession_minor - done.discount_minor - done.forgone_fee_minor
    assert done.total_after_minor == expected + done.added_charges_minor
    assert done.forgone_fee_minor >= 0 and done.added_charges_minor >= 0 and done.concession_minor >= 0
    assert sum(r["principal_minor"] for r in done.after) == after["balances"][0]

    bus.handle(c.UndoRestructure("u", "L", "r", on))
    assert snapshot(bus) == before  # schedule, balances, status and every account's balance as before
    assert_books_agree(bus)


def test_the_refusal_table_covers_only_cases_that_exist() -> None:
    assert set(REFUSED) <= set(CASES)
