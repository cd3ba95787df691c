"""The PD prior (``risk ecl --pd-prior``): the credibility blend by hand in the count chain and the payment layers,
the rows it does not give keeping the old rule, the document written and read back, refusals by field, and
(Hypothesis) stochastic rows and valid term structures for any counts and any prior."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditloop.core.errors import ValidationError
from creditloop.portfolio.ecl import payment_chain as pc
from creditloop.portfolio.ecl import pd_prior
from creditloop.portfolio.ecl.term_structure import check_matrix, matrix_from_counts, term_structure

M0, M1, M2, M3, M4, CO, CL = 0, 1, 2, 3, 4, 8, 9


def _prior(rows: dict[str, dict[str, float]], k: float = 50) -> pd_prior.PdPrior:
    return pd_prior.from_dict({"schema": pd_prior.SCHEMA, "version": "sister-2025", "credibility_lines": k,
                               "rows": rows})  # fmt: skip


PRIOR = _prior({"M2": {"M0": 0.6, "M3": 0.4}, "M3": {"M0": 0.2, "M4": 0.8}})


def test_a_row_is_blended_with_the_prior_by_its_line_months() -> None:
    counts = {(M0, M0): 900, (M0, M1): 100, (M1, M2): 10, (M2, M3): 25, (M2, M0): 25}
    m = matrix_from_counts(counts, prior=PRIOR)
    z = 50 / (50 + 50)  # M2 seen 50 times: its own half / half, blended half and half with the prior's 0.6 / 0.4
    assert m[M2][M0] == pytest.approx(z * 0.5 + (1 - z) * 0.6)
    assert m[M2][M3] == pytest.approx(z * 0.5 + (1 - z) * 0.4)
    assert m[M3][M0] == pytest.approx(0.2) and m[M3][M4] == pytest.approx(0.8)  # unseen: the prior's row
    assert m[M1][M2] == 1.0 and m[M0][M1] == pytest.approx(0.1)  # rows the prior does not give: the book's own
    assert m[M4][5] == 1.0  # unseen and not in the prior: the DPD clock
    without = matrix_from_counts(counts)
    assert without[M3][M4] == 1.0  # without a prior the unseen M3 rolls on by the clock
    # an unseen M3 that cures a fifth of the time lowers every PD that runs through it
    assert term_structure(m, 12).pd(M2, 12) < term_structure(without, 12).pd(M2, 12)


def test_a_larger_credibility_constant_leans_on_the_prior() -> None:
    counts = {(M2, M3): 10}
    assert matrix_from_counts(counts, prior=_prior({"M2": {"M0": 1.0}}, k=10))[M2][M0] == pytest.approx(0.5)
    assert matrix_from_counts(counts, prior=_prior({"M2": {"M0": 1.0}}, k=90))[M2][M0] == pytest.approx(0.9)


def test_the_payment_layers_blend_their_pooled_row_with_the_prior() -> None:
    never, paid = 0, pc._BUCKETS  # M0 of each layer
    counts = [(pc.NEVER_PAID, 2, pc.NEVER_PAID, 3, 10, 0, 0)]  # 10 never-paid lines at M2, all rolled
    m = pc.matrix(counts, Decimal("0.2"), credibility=50, prior=PRIOR)
    zp = 10 / 60  # the pooled M2 row (10 line-months) blended with the prior; then the layer's own row with that
    pooled_roll = zp * 1.0 + (1 - zp) * 0.4
    assert m[never + 2][never + 3] == pytest.approx(zp * 1.0 + (1 - zp) * pooled_roll)
    # the prior's cure needs a payment: from the never-paid layer it lands in the paid layer's M0
    assert m[never + 2][paid + 0] == pytest.approx((1 - zp) * (1 - zp) * 0.6)
    assert m[never + 3][paid + 0] == pytest.approx(0.2) and m[never + 3][never + 4] == pytest.approx(0.8)
    assert m[paid + 3][paid + 0] == pytest.approx(0.2) and m[paid + 3][paid + 4] == pytest.approx(0.8)
    assert m[paid + 2][never + 3] == 0.0  # a paid line never goes back to the never-paid layer


def test_a_delinquent_line_that_stays_in_its_bucket_has_paid() -> None:
    never, paid = 0, pc._BUCKETS
    stays = _prior({"M2": {"M2": 0.5, "M3": 0.5}, "M0": {"M0": 0.9, "M1": 0.1}})
    m = pc.matrix([], Decimal("0.2"), prior=stays)  # nothing observed: the prior's rows, mapped into the layers
    assert m[never + 2][paid + 2] == pytest.approx(0.5) and m[never + 2][never + 2] == 0.0
    assert m[never + 2][never + 3] == pytest.approx(0.5)  # rolling on takes no payment
    assert m[never + 0][never + 0] == pytest.approx(0.9)  # a current line with nothing due stays never-paid


def test_a_segment_matrix_takes_the_book_rows_not_the_prior() -> None:
    book = matrix_from_counts({(M0, M1): 1}, prior=PRIOR)
    with pytest.raises(ValidationError) as exc:
        matrix_from_counts({(M0, M0): 1}, book, prior=PRIOR)
    assert exc.value.field == "prior"


def test_a_book_written_as_a_prior_reads_back_with_rows_summing_to_one(tmp_path: Path) -> None:
    counts = {(M0, M0): 2, (M0, M1): 1, (M1, M0): 1, (M1, M2): 2, (M2, CO): 1, (M0, CL): 0}
    lines = [3, 3, 1, 0, 0, 0, 0, 0]
    matrix = matrix_from_counts(counts)
    assert pd_prior.to_dict(matrix, lines, "v", "")["rows"] == {}  # by default a row needs 30 line-months
    assert set(pd_prior.to_dict(matrix, lines, "v", "", min_line_months=3)["rows"]) == {"M0", "M1"}
    with pytest.raises(ValidationError) as exc:
        pd_prior.to_dict(matrix, lines, "v", "", min_line_months=0)
    assert exc.value.field == "min_line_months"
    doc = pd_prior.to_dict(matrix, lines, "seasoned-2025", "book A at 2025-12", min_line_months=1)
    assert set(doc["rows"]) == {"M0", "M1", "M2"} and doc["line_months"] == {"M0": 3, "M1": 3, "M2": 1}
    assert doc["rows"]["M0"] == {"M0": 0.666667, "M1": 0.333333} and doc["rows"]["M2"] == {"CO": 1.0}
    path = tmp_path / "prior.json"
    import json

    path.write_text(json.dumps(doc), "utf-8")
    prior = pd_prior.load(path)
    assert prior.version == "seasoned-2025" and sorted(prior.rows) == [M0, M1, M2]
    assert all(sum(r) == pytest.approx(1.0, abs=1e-12) for r in prior.rows.values())
    assert prior.describe() == {"version": "seasoned-2025", "source": "book A at 2025-12", "credibility_lines": 50.0,
                                "rows": ["M0", "M1", "M2"]}  # fmt: skip


def _doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"schema": pd_prior.SCHEMA, "version": "v", "rows": {"M3": {"M0": 0.5, "M4": 0.5}}}
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not None}


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ([], "pd_prior"),
        (_doc(schema="creditloop.ecl.pd_prior/9"), "schema"),
        (_doc(extra=1), "extra"),
        (_doc(version=""), "version"),
        (_doc(version=None), "version"),
        (_doc(source=3), "source"),
        (_doc(credibility_lines=0), "credibility_lines"),
        (_doc(credibility_lines=True), "credibility_lines"),
        (_doc(credibility_lines=float("nan")), "credibility_lines"),
        (_doc(rows={}), "rows"),
        (_doc(rows={"CO": {"CO": 1.0}}), "rows.CO"),
        (_doc(rows={"M3": []}), "rows.M3"),
        (_doc(rows={"M3": {"M9": 1.0}}), "rows.M3.M9"),
        (_doc(rows={"M3": {"M0": 1.5}}), "rows.M3.M0"),
        (_doc(rows={"M3": {"M0": "0.5", "M4": 0.5}}), "rows.M3.M0"),
        (_doc(rows={"M3": {"M0": 0.5, "M4": 0.4}}), "rows.M3"),
    ],
)
def test_a_bad_prior_is_refused_naming_the_field(doc: Any, field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        pd_prior.from_dict(doc)
    assert exc.value.field == field, exc.value.message


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "prior.json"
    path.write_text("{not json", "utf-8")
    with pytest.raises(ValidationError) as exc:
        pd_prior.load(path)
    assert exc.value.field == "pd_prior" and "cannot read" in exc.value.message


_probabilities = st.lists(st.integers(0, 20), min_size=10, max_size=10).filter(lambda r: sum(r) > 0)
_priors = st.dictionaries(st.sampled_from(["M0", "M1", "M2", "M3", "M4", "M5", "M6", "M7"]), _probabilities,
                          min_size=1)  # fmt: skip
_counts = st.dictionaries(st.tuples(st.integers(0, 7), st.integers(0, 9)), st.integers(0, 200), max_size=30)


def _as_prior(rows: dict[str, list[int]], k: float) -> pd_prior.PdPrior:
    from creditloop.portfolio.metrics import ROLL_STATES

    return _prior({s: {ROLL_STATES[j]: w / sum(r) for j, w in enumerate(r) if w} for s, r in rows.items()}, k)


@settings(max_examples=60, deadline=None)
@given(counts=_counts, rows=_priors, k=st.floats(0.5, 500))
def test_any_counts_with_any_prior_give_a_stochastic_matrix_and_valid_pds(
    counts: dict[tuple[int, int], int], rows: dict[str, list[int]], k: float
) -> None:
    prior = _as_prior(rows, k)
    m = check_matrix(matrix_from_counts(counts, prior=prior))  # raises unless stochastic
    ts = term_structure(m, 36)
    assert all(0.0 <= ts.pd(s, 12) <= ts.pd(s, 36) <= 1.0 for s in range(8))
    layered = [(pc.PAID if (i + j) % 2 else pc.NEVER_PAID, i, pc.PAID, j, n, n * 100, n * 50)
               for (i, j), n in counts.items()]  # fmt: skip
    chain = pc.matrix(layered, Decimal("0.2"), prior=prior)
    assert all(sum(r) == pytest.approx(1.0) and min(r) >= 0.0 for r in chain)
    for ts in pc.term_structures(chain, 24).values():
        assert all(0.0 <= ts.pd(s, 12) <= ts.pd(s, 24) <= 1.0 for s in range(8))
