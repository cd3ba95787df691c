"""The CLI's shared helpers: amounts rendered in yuan, aliases, generated operation ids, bilingual headers."""

from __future__ import annotations

import re

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st

from creditloop.core.money import parse_major
from creditloop.entrypoints.cli._common import format_yuan, header, one_of, operation_id, yuan_message

AMOUNTS = st.integers(min_value=0, max_value=10**11)


@given(AMOUNTS)
def test_format_yuan_round_trips_through_the_input_parser(minor: int) -> None:
    assert parse_major(format_yuan(minor)) == minor
    assert re.fullmatch(r"[0-9]+\.[0-9]{2}", format_yuan(minor))


@given(AMOUNTS, AMOUNTS)
def test_domain_messages_state_their_amounts_in_yuan(amount: int, available: int) -> None:
    text = yuan_message(f"amount {amount} exceeds open-to-buy {available}")
    assert text == f"amount {format_yuan(amount)} exceeds open-to-buy {format_yuan(available)}"
    found = re.findall(r"[0-9]+\.[0-9]{2}", text)
    assert [parse_major(x) for x in found] == [amount, available]  # the same money, only written in yuan


def test_only_amounts_are_rewritten_never_ids_or_dates() -> None:
    assert (
        yuan_message("line L1 still owes 1000 and holds credit 0") == "line L1 still owes 10.00 and holds credit 0.00"
    )
    assert yuan_message("amount_minor 99 exceeds what is owed (1000) plus the credit limit less credit held (500)") == (
        "amount 0.99 exceeds what is owed (10.00) plus the credit limit less credit held (5.00)"
    )
    assert yuan_message("refund 300 exceeds the cleared credit 100: 200 of the credit comes from payments") == (
        "refund 3.00 exceeds the cleared credit 1.00: 2.00 of the credit comes from payments"
    )
    unchanged = "payment 'p1' not found on line 12; on 2024-03-01 the refund r2 was booked, amount 2024-03-01"
    assert yuan_message(unchanged) == unchanged


def test_an_omitted_operation_id_is_new_every_time() -> None:
    assert operation_id("p1", "payment") == ("p1", False)
    first, generated = operation_id(None, "payment")
    assert generated and first.startswith("payment-") and len(first) <= 64
    assert operation_id(None, "payment")[0] != first


def test_an_alias_is_reported_by_the_name_typed_and_both_are_refused() -> None:
    assert one_of(("--on", None), ("--date", "2024-01-01")) == ("--date", "2024-01-01")
    assert one_of(("--on", "2024-01-01"), ("--date", None)) == ("--on", "2024-01-01")
    assert one_of(("--on", None), ("--date", None)) == ("--on", None)
    with pytest.raises(typer.Exit) as stop:
        one_of(("--on", "2024-01-01"), ("--date", "2024-01-02"))
    assert stop.value.exit_code == 2


def test_headers_fall_back_to_english() -> None:
    assert header("principal", "zh") == "本金" and header("principal", "en") == "principal"
    assert header("no such header", "zh") == "no such header"
