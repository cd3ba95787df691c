"""``creditloop risk ecl`` on a hand-made four-line panel: the documented JSON (stages, term structure, movements,
per-account ECL adding up), text in zh, the allowance booked to a ledger that then verifies, the same month again
posting nothing, and bad input refused naming the option with nothing written."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

pytest.importorskip("ibis", reason="the ECL inputs are read with the 'analytics' extra (ibis)")

# line, month end, status, dpd, balance, past due, limit, restructured
ROWS = [
    *[
        ("A", f"2024-0{m}-{d}", "ACTIVE", 0, 100_000, 0, 500_000, False)
        for m, d in ((1, 31), (2, 29), (3, 31), (4, 30))
    ],
    ("B", "2024-01-31", "ACTIVE", 0, 200_000, 0, 300_000, False),
    ("B", "2024-02-29", "ACTIVE", 15, 210_000, 20_000, 300_000, False),
    ("B", "2024-03-31", "FROZEN", 45, 220_000, 40_000, 300_000, False),
    ("B", "2024-04-30", "FROZEN", 75, 230_000, 60_000, 300_000, False),
    ("C", "2024-01-31", "ACTIVE", 0, 50_000, 0, 100_000, False),
    ("C", "2024-02-29", "ACTIVE", 0, 50_000, 0, 100_000, False),
    ("C", "2024-03-31", "ACTIVE", 20, 60_000, 10_000, 100_000, False),
    ("C", "2024-04-30", "ACTIVE", 0, 40_000, 0, 100_000, True),
    *[("D", f"2024-0{m}-{d}", "ACTIVE", 0, 30_000, 0, 30_000, False) for m, d in ((2, 29), (3, 31), (4, 30))],
]


@pytest.fixture(scope="module")
def ecl_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    cols = list(zip(*ROWS, strict=True))
    months = [date.fromisoformat(v) for v in cols[1]]
    table = pa.table(
        {
            "line_id": pa.array(cols[0]), "month_end_on": pa.array(months, pa.date32()),
            "vintage": pa.array(["2024-01"] * len(ROWS)), "mob": pa.array([m.month for m in months], pa.int64()),
            "status": pa.array(cols[2]), "dpd": pa.array(cols[3], pa.int64()),
            "balance_minor": pa.array(cols[4], pa.int64()), "charged_off_minor": pa.array([0] * len(ROWS), pa.int64()),
            "statement_due_minor": pa.array([0] * len(ROWS), pa.int64()),
            "past_due_minor": pa.array(cols[5], pa.int64()), "limit_minor": pa.array(cols[6], pa.int64()),
            "restructured": pa.array(cols[7], pa.bool_()),
        }
    )  # fmt: skip
    directory = tmp_path_factory.mktemp("ecl_book")
    pq.write_table(table, directory / "snapshots.parquet")
    return directory


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


def cl(*args: str) -> Result:
    """In process (typer's runner): one import of the engines for the whole file, not one per command."""
    from creditloop.entrypoints.cli.main import app

    res = CliRunner().invoke(app, list(args))
    return Result(res.exit_code, res.stdout, res.stderr)


def ok_json(*args: str) -> Any:
    res = cl(*args, "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_ecl_json_by_stage_and_accounts(ecl_book: Path) -> None:
    doc = ok_json("risk", "ecl", "--data-dir", str(ecl_book), "--accounts")
    assert (doc["schema"], doc["engine"], doc["on"]) == ("creditloop.risk.ecl/1", "duckdb", "2024-04-30")
    stages = {a["line_id"]: a["stage"] for a in doc["accounts"]}
    assert stages == {"A": 1, "B": 2, "C": 2, "D": 1}  # B 75 DPD (SICR backstop), C restructured (forborne)
    total = next(r for r in doc["by_stage"] if r["stage"] == "total")
    assert total["ecl_minor"] == sum(a["ecl_minor"] for a in doc["accounts"]) > 0
    assert total["ead_minor"] == sum(a["ead_minor"] for a in doc["accounts"])
    a = next(x for x in doc["accounts"] if x["line_id"] == "A")
    assert a["ead_minor"] == 100_000 + 80_000  # drawn + 20 % of the undrawn 400,000
    pd = {r["state"]: r for r in doc["pd_term_structure"]}
    assert 0 < pd["M0"]["pd_12m"] < pd["M0"]["pd_lifetime"] < pd["M2"]["pd_12m"] <= 1
    march = [m for m in doc["stage_movements"] if m["month_end_on"] == "2024-03-31"]
    assert {(m["from_stage"], m["to_stage"], m["accounts"]) for m in march} == {(1, 1, 3), (1, 2, 1)}
    assert [s["name"] for s in doc["parameters"]["scenarios"]] == ["upside", "baseline", "downside"]


def test_book_allowance_verify_and_rebook_nothing(ecl_book: Path, tmp_path: Path) -> None:
    ledger = tmp_path / "ledger"
    opened = cl("line", "open", "--data-dir", str(ledger), "--line-id", "L1", "--customer-id", "C1", "--limit",
                "100.00", "--on", "2024-01-01")  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    first = ok_json("risk", "ecl", "--data-dir", str(ecl_book), "--on", "2024-03-31", "--book", "--ledger", str(ledger))
    booking = first["booking"]
    total = next(r for r in first["by_stage"] if r["stage"] == "total")["ecl_minor"]
    assert booking == {"entry_id": "ECL-ALLOWANCE-2024-03", "allowance_minor": total, "previous_minor": 0,
                       "change_minor": total, "posted": True, "already_booked": False}  # fmt: skip
    april = ok_json("risk", "ecl", "--data-dir", str(ecl_book), "--book", "--ledger", str(ledger))["booking"]
    assert april["previous_minor"] == total and april["posted"]
    again = cl("risk", "ecl", "--data-dir", str(ecl_book), "--book", "--ledger", str(ledger), "--lang", "zh")
    assert again.returncode == 0, again.stderr
    assert "本月已入账，未重复记账" in again.stdout and "预期信用损失" in again.stdout
    verify = ok_json("journal", "verify", "--data-dir", str(ledger))
    assert (verify["ok"], verify["trial_balance_minor"], verify["lines_mismatched"]) == (True, 0, []), verify


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data-dir", "{empty}"], "--data-dir: {empty} has no snapshots.parquet"),
        (["--data-dir", "{book}", "--on", "2024-02-15"], "--on: 2024-02-15 is not a month end of the panel"),
        (["--data-dir", "{book}", "--on", "2024-01-31"], "--on: no month-to-month transitions are known"),
        (["--data-dir", "{book}", "--book"], "--ledger: --book and --ledger go together"),
        (["--data-dir", "{book}", "--scenarios", "{empty}/none.json"], "--scenarios: {empty}/none.json is not a file"),
        (["--data-dir", "{empty}", "--book", "--ledger", "{empty}"], "--data-dir: {empty} has no snapshots.parquet"),
        (
            ["--data-dir", "{book}", "--segment-by", "age"],
            "--segment-by: must be one of auto, none, utilisation, payment",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_option(args: list[str], message: str, ecl_book: Path, tmp_path: Path) -> None:
    fill = {"empty": str(tmp_path), "book": str(ecl_book)}
    res = cl("risk", "ecl", *(a.format(**fill) for a in args))
    assert res.returncode == 2 and message.format(**fill) in res.stderr, res.stderr
    assert res.stdout == "" and list(tmp_path.iterdir()) == []  # nothing written


def test_segment_by_utilisation(ecl_book: Path) -> None:
    doc = ok_json("risk", "ecl", "--data-dir", str(ecl_book), "--accounts", "--segment-by", "utilisation")
    assert doc["parameters"]["segment_by"] == "utilisation"
    assert {a["segment"] for a in doc["accounts"]} <= {"u<30", "u30-70", "u70+"}
    a = next(x for x in doc["accounts"] if x["line_id"] == "A")
    assert a["segment"] == "u<30"  # 100,000 drawn of a 500,000 limit
    flat = ok_json("risk", "ecl", "--data-dir", str(ecl_book))
    assert flat["parameters"]["segment_by"] == "none" and flat["parameters"]["sicr"]["pd_ratio"] == 2.0


def test_line_months_behind_each_row_and_the_thin_row_warning(ecl_book: Path) -> None:
    doc = ok_json("risk", "ecl", "--data-dir", str(ecl_book))
    months = {r["state"]: r["line_months"] for r in doc["pd_term_structure"]}
    # M0 pairs: A 3, B 1, C 2, D 2
    assert months == {"M0": 8, "M1": 2, "M2": 1, "M3": 0, "M4": 0, "M5": 0, "M6": 0, "M7": 0}
    text = cl("risk", "ecl", "--data-dir", str(ecl_book)).stdout
    assert "the PD rests on thin rows (line-months): M1 2, M2 1, M3 0, M4 0, M5 0, M6 0 (a young book" in text
    assert "迁移行样本过少" in cl("risk", "ecl", "--data-dir", str(ecl_book), "--lang", "zh").stdout


def test_segment_by_payment_needs_payments(ecl_book: Path) -> None:
    res = cl("risk", "ecl", "--data-dir", str(ecl_book), "--segment-by", "payment")
    assert res.returncode == 2 and res.stdout == ""
    assert "missing column paid_minor" in res.stderr and "--segment-by payment" in res.stderr, res.stderr


def test_segment_by_payment(tmp_path: Path, ecl_book: Path) -> None:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(ecl_book / "snapshots.parquet")
    # A and C pay from their first month, B and D never pay
    paid = [10_000 if line in ("A", "C") else 0 for line in table.column("line_id").to_pylist()]
    pq.write_table(table.append_column("paid_minor", pc.cast(paid, "int64")), tmp_path / "snapshots.parquet")
    doc = ok_json("risk", "ecl", "--data-dir", str(tmp_path), "--accounts", "--segment-by", "payment")
    assert doc["parameters"]["segment_by"] == "payment"
    segments = {a["line_id"]: a["segment"] for a in doc["accounts"]}
    assert segments == {"A": "paid", "B": "never_paid", "C": "paid", "D": "never_paid"}
    total = next(r for r in doc["by_stage"] if r["stage"] == "total")
    assert sum(a["ecl_minor"] for a in doc["accounts"]) == total["ecl_minor"] > 0
    layers = doc["pd_term_structure_by_segment"]
    assert set(layers) == {"paid", "never_paid"} and [r["state"] for r in layers["paid"]][:2] == ["M0", "M1"]
    # the default (auto) is this chain where the snapshots carry payments, and the count chain where they do not
    auto = ok_json("risk", "ecl", "--data-dir", str(tmp_path))
    assert auto["parameters"]["segment_by"] == "payment" and auto["by_stage"] == doc["by_stage"]
    assert ok_json("risk", "ecl", "--data-dir", str(ecl_book))["parameters"]["segment_by"] == "none"
    assert (
        ok_json("risk", "ecl", "--data-dir", str(tmp_path), "--segment-by", "none")["pd_term_structure_by_segment"]
        == {}
    )
    assert "PD chain: by payment (paid / never paid)" in cl("risk", "ecl", "--data-dir", str(tmp_path)).stdout
    assert "违约概率迁移链：单一计数迁移链" in cl("risk", "ecl", "--data-dir", str(ecl_book), "--lang", "zh").stdout
    # B (never paid, 61-90 DPD) rolls on the never-paid layer's row, which saw B roll every month: PD 1 in 12 months
    assert next(a for a in doc["accounts"] if a["line_id"] == "B")["pd_12m"] > 0.5
    # booked, the audit record names the chain it was computed with
    ledger = tmp_path / "ledger"
    opened = cl("line", "open", "--data-dir", str(ledger), "--line-id", "L1", "--customer-id", "C1", "--limit",
                "100.00", "--on", "2024-01-01")  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    booked = ok_json("risk", "ecl", "--data-dir", str(tmp_path), "--segment-by", "payment", "--book", "--ledger",
                     str(ledger))  # fmt: skip
    assert booked["booking"]["allowance_minor"] == total["ecl_minor"]
    from creditloop.entrypoints.cli._ledger import ledger_bus

    uow = ledger_bus(ledger, write=False).uow
    with uow:
        record = uow.audit.get("ECL-ALLOWANCE-2024-04")
    assert record is not None and record.trace[0]["data_hash"].endswith(":segment=payment")


def test_bad_scenario_file_names_the_key(ecl_book: Path, tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"version": "x", "rho": 0.04, "ccf": "0.2", "eir": "0", "lifetime_months": 36,
                                "transition_window_months": 12,
                                "scenarios": [{"name": "a", "weight": 0.5, "z": None}]}), "utf-8")  # fmt: skip
    res = cl("risk", "ecl", "--data-dir", str(ecl_book), "--scenarios", str(path))
    assert res.returncode == 2 and "--scenarios" not in res.stdout
    assert "scenarios.weight: scenario weights must sum to 1" in res.stderr, res.stderr
