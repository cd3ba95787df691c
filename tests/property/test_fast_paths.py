"""Fast paths of the simulator's hot code give exactly what the plain code gave (docs/performance.md)."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from creditloop.products.terms import default_product
from creditloop.servicing import restructure
from creditloop.servicing.credit_line import CreditLine, fingerprint
from creditloop.servicing.model import payload_fingerprint as _payload
from creditloop.servicing.serialization import line_to_dict

scalars = st.one_of(st.text(), st.integers(), st.booleans(), st.none(), st.dates())
parts = st.lists(st.one_of(scalars, st.tuples(st.text(), scalars)), max_size=8)


def _plain(*items: object) -> str:
    return hashlib.sha256(json.dumps([str(p) for p in items]).encode()).hexdigest()[:16]


@settings(max_examples=300)
@given(parts)
def test_fingerprint_hashes_the_same_text_as_json_dumps(items: list[object]) -> None:
    assert fingerprint(*items) == _plain(*items)  # non-ASCII, quotes, control characters included


@given(st.dictionaries(st.text(min_size=1), scalars, max_size=6))
def test_payload_fingerprint_ignores_the_sequence_number(ev: dict[str, object]) -> None:
    plain = _plain(*sorted((k, v) for k, v in ev.items() if k != "seq"))
    assert _payload(ev) == plain
    assert _payload({**ev, "seq": 99}) == plain


def _line_in_arrears() -> CreditLine:
    line = CreditLine.open("L-P", "C-P", default_product(), 500_000, date(2024, 1, 1))
    line.purchase("p1", 120_000, 6, date(2024, 1, 5))
    line.purchase("p2", 30_000, 3, date(2024, 1, 20))
    line.repay("y1", 5_000, date(2024, 2, 12))
    line.close_through(date(2024, 4, 20))
    return line


def test_a_preview_leaves_the_line_as_it_was_and_matches_a_full_copy() -> None:
    line = _line_in_arrears()
    before = json.dumps(line_to_dict(line), sort_keys=True, default=str)
    shown = restructure.preview_term_extension(line, date(2024, 4, 21), 12)
    assert json.dumps(line_to_dict(line), sort_keys=True, default=str) == before
    reference = restructure.preview_term_extension(copy.deepcopy(line), date(2024, 4, 21), 12)
    assert shown == reference
    assert shown.after != shown.before and shown.dpd_after == 0  # re-aged on the copy only
    assert line.dpd > 0 and len(line.events) == 3 and "preview" not in line.seen_ids
