"""The (roll state x payment history) chain of ``risk ecl --segment-by payment``: the credibility blend by hand, the
exposure-weighted current row, the DPD clock for unseen rows, refusals, and (Hypothesis) stochastic rows and valid
term structures for any counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditloop.core.errors import ValidationError
from creditloop.portfolio.ecl import payment_chain as pc

CCF = Decimal("0.20")
N = pc.NEVER_PAID
P = pc.PAID
M0_NEVER, M1_NEVER, M2_NEVER = 0, 1, 2
M0_PAID, M1_PAID, M2_PAID = 8, 9, 10
CO, CL = 16, 17


def test_a_thin_row_is_blended_with_the_row_pooled_over_both_layers() -> None:
    counts = [
        (N, 1, N, 2, 10, 0, 0),  # 10 never-paid lines in M1 all roll to M2
        (P, 1, P, 0, 45, 0, 0),  # 90 paid lines in M1: half cure, half roll
        (P, 1, P, 2, 45, 0, 0),
    ]
    m = pc.matrix(counts, CCF, credibility=50)
    # own row: M2 never 1.0; pooled (never layer keeps the paid layer's flag): M2 never .1, M0 paid .45, M2 paid .45
    z = 10 / 60
    assert m[M1_NEVER][M2_NEVER] == pytest.approx(z + (1 - z) * 0.1)
    assert m[M1_NEVER][M0_PAID] == pytest.approx((1 - z) * 0.45)
    assert m[M1_NEVER][M2_PAID] == pytest.approx((1 - z) * 0.45)
    zp = 90 / 140  # the paid row: its own half/half, blended with the pooled row (M0 paid .45, M2 paid .55)
    assert m[M1_PAID][M0_PAID] == pytest.approx(zp * 0.5 + (1 - zp) * 0.45)
    assert m[M1_PAID][M2_NEVER] == 0.0  # a paid line never goes back to the never-paid layer
    assert pc.matrix(counts, CCF, credibility=0)[M1_NEVER][M2_NEVER] == 1.0  # no blending: the own row


def test_the_current_row_is_weighted_by_exposure() -> None:
    counts = [
        (P, 0, P, 0, 2, 0, 1_000_00),  # two unused lines stay current: EAD 0.2 x 100,000 fen
        (P, 0, P, 1, 1, 1_000_00, 0),  # one full line falls behind: EAD 100,000 fen
    ]
    m = pc.matrix(counts, CCF, credibility=0)
    assert m[M0_PAID][M1_PAID] == pytest.approx(100_000 / (100_000 + 20_000))  # by count it would be 1/3
    assert m[M0_PAID][M0_PAID] == pytest.approx(20_000 / 120_000)


def test_rows_seen_nowhere_follow_the_dpd_clock() -> None:
    ts = pc.term_structures(pc.matrix([], CCF), 12)
    for layer in (N, P):
        assert ts[layer].pd(0, 12) == 0.0  # current stays current
        assert ts[layer].pd(1, 6) == 0.0 and ts[layer].pd(1, 7) == 1.0  # M1 -> M2 ... M7 -> CO: seven months
        assert ts[layer].pd(7, 1) == 1.0


def test_never_paid_lines_that_roll_straight_default_sooner_than_paying_ones() -> None:
    counts = [(N, k, N, k + 1, 200, 0, 0) for k in range(1, 7)] + [(N, 7, N, 8, 200, 0, 0)]
    counts += [(P, k, P, 0, 60, 0, 0) for k in range(1, 8)] + [(P, k, P, k + 1, 40, 0, 0) for k in range(1, 8)]
    counts += [(N, 0, N, 1, 5, 500, 500), (N, 0, N, 0, 95, 9_500, 9_500), (P, 0, P, 1, 5, 500, 500)]
    counts += [(P, 0, P, 0, 995, 99_500, 99_500)]
    ts = pc.term_structures(pc.matrix(counts, CCF), 36)
    for state in range(8):
        assert ts[N].pd(state, 12) > ts[P].pd(state, 12)
    assert ts[N].pd(1, 12) > 0.5 > ts[P].pd(1, 12)


@pytest.mark.parametrize(
    ("counts", "credibility", "field"),
    [
        ([("owed", 0, P, 0, 1, 0, 0)], 50, "segment"),
        ([(P, 8, P, 8, 1, 0, 0)], 50, "counts"),
        ([(P, 0, P, 10, 1, 0, 0)], 50, "counts"),
        ([(P, 0, P, 1, -1, 0, 0)], 50, "counts"),
        ([(P, 0, P, 1, 1, 0, -5)], 50, "counts"),
        ([], -1, "credibility"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    counts: list[tuple[str, int, str, int, int, int, int]], credibility: float, field: str
) -> None:
    with pytest.raises(ValidationError) as err:
        pc.matrix(counts, CCF, credibility)
    assert err.value.field == field


def test_the_horizon_is_checked() -> None:
    with pytest.raises(ValidationError) as err:
        pc.term_structures(pc.matrix([], CCF), 0)
    assert err.value.field == "horizon"


cells = st.tuples(
    st.sampled_from([N, P]), st.integers(0, 7), st.sampled_from([N, P]), st.integers(0, 9),
    st.integers(1, 500), st.integers(0, 10**7), st.integers(0, 10**7),
)  # fmt: skip


@given(st.lists(cells, max_size=40), st.sampled_from([0, 1, 50, 1000]))
def test_any_counts_give_stochastic_rows_and_valid_term_structures(
    counts: list[tuple[str, int, str, int, int, int, int]], credibility: int
) -> None:
    m = pc.matrix(counts, CCF, credibility)
    for row in m:
        assert all(0.0 <= v <= 1.0 + 1e-12 for v in row)
        assert sum(row) == pytest.approx(1.0, abs=1e-9)
    for a in range(M0_PAID, CO):  # the paid layer never returns to the never-paid one
        assert sum(m[a][:M0_PAID]) == 0.0
    ts = pc.term_structures(m, 24)  # TermStructure itself refuses a falling curve or a PD outside [0, 1]
    for layer in (N, P):
        assert ts[layer].pd(7, 1) == pytest.approx(1.0) or m[pc._index(7, layer == P)][CO] < 1.0
