"""The ledger's named checks (ledger/checks.py): each returns the ways the books break it, never raises.

Hypothesis builds random journals: balanced ones pass every check; breaking one posting, dropping a leg or
splitting the journal into parts is caught (or, for parts, adds up) exactly as a plain recomputation says.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from creditloop.ledger import checks
from creditloop.ledger.accounts import CONTROL_ACCOUNTS, Account
from creditloop.ledger.checks import PostingRow
from creditloop.ledger.entries import EntryCode, entry

ACCOUNTS = list(Account)
PRINCIPAL, CASH, MERCHANT = Account.RECEIVABLE_PRINCIPAL, Account.CASH_CLEARING, Account.MERCHANT_PAYABLE


@st.composite
def balanced_entry(draw: st.DrawFn, entry_id: str) -> list[PostingRow]:
    """An entry of 2-6 postings whose debits equal its credits (every amount a positive integer)."""
    debits = draw(st.lists(st.integers(1, 10**12), min_size=1, max_size=3))
    total = sum(debits)
    cuts = sorted(draw(st.sets(st.integers(1, total - 1), max_size=min(2, total - 1)))) if total > 1 else []
    credits = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    rows = [(entry_id, draw(st.sampled_from(ACCOUNTS)).value, "D", a) for a in debits]
    rows += [(entry_id, draw(st.sampled_from(ACCOUNTS)).value, "C", a) for a in credits]
    return draw(st.permutations(rows))


@st.composite
def journals(draw: st.DrawFn) -> list[list[PostingRow]]:
    n = draw(st.integers(0, 12))
    return [draw(balanced_entry(f"L-{k % 3}/e/{k}")) for k in range(n)]


def plain_sums(rows: list[PostingRow]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for _e, account, side, amount in rows:
        out[account] += amount if side == "D" else -amount
    return dict(out)


@settings(max_examples=200, deadline=None)
@given(journal=journals())
def test_a_balanced_journal_passes_every_check(journal: list[list[PostingRow]]) -> None:
    rows = [r for e in journal for r in e]
    sums, errors = checks.audit_postings(rows)
    assert errors == [] and checks.postings_balance_per_entry(rows) == []
    assert sums == plain_sums(rows) == checks.signed_sums(rows)
    assert checks.trial_balance(sums) == []
    assert checks.totals_equal_postings(plain_sums(rows), sums) == []


@settings(max_examples=200, deadline=None)
@given(journal=journals().filter(bool), data=st.data())
def test_one_changed_amount_is_named_by_entry_and_breaks_the_trial_balance(
    journal: list[list[PostingRow]], data: st.DataObject
) -> None:
    k = data.draw(st.integers(0, len(journal) - 1))
    i = data.draw(st.integers(0, len(journal[k]) - 1))
    delta = data.draw(st.integers(1, 1000))
    entry_id, account, side, amount = journal[k][i]
    journal[k][i] = (entry_id, account, side, amount + delta)
    rows = [r for e in journal for r in e]
    sums, errors = checks.audit_postings(rows)
    signed = delta if side == "D" else -delta
    assert [e.message for e in errors] == [f"entry {entry_id} is unbalanced by {signed}"]
    assert [e.check for e in checks.trial_balance(sums)] == ["trial_balance"]
    assert checks.trial_balance(sums)[0].message == f"trial balance is {signed}, not 0"
    # Running totals kept from the unchanged journal no longer equal the postings, on that account only.
    before = dict(sums)
    before[account] -= signed
    (diff,) = checks.totals_equal_postings(before, sums)
    assert diff.check == "totals_equal_postings" and account in diff.message


@settings(max_examples=150, deadline=None)
@given(journal=journals(), cuts=st.lists(st.integers(0, 12), max_size=4))
def test_a_journal_split_into_parts_adds_up_to_the_whole(journal: list[list[PostingRow]], cuts: list[int]) -> None:
    """The merge's proof: the whole's per-account sums are the parts' added up; a part lost is seen."""
    rows = [r for e in journal for r in e]
    bounds = sorted({0, len(journal), *(c for c in cuts if c <= len(journal))})
    parts = [plain_sums([r for e in journal[a:b] for r in e]) for a, b in pairwise(bounds)]
    whole = plain_sums(rows)
    assert checks.parts_add_up(whole, parts) == []
    lost = [p for p in parts if any(p.values())]
    if lost:
        errors = checks.parts_add_up(whole, lost[1:], "merged")
        assert errors and all(e.check == "parts_add_up" and e.message.startswith("merged: ") for e in errors)


