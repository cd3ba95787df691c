"""``creditloop risk pd-prior`` and ``risk ecl --pd-prior`` on the hand-made four-line panel of test_cli_risk_ecl:
the prior written from a book (the rows it saw, their line-months, loadable), a hand-written prior moving the PD of
the line on an unseen row, the prior named in the JSON, the text and the booked audit record, and bad input
refused naming the option and the field with nothing written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_cli_risk_ecl import cl, ecl_book, ok_json  # tests/e2e is on the path (no __init__.py)

pytest.importorskip("ibis", reason="the ECL inputs are read with the 'analytics' extra (ibis)")
__all__ = ["ecl_book"]  # the fixture, imported for pytest


def _write(path: Path, rows: dict[str, dict[str, float]], k: float = 1000, version: str = "hand-1") -> Path:
    doc = {"schema": "creditloop.ecl.pd_prior/1", "version": version, "source": "a test", "credibility_lines": k,
           "rows": rows}  # fmt: skip
    path.write_text(json.dumps(doc), "utf-8")
    return path


def test_a_book_is_written_as_a_prior_with_the_rows_it_saw(ecl_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "prior.json"
    doc = ok_json("risk", "pd-prior", "--data-dir", str(ecl_book), "--version", "book-2024-04", "--out", str(out),
                  "--min-line-months", "1")  # fmt: skip
    written = json.loads(out.read_text("utf-8"))
    assert written == {k: v for k, v in doc.items() if k != "out"}
    assert written["schema"] == "creditloop.ecl.pd_prior/1" and written["version"] == "book-2024-04"
    # month-to-month pairs from current: A 3, B 1 (to 15 DPD), C 2 (one to 20 DPD), D 2; from M1: B (to 45 DPD) and C
    # (back to current); from M2: B (to 75 DPD)
    assert written["line_months"] == {"M0": 8, "M1": 2, "M2": 1}
    assert written["rows"]["M2"] == {"M3": 1.0} and written["rows"]["M1"] == {"M0": 0.5, "M2": 0.5}
    again = ok_json("risk", "ecl", "--data-dir", str(ecl_book), "--pd-prior", str(out))
    assert again["parameters"]["pd_prior"]["version"] == "book-2024-04"
    # the book's own prior blended with itself changes nothing on the rows it saw
    base = ok_json("risk", "ecl", "--data-dir", str(ecl_book))
    assert [r["pd_12m"] for r in again["pd_term_structure"][:3]] == pytest.approx(
        [r["pd_12m"] for r in base["pd_term_structure"][:3]]
    )


def test_a_prior_moves_the_pd_of_a_line_on_an_unseen_row(ecl_book: Path, tmp_path: Path) -> None:
    prior = _write(tmp_path / "p.json", {"M3": {"M0": 1.0}})  # elsewhere every 61-90 DPD line paid up
    base = ok_json("risk", "ecl", "--data-dir", str(ecl_book), "--accounts")
    got = ok_json("risk", "ecl", "--data-dir", str(ecl_book), "--accounts", "--pd-prior", str(prior))
    b0 = next(a for a in base["accounts"] if a["line_id"] == "B")
    b1 = next(a for a in got["accounts"] if a["line_id"] == "B")
    assert b0["pd_12m"] == 1.0  # M3 unseen: the DPD clock charges B off within the year
    assert b1["pd_12m"] < 0.5 and b1["ecl_minor"] < b0["ecl_minor"]
    assert got["parameters"]["pd_prior"] == {"version": "hand-1", "source": "a test", "credibility_lines": 1000.0,
                                             "rows": ["M3"]}  # fmt: skip
    assert base["parameters"]["pd_prior"] is None
    text = cl("risk", "ecl", "--data-dir", str(ecl_book), "--pd-prior", str(prior)).stdout
    assert "PD prior hand-1 (credibility constant 1000 line-months)" in text
    # the thin-row warning leaves out the row the prior gives (M3), not the others
    assert "the PD rests on thin rows (line-months): M1 2, M2 1, M4 0, M5 0, M6 0" in text
    zh = cl("risk", "ecl", "--data-dir", str(ecl_book), "--pd-prior", str(prior), "--lang", "zh").stdout
    assert "外部迁移先验 hand-1" in zh


def test_the_booked_allowance_records_the_prior(ecl_book: Path, tmp_path: Path) -> None:
    prior = _write(tmp_path / "p.json", {"M3": {"M0": 1.0}})
    ledger = tmp_path / "ledger"
    opened = cl("line", "open", "--data-dir", str(ledger), "--line-id", "L1", "--customer-id", "C1", "--limit",
                "100.00", "--on", "2024-01-01")  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    booked = ok_json("risk", "ecl", "--data-dir", str(ecl_book), "--pd-prior", str(prior), "--book", "--ledger",
                     str(ledger))  # fmt: skip
    total = next(r for r in booked["by_stage"] if r["stage"] == "total")
    assert booked["booking"]["allowance_minor"] == total["ecl_minor"]
    from creditloop.entrypoints.cli._ledger import ledger_bus

    uow = ledger_bus(ledger, write=False).uow
    with uow:
        record = uow.audit.get("ECL-ALLOWANCE-2024-04")
    assert record is not None and record.trace[0]["data_hash"].endswith(":prior=hand-1")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({"M3": {"M0": 0.5, "M4": 0.4}}, "--pd-prior: rows.M3: probabilities must sum to 1"),
        ({"M3": {"M0": 2}}, "--pd-prior: rows.M3.M0: must be a probability in [0, 1], got 2"),
        ({"CO": {"CO": 1.0}}, "--pd-prior: rows.CO: a row must be one of M0"),
    ],
)
def test_a_bad_prior_is_refused_naming_the_field(
    ecl_book: Path, tmp_path: Path, rows: dict[str, Any], message: str
) -> None:
    res = cl("risk", "ecl", "--data-dir", str(ecl_book), "--pd-prior", str(_write(tmp_path / "p.json", rows)))
    assert res.returncode == 2 and res.stdout == "" and message in res.stderr, res.stderr


def test_bad_input_writes_nothing(ecl_book: Path, tmp_path: Path) -> None:
    res = cl("risk", "ecl", "--data-dir", str(ecl_book), "--pd-prior", str(tmp_path / "missing.json"))
    assert res.returncode == 2 and "--pd-prior:" in res.stderr and "is not a file" in res.stderr
    (tmp_path / "bad.json").write_text("{", "utf-8")
    res = cl("risk", "ecl", "--data-dir", str(ecl_book), "--pd-prior", str(tmp_path / "bad.json"))
    assert res.returncode == 2 and res.stderr.startswith("error: --pd-prior: cannot read"), res.stderr
    out = tmp_path / "prior.json"
    for args, message in (
        (("--on", "2024-02-15"), "--on: 2024-02-15 is not a month end of the panel"),
        (("--on", "2024-01-31"), "--on: no month-to-month transitions are known at 2024-01-31"),
        (("--version", ""), "--version: must be a non-empty string"),
    ):
        argv = ["risk", "pd-prior", "--data-dir", str(ecl_book), "--out", str(out), "--version", "v",
                "--min-line-months", "1", *args]  # fmt: skip
        res = cl(*argv)
        assert res.returncode == 2 and message in res.stderr, res.stderr
        assert not out.exists()
    res = cl("risk", "pd-prior", "--data-dir", str(ecl_book), "--out", str(out), "--version", "v")  # default 30
    assert res.returncode == 2 and "--min-line-months: no row of the book was seen 30 times" in res.stderr
    assert not out.exists()
    (tmp_path / "afile").write_text("x", "utf-8")
    res = cl("risk", "pd-prior", "--data-dir", str(ecl_book), "--out", str(tmp_path / "afile" / "p.json"),
             "--version", "v")  # fmt: skip
    assert res.returncode == 2 and "--out:" in res.stderr and "is not a directory" in res.stderr, res.stderr
    res = cl("risk", "pd-prior", "--data-dir", str(tmp_path), "--out", str(out), "--version", "v")
    assert res.returncode == 2 and "--data-dir:" in res.stderr and not out.exists()
    res = cl("risk", "pd-prior", "--data-dir", str(ecl_book), "--out", str(tmp_path), "--version", "v")
    assert res.returncode == 2 and "--out:" in res.stderr and "is a directory" in res.stderr


def test_the_prior_reaches_the_payment_chain_the_default_runs(ecl_book: Path, tmp_path: Path) -> None:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(ecl_book / "snapshots.parquet")
    paid = [10_000 if line in ("A", "C") else 0 for line in table.column("line_id").to_pylist()]  # B and D never pay
    pq.write_table(table.append_column("paid_minor", pc.cast(paid, "int64")), tmp_path / "snapshots.parquet")
    prior = _write(tmp_path / "p.json", {"M3": {"M0": 1.0}})
    base = ok_json("risk", "ecl", "--data-dir", str(tmp_path), "--accounts")
    got = ok_json("risk", "ecl", "--data-dir", str(tmp_path), "--accounts", "--pd-prior", str(prior))
    assert base["parameters"]["segment_by"] == got["parameters"]["segment_by"] == "payment"
    b0 = next(a for a in base["accounts"] if a["line_id"] == "B")
    b1 = next(a for a in got["accounts"] if a["line_id"] == "B")
    assert b1["segment"] == "never_paid" and b0["pd_12m"] == 1.0 and b1["pd_12m"] < 0.5
    never = {r["state"]: r["pd_12m"] for r in got["pd_term_structure_by_segment"]["never_paid"]}
    assert never["M3"] < 0.5  # the prior's cure took the unseen M3 row of the never-paid layer to the paid M0
