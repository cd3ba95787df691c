"""Bad restructure input (issue 15, item 4): an unknown kind, a parameter out of range or unknown, a concession
with nothing to concede — each a domain error with a stable code naming the field, and nothing written."""

from __future__ import annotations

import pytest
from restructure_world import book, entry_count, line, snapshot

from creditloop.app import commands as c
from creditloop.core.errors import DomainError

BAD = [
    ("current", "forbearance", (), "invalid_input", "kind"),
    ("current", "term_extension", (("periods", 0),), "invalid_input", "periods"),
    ("current", "term_extension", (("periods", 61),), "invalid_input", "periods"),
    ("current", "term_extension", (("periods", 6), ("monthly_fee_bps", 501)), "invalid_input", "monthly_fee_bps"),
    ("current", "term_extension", (("periods", "six"),), "invalid_input", "periods"),
    ("current", "term_extension", (), "invalid_input", "periods"),  # a required parameter missing
    ("current", "term_extension", (("periods", 6), ("rate", 5)), "invalid_input", "rate"),  # not a parameter of it
    ("current", "reage", (("periods", 3), ("start_on", "2024-02-30")), "invalid_input", "start_on"),
    ("current", "reage", (("periods", 3), ("start_on", "2024-02-20")), "invalid_input", "start_on"),  # not after
    ("current", "fee_reduction", (("monthly_fee_bps", -1),), "invalid_input", "monthly_fee_bps"),
    ("current", "payment_holiday", (("from_due_on", "2024-03-10"), ("months", 61)), "invalid_input", "months"),
    ("current", "payment_holiday", (("from_due_on", "2024-03-10"), ("accrue", "yes")), "invalid_input", "accrue"),
    ("current", "penalty_waiver", (("amount_minor", 0),), "invalid_input", "amount_minor"),
    ("current", "settlement", (("amount_minor", 1000),), "invalid_input", "due_on"),
    # A concession with nothing to concede.
    ("current", "penalty_waiver", (), "nothing_to_concede", "penalty_minor"),
    ("current", "fee_reduction", (("monthly_fee_bps", 70),), "nothing_to_concede", "monthly_fee_bps"),  # not lower
    ("past_due", "penalty_waiver", (("amount_minor", 10**9),), "waiver_exceeds_penalty", None),
    ("current", "payment_holiday", (("from_due_on", "2030-01-10"),), "nothing_to_restructure", "from_due_on"),
]


@pytest.mark.parametrize(("state", "kind", "params", "code", "field"), BAD, ids=[f"{b[1]}-{b[3]}" for b in BAD])
def test_bad_input_is_refused_with_a_stable_code_naming_the_field_and_nothing_is_written(
    state: str, kind: str, params: tuple[tuple[str, object], ...], code: str, field: str | None
) -> None:
    bus, on = book(3, state)
    before, entries, events = snapshot(bus), entry_count(bus), len(line(bus).events)
    for preview in (True, False):
        with pytest.raises(DomainError) as e:
            bus.handle(c.Restructure("r", "L", kind, on, params, preview))
        assert (e.value.code, e.value.field) == (code, field)
    assert snapshot(bus) == before and entry_count(bus) == entries and len(line(bus).events) == events


def test_a_fee_cut_on_a_fee_free_line_has_nothing_to_concede() -> None:
    bus, on = book(3, "current")
    bus.handle(c.Restructure("z", "L", "fee_reduction", on, (("monthly_fee_bps", 0),)))  # every fee cut to zero
    with pytest.raises(DomainError) as e:
        bus.handle(c.Restructure("z2", "L", "fee_reduction", on, (("monthly_fee_bps", 0),)))
    assert (e.value.code, e.value.field) == ("nothing_to_concede", "monthly_fee_bps")
