"""Balance bands: each amount in exactly one band, ordered, edges in the band below; answers below the threshold
are the same whatever the contributions."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from creditloop.consortium.answers import INSUFFICIENT_ANSWER, AuditLog, query
from creditloop.consortium.bands import BALANCE_BANDS, BUCKETS, band_of, bands_from_edges, bucket_of
from creditloop.consortium.pseudonym import ConsortiumKey, pseudonym
from creditloop.consortium.signals import SHARING, Registry, contribution
from creditloop.strategy.idcard import make_resident_id

EDGES = [b.up_to for b in BALANCE_BANDS if b.up_to is not None]


@given(st.integers(min_value=0, max_value=10**12))
def test_each_amount_in_exactly_one_band(amount: int) -> None:
    hits = [b for b in BALANCE_BANDS if b.contains(amount)]
    assert hits == [band_of(amount)]
    band = hits[0]
    assert band.floor <= amount and (band.up_to is None or amount <= band.up_to)


@given(st.sampled_from(EDGES), st.integers(min_value=0, max_value=1))
def test_edges_belong_to_the_lower_band(edge: int, past: int) -> None:
    index = BALANCE_BANDS.index(band_of(edge))
    assert BALANCE_BANDS[index].up_to == edge
    assert BALANCE_BANDS.index(band_of(edge + past)) == index + past


@given(st.integers(min_value=0, max_value=10**10), st.integers(min_value=0, max_value=10**10))
def test_bands_are_monotone(a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    assert BALANCE_BANDS.index(band_of(lo)) <= BALANCE_BANDS.index(band_of(hi))


@given(st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=8, unique=True))
def test_any_increasing_edges_partition_the_line(raw: list[int]) -> None:
    edges = tuple(sorted(raw))
    bands = bands_from_edges(edges)
    assert len(bands) == len(edges) + 2
    for amount in (0, 1, *edges, *(e + 1 for e in edges)):
        assert sum(b.contains(amount) for b in bands) == 1


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_buckets_are_monotone_in_days(a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    assert BUCKETS.index(bucket_of(lo)) <= BUCKETS.index(bucket_of(hi))
    assert bucket_of(0) == "current" and bucket_of(30) == "1-30" and bucket_of(31) == "31-60" and bucket_of(91) == "91+"


_figures = st.tuples(
    st.integers(0, 20), st.integers(0, 10**9), st.integers(0, 400), st.integers(0, 50)
)  # open lines, balance fen, days past due, applications


@given(st.lists(_figures, min_size=0, max_size=2), _figures)
def test_below_threshold_nothing_depends_on_the_contributions(
    others: list[tuple[int, int, int, int]], own: tuple[int, int, int, int]
) -> None:
    day = date(2026, 6, 1)
    p = pseudonym(make_resident_id("440300", date(1985, 1, 2), 7), ConsortiumKey("k1", b"s" * 32))
    members = ["asker", "m0", "m1"]
    reg = Registry(frozenset(members))
    reg.grant("asker", "k1", p, "early_warning", day)
    for member, (lines, balance, dpd, apps) in zip(members, [own, *others], strict=False):
        reg.grant(member, "k1", p, SHARING, day)
        reg.contribute(
            contribution(
                member, "k1", p, open_lines=lines, balance_fen=balance if lines else 0,
                days_past_due=dpd if lines else 0, applications_30d=apps, as_of=day,
            )
        )  # fmt: skip
    answer = query(reg, AuditLog(), "asker", "early_warning", {"k1": p}, day)
    assert answer.to_json() == INSUFFICIENT_ANSWER.to_json()
