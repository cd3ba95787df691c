"""Client ids never poison a line: escaped entry ids, structural suffixes, boundary checks (issue 11, item 3)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditloop.core.errors import IdempotencyConflict, ValidationError
from creditloop.ledger import InMemoryJournal, trial_balance
from creditloop.ledger.ids import MAX_ENTRY_ID_CHARS, check_client_id, escape_id, unescape_id
from creditloop.ledger.journal import line_balances
from creditloop.products.terms import default_product
from creditloop.servicing.corrections import base_id
from creditloop.servicing.credit_line import CreditLine

START = date(2024, 1, 5)


def books_exact(line: CreditLine, journal: InMemoryJournal) -> None:
    journal.append(line.drain_entries())
    assert sum(trial_balance(journal.entries()).values()) == 0
    sub = line_balances(journal.entries()).get(line.line_id, {})
    for account, amount in line.sub_ledger().items():
        assert sub.get(account, 0) == amount


def test_common_ids_are_unchanged_and_the_three_separators_are_escaped() -> None:
    for plain in ("p1", "L-000123", "pay.2024-01-05_x", "付款1"):
        assert escape_id(plain) is plain
    assert escape_id("pay~x") == "pay%7Ex"
    assert escape_id("buy/p1") == "buy%2Fp1"
    assert escape_id("100%") == "100%25"
    assert escape_id("%2F") == "%252F"  # an id that looks escaped is escaped again: no two ids meet
    assert unescape_id("%252F") == "%2F" and unescape_id("a%2Fb%7Ec%25") == "a/b~c%"


def test_a_tilde_payment_id_reversed_after_day_end_keeps_the_line_correctable() -> None:
    """Was: ValueError: invalid literal for int() on the reversal, and on every later correction."""
    line = CreditLine.open("L1", "C1", default_product(), 50000, START)
    journal = InMemoryJournal()
    line.purchase("b1", 10000, 1, START)
    line.repay("pay~x", 4000, START)
    line.close_through(START + timedelta(days=3))
    books_exact(line, journal)
    line.reverse_payment("rev~1", "pay~x", START + timedelta(days=4), posted=list(journal.entries()))
    books_exact(line, journal)
    assert line.principal_minor == 10000
    line.close_through(START + timedelta(days=5))
    books_exact(line, journal)
    # A later back-dated payment is still re-derived on the same line.
    line.repay("p/2", 2500, START + timedelta(days=2), posted=list(journal.entries()))
    books_exact(line, journal)
    assert line.principal_minor == 7500
    ids = [e.entry_id for e in journal.entries()]
    assert "L1/pay/pay%7Ex" in ids and "L1/pay/pay%7Ex/rev" in ids and "L1/pay/p%2F2" in ids


@pytest.mark.parametrize(("first", "second"), [("x", "x~5"), ("q", "q/rev"), ("x", "x~2")])
def test_ids_that_look_like_suffixes_do_not_collide(first: str, second: str) -> None:
    line = CreditLine.open("L1", "C1", default_product(), 50000, START)
    journal = InMemoryJournal()
    line.purchase("b1", 20000, 1, START)
    line.repay(first, 1000, START)
    line.repay(second, 2000, START)
    line.close_through(START + timedelta(days=2))
    books_exact(line, journal)
    # A correction revises and reverses entries: the revision and reversal ids must not meet the second id.
    line.reverse_payment("r1", first, START + timedelta(days=3), posted=list(journal.entries()))
    line.close_through(START + timedelta(days=4))
    books_exact(line, journal)
    line.repay("late", 500, START + timedelta(days=1), posted=list(journal.entries()))
    books_exact(line, journal)
    assert line.principal_minor == 20000 - 2000 - 500


def test_entry_ids_do_not_collide_across_lines() -> None:
    """Was: line ``A`` repayment ``buy/p1`` blocked purchase ``p1`` on line ``A/pay``."""
    journal = InMemoryJournal()
    a = CreditLine.open("A", "C1", default_product(), 50000, START)
    b = CreditLine.open("A/pay", "C2", default_product(), 50000, START)
    a.purchase("x", 1000, 1, START)
    a.repay("buy/p1", 500, START)
    b.purchase("p1", 700, 1, START)
    journal.append(a.drain_entries())
    journal.append(b.drain_entries())  # no IdempotencyConflict
    books_exact(a, journal)
    books_exact(b, journal)


def test_a_revision_suffix_is_parsed_structurally() -> None:
    assert base_id("L1/pay/p1~3") == "L1/pay/p1"
    assert base_id("L1/pay/pay~x") == "L1/pay/pay~x"  # written before escaping: its own base, no int() crash


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("", "non-empty"),
        ("x" * 65, "at most 64"),
        ("a\tb", "control characters"),
        ("a\nb", "control characters"),
        ("a\x00", "control characters"),
        ("   ", "whitespace"),
        (" p1", "whitespace"),
        ("p1 ", "whitespace"),
    ],
)
def test_client_ids_are_checked_at_the_boundary(value: str, rule: str) -> None:
    with pytest.raises(ValidationError, match=rule) as err:
        check_client_id(value, "payment_id")
    assert err.value.field == "payment_id"


def test_the_longest_entry_id_fits_the_columns() -> None:
    worst = "/" * 64
    line = CreditLine.open(worst, "C1", default_product(), 50000, START)
    line.purchase(worst, 1000, 1, START)
    line.repay(worst[:-1] + "~", 5000, START)
    line.refund_credit_balance(worst[:-1] + "%", 1, START + timedelta(days=5))
    longest = max(len(e.entry_id) for e in line.drain_entries())
    assert longest + len("~99999/rev") <= MAX_ENTRY_ID_CHARS <= 512


ids = st.text(alphabet=st.sampled_from("ab/~%2F7E5"), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(ids, min_size=2, max_size=3, unique=True), clients=st.lists(ids, min_size=1, max_size=4, unique=True)
)
def test_distinct_client_ids_never_collide_and_round_trip(lines: list[str], clients: list[str]) -> None:
    journal = InMemoryJournal()
    for line_id in lines:
        line = CreditLine.open(line_id, "C", default_product(), 10**9, START)
        for client in clients:  # the same client ids on every line; a line's ids are unique across kinds
            line.purchase(client, 1000, 1, START)
            line.repay(client + "/P", 400, START)
            line.refund(client + "~R", client, 100, START)
        entries = line.drain_entries()
        sent = {*clients, *(c + "/P" for c in clients), *(c + "~R" for c in clients)}
        for e in entries:
            parts = e.entry_id.split("/")
            assert len(parts) == 3 and unescape_id(parts[0]) == line_id and unescape_id(parts[2]) in sent
        try:
            journal.append(entries)
        except IdempotencyConflict as exc:  # pragma: no cover - the failure this property guards
            raise AssertionError(f"entry ids collided: {exc}") from exc
    all_ids = [e.entry_id for e in journal.entries()]
    assert len(all_ids) == len(set(all_ids)) == len(lines) * len(clients) * 3


def test_existing_ledgers_keep_their_entry_ids() -> None:
    """Ids without %, / or ~ give exactly the entry ids written before escaping existed: no data migration."""
    line = CreditLine.open("L-1", "C1", default_product(), 50000, START)
    line.purchase("buy-1", 10000, 3, START)
    line.repay("pay-1", 200, START)
    line.refund("ref-1", "buy-1", 100, START + timedelta(days=1))
    line.close_through(date(2024, 3, 20))
    ids = {e.entry_id for e in line.drain_entries()}
    assert {"L-1/buy/buy-1", "L-1/pay/pay-1", "L-1/refund/ref-1", "L-1/fee/2024-02-01"} <= ids
    assert "L-1/pen/2024-02-11" in ids  # the same ids main wrote for this history
    assert line.plans[0].plan_id == "L-1/plan/1"
