"""Independent application files through ``creditloop origination decide`` (issue #13, "expect independent
application files, written by someone else").

The files (tests/data/applications/independent_v1.*, made by tools/independent_applications.py without reading
creditloop's checks) hold real-looking genuine applications and about 10 % fabricated ones of thirteen kinds,
labelled only in independent_v1_labels.csv. Each file is decided on a fresh ledger, as a lender would run a
feed, and the decisions are scored against the labels:

- a fabricated row is *caught* when it carries a check flag or is not approved (refer / decline); recall is
  also measured on check flags alone, overall and per kind (the honest measure: the starter policy does not
  approve 75 % of the genuine rows either, so "not approved" says little about fraud);
- a genuine row is *flagged* when it carries a fabrication signal: a check flag other than the product's age
  bounds (``check_codes.is_fabrication_signal``; a withheld credit-report authorisation counts), exactly as the
  simulator's evaluation counts; a credit decline is not a fraud flag. Any check flag at all is also measured
  (the strict xfail below);
- the issue's targets: recall >= 80 % overall, <= 2 % of genuine rows flagged; every schema-breaking row
  refused with its row and field named, the other rows decided.

A target our system misses is marked ``xfail(strict=True)`` with the measured figure, never loosened; the
kinds it misses and why are in docs/origination/independent.md.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from creditloop.entrypoints.cli.main import app
from creditloop.strategy.check_codes import is_fabrication_signal

pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parents[1] / "data" / "applications"
FILES = ("independent_v1.csv", "independent_v1.jsonl")
FRAUD_KINDS = (
    "bad_check_char", "bad_region", "birth_mismatch", "underage", "impossible_income", "debt_no_lenders",
    "device_farm", "shared_phone", "stolen_identity", "income_packaging", "duplicate", "rapid_reapply", "bad_phone",
)  # fmt: skip
RECALL_TARGET = 0.80
GENUINE_FLAG_LIMIT = 0.02
DECIDED = {"approve", "refer", "decline"}

# Measured on h13/agency (docs/origination/independent.md): every kind is flagged at >= 80 % now.
MISSED: dict[str, str] = {}
GENUINE_ANY_FLAG_MEASURED = (
    "66 of 2,854 genuine rows carry some check flag (2.3 %): 9 retirees are over the product's age bound "
    "(eligibility, not fabrication); 57 (2.0 %) carry a fabrication signal, 46 of them a withheld "
    "credit-report authorisation"
)


def _decide(path: Path, workdir: Path) -> list[dict[str, str]]:
    out = workdir / "out.csv"
    args = ["origination", "decide", "--input", str(path), "--out", str(out), "--data-dir", str(workdir / "ledger")]
    res = CliRunner().invoke(app, args)
    text = f"{res.stdout}\n{res.stderr}"
    if res.exit_code != 0 and ("No such command" in text or isinstance(res.exception, ImportError)):
        pytest.skip(f"`creditloop origination decide` is not available on this branch yet: {res.exception!r}")
    assert res.exit_code == 0, text
    with out.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def labels() -> dict[str, dict[str, str]]:
    with (DATA / "independent_v1_labels.csv").open(encoding="utf-8", newline="") as fh:
        return {r["application_id"]: r for r in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def decided(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[dict[str, str]]]]:
    """Each file decided once, on its own fresh ledger directory."""
    yield {name: _decide(DATA / name, tmp_path_factory.mktemp(name.replace(".", "_"))) for name in FILES}


def _rows(decided: dict[str, list[dict[str, str]]], labels: dict[str, dict[str, str]], kind: str) -> list[Any]:
    return [r for rows in decided.values() for r in rows if labels.get(r["application_id"], {}).get("kind") == kind]


def _fabrication_flagged(row: dict[str, str]) -> bool:
    return any(is_fabrication_signal(c) for c in row["check_flags"].split(",") if c)


def _caught(row: dict[str, str]) -> bool:
    return bool(row["check_flags"]) or row["decision"] != "approve"


def _rate(rows: list[dict[str, str]], hit: Any) -> float:
    return sum(1 for r in rows if hit(r)) / len(rows)


def test_every_csv_row_is_decided(decided: dict[str, list[dict[str, str]]]) -> None:
    rows = decided["independent_v1.csv"]
    with (DATA / "independent_v1.csv").open(encoding="utf-8", newline="") as fh:
        assert [r["application_id"] for r in rows] == [r["application_id"] for r in csv.DictReader(fh)]
    assert {r["decision"] for r in rows} <= DECIDED


def test_schema_rows_are_refused_with_row_and_field_named(
    decided: dict[str, list[dict[str, str]]], labels: dict[str, dict[str, str]]
) -> None:
    rows = decided["independent_v1.jsonl"]
    schema = {i for i, lab in labels.items() if lab["kind"] == "schema"}
    for n, r in enumerate(rows, start=1):
        if r["application_id"] in schema:
            field = labels[r["application_id"]]["note"].removeprefix("field=").split(":")[0]
            assert r["decision"] == "invalid", r
            assert r["error"].startswith(f"row {n} ") and f": {field}: " in r["error"], r["error"]
        else:
            assert r["decision"] in DECIDED, r
    assert len(schema) == sum(r["decision"] == "invalid" for r in rows) == 8


def test_recall_overall(decided: dict[str, list[dict[str, str]]], labels: dict[str, dict[str, str]]) -> None:
    fabricated = [r for k in FRAUD_KINDS for r in _rows(decided, labels, k)]
    assert len(fabricated) > 300
    assert _rate(fabricated, _caught) >= RECALL_TARGET


def test_recall_on_check_flags_alone(
    decided: dict[str, list[dict[str, str]]], labels: dict[str, dict[str, str]]
) -> None:
    fabricated = [r for k in FRAUD_KINDS for r in _rows(decided, labels, k)]
    assert _rate(fabricated, lambda r: bool(r["check_flags"])) >= RECALL_TARGET


def test_genuine_rows_flagged_at_most_two_percent(
    decided: dict[str, list[dict[str, str]]], labels: dict[str, dict[str, str]]
) -> None:
    genuine = _rows(decided, labels, "genuine")
    assert len(genuine) > 2500
    assert _rate(genuine, _fabrication_flagged) <= GENUINE_FLAG_LIMIT


@pytest.mark.xfail(reason=GENUINE_ANY_FLAG_MEASURED, strict=True)
def test_genuine_rows_with_any_check_flag_at_most_two_percent(
    decided: dict[str, list[dict[str, str]]], labels: dict[str, dict[str, str]]
) -> None:
    assert _rate(_rows(decided, labels, "genuine"), lambda r: bool(r["check_flags"])) <= GENUINE_FLAG_LIMIT


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param(k, marks=pytest.mark.xfail(reason=MISSED[k], strict=True)) if k in MISSED else k
        for k in FRAUD_KINDS
    ],
)
def test_recall_per_kind_on_check_flags(
    kind: str, decided: dict[str, list[dict[str, str]]], labels: dict[str, dict[str, str]]
) -> None:
    rows = _rows(decided, labels, kind)
    assert rows
    rate = _rate(rows, lambda r: bool(r["check_flags"]))
    assert rate >= RECALL_TARGET, f"{kind}: {rate:.0%} of {len(rows)} flagged"


def test_every_kind_is_caught_at_least_half_the_time(
    decided: dict[str, list[dict[str, str]]], labels: dict[str, dict[str, str]]
) -> None:
    """Flag or not approved, per kind: no kind slips through wholesale."""
    for kind in FRAUD_KINDS:
        rows = _rows(decided, labels, kind)
        assert _rate(rows, _caught) >= 0.5, kind
