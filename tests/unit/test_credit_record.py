from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from creditloop.core.errors import ValidationError
from creditloop.reporting import CreditRecordMonth, history_string, metro2_payment_rating, monthly_status, pboc_code

VECTORS = Path(__file__).resolve().parents[1] / "data" / "delinquency_codes.json"  # sources: tests/data/README.md


def load_vectors() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTORS.read_text(encoding="utf-8"))
    return data


def edges(dpd_range: str) -> list[int]:
    """The DPD values at both edges of a range ('0', '1-30', '>=181'), plus one beyond an open end."""
    if m := re.fullmatch(r">=(\d+)", dpd_range):
        lo = int(m.group(1))
        return [lo, lo + 1, lo + 1000]
    if m := re.fullmatch(r"(\d+)-(\d+)", dpd_range):
        return [int(m.group(1)), int(m.group(2))]
    return [int(dpd_range)]


def test_every_china_pboc_row() -> None:
    rows = load_vectors()["china"]
    assert len(rows) == 8
    checked = 0
    for row in rows:
        for dpd in edges(row["dpd"]):
            assert pboc_code(dpd) == row["pboc_status"], (row, dpd)
            # an open line with a balance reports the same code month by month
            assert monthly_status(dpd, 10_000, closed=False) == row["pboc_status"], (row, dpd)
            checked += 1
    assert checked == 16  # 0; both edges of six ranges; 181, 182, 1181


def test_every_metro2_payment_rating_row() -> None:
    rows = load_vectors()["us_metro2_payment_rating"]
    dpd_rows = [r for r in rows if "dpd" in r]
    assert len(dpd_rows) == 7
    for row in dpd_rows:
        for dpd in edges(row["dpd"]):
            assert metro2_payment_rating(dpd) == row["code"], (row, dpd)
    # G (collection) and L (charge-off) are account events, not DPD ratings: never produced from DPD.
    event_codes = {r["code"] for r in rows if "dpd" not in r}
    assert event_codes == {"G", "L"}
    assert not event_codes & {metro2_payment_rating(d) for d in range(0, 400)}


def test_pboc_closed_code_matches_vectors() -> None:
    other = load_vectors()["pboc_other_status_codes"]
    assert other["C"] == "settled/closed"
    assert monthly_status(0, 0, closed=True) == "C"


def test_systems_disagree_at_edges() -> None:
    assert (pboc_code(29), metro2_payment_rating(29)) == ("1", "0")
    assert (pboc_code(30), metro2_payment_rating(30)) == ("1", "1")
    assert (pboc_code(180), metro2_payment_rating(180)) == ("6", "6")
    assert (pboc_code(181), metro2_payment_rating(181)) == ("7", "6")


def test_monthly_status_cases() -> None:
    assert monthly_status(0, 50_000, closed=False) == "N"
    assert monthly_status(0, 0, closed=False) == "N"  # open, nothing drawn: normal, not settled
    assert monthly_status(0, 0, closed=True) == "C"
    assert monthly_status(45, 50_000, closed=True) == "2"  # closing must not hide arrears
    with pytest.raises(ValidationError) as exc:
        monthly_status(10, 0, closed=False)
    assert exc.value.field == "dpd"
    with pytest.raises(ValidationError):
        monthly_status(-1, 100, closed=False)
    with pytest.raises(ValidationError):
        pboc_code(-1)


def test_credit_record_month() -> None:
    m = CreditRecordMonth.of("L1", "2024-03", dpd=61, balance_minor=123_00, closed=False)
    assert m == CreditRecordMonth("L1", "2024-03", "3", 61, 123_00)
    with pytest.raises(ValidationError) as exc:
        CreditRecordMonth("L1", "2024-13", "N", 0, 0)
    assert exc.value.field == "month"
    with pytest.raises(ValidationError) as exc:
        CreditRecordMonth("L1", "2024-01", "NN", 0, 0)
    assert exc.value.field == "status"


def test_history_string_most_recent_first_and_padded() -> None:
    assert history_string(["N", "N", "1", "2", "N"]) == "N21NN" + "/" * 19
    assert len(history_string([])) == 24 and history_string([]) == "/" * 24
    thirty = [str(i % 10) for i in range(30)]  # oldest first
    grid = history_string(thirty)
    assert len(grid) == 24
    assert grid == "".join(reversed(thirty))[:24]
    assert history_string(["0", "1"], months=4, pad="B") == "10BB"  # Metro 2 profile style
    with pytest.raises(ValidationError):
        history_string(["NN"])
    with pytest.raises(ValidationError):
        history_string(["N"], months=0)


@pytest.mark.parametrize(
    ("dpd", "pboc", "metro2"),
    [(0, "N", "0"), (1, "1", "0"), (30, "1", "1"), (31, "2", "1"), (60, "2", "2"), (61, "3", "2"), (90, "3", "3"),
     (91, "4", "3"), (120, "4", "4"), (121, "5", "4"), (150, "5", "5"), (151, "6", "5"), (180, "6", "6"),
     (181, "7", "6")],
)  # fmt: skip
def test_edges_without_vector_file(dpd: int, pboc: str, metro2: str) -> None:
    assert (pboc_code(dpd), metro2_payment_rating(dpd)) == (pboc, metro2)