def test_one_legged_and_malformed_postings_are_named() -> None:
    rows: list[PostingRow] = [
        ("e1", CASH.value, "D", 100),
        ("e2", CASH.value, "X", 5),
        ("e2", MERCHANT.value, "C", 5),
        ("e3", CASH.value, "D", 0),
        ("e3", MERCHANT.value, "C", 0),
    ]
    assert checks.messages(checks.postings_balance_per_entry(rows)) == [
        "entry e1 has one posting",
        "entry e1 is unbalanced by 100",
        "entry e2: side 'X' on Assets:Cash:Clearing",
        "entry e2 is unbalanced by -5",
        "entry e3: amount 0 on Assets:Cash:Clearing",
        "entry e3: amount 0 on Liabilities:MerchantPayable",
    ]


def test_control_accounts_against_the_lines_name_each_account_that_differs() -> None:
    control = {PRINCIPAL: 500, Account.RECEIVABLE_FEE: 20}
    assert checks.control_equals_lines(control, {PRINCIPAL.value: 500, Account.RECEIVABLE_FEE.value: 20}) == []
    errors = checks.control_equals_lines(control, {PRINCIPAL.value: 400})
    assert checks.messages(errors) == [
        "control Assets:Receivable:Principal 500 != lines 400",
        "control Assets:Receivable:InstallmentFee 20 != lines 0",
    ]
    assert {e.check for e in errors} == {"control_equals_lines"}


def test_cash_and_merchant_payable_against_a_tally() -> None:
    balances = {CASH: 700, MERCHANT: -1000, PRINCIPAL: 300}
    assert checks.cash_equals_paid(balances, 700) == []
    assert checks.messages(checks.cash_equals_paid(balances, 701)) == ["cash 700 != paid 701"]
    assert checks.merchant_payable_equals_purchases(balances, 1200, 200) == []
    assert checks.messages(checks.merchant_payable_equals_purchases(balances, 1200, 100)) == [
        "merchant payable 1000 != purchases less refunds 1100"
    ]


def test_reconciliations_counts_and_zero_accounts() -> None:
    assert checks.reconciliations_clean(0) == []
    assert checks.messages(checks.reconciliations_clean(2, "merged daily")) == [
        "2 merged daily reconciliation(s) failed"
    ]
    assert checks.counts_equal("postings", 4, 4) == []
    assert checks.messages(checks.counts_equal("b0001 postings", 3, 4)) == ["b0001 postings: 3 rows, expected 4"]
    # An account that netted to zero and one never posted to are the same running total.
    assert checks.totals_equal_postings({CASH: 0, PRINCIPAL: 5}, {PRINCIPAL.value: 5}) == []


def test_lines_against_their_journal_entries_and_posting_rows_of_entries() -> None:
    buy = entry("L1/buy/1", EntryCode.PURCHASE, date(2024, 1, 6), "L1", [(PRINCIPAL, 300)], [(MERCHANT, 300)])
    assert list(checks.posting_rows([buy])) == [
        ("L1/buy/1", PRINCIPAL, "D", 300),
        ("L1/buy/1", MERCHANT, "C", 300),
    ]
    rebuilt = {"L1": {PRINCIPAL: 300}, "L2": {}}
    assert checks.lines_match_journal(rebuilt, {"L1": {PRINCIPAL.value: 300}, "L2": {}}) == []
    (error,) = checks.lines_match_journal(rebuilt, {"L1": {PRINCIPAL.value: 200}})
    assert error.message.startswith("L1: ") and PRINCIPAL.value in error.message
    assert str(error) == error.message
    assert len(CONTROL_ACCOUNTS) == 5  # the accounts a line's own balances cover
