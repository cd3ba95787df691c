"""End to end through the CLI: ``creditloop schedule | apr | disclose`` — numbers, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ledger_cli import as_a_user, run_in_process

CLI = [sys.executable, "-m", "creditloop"]
VECTORS = Path(__file__).resolve().parents[1] / "data" / "apr.json"  # sources: tests/data/README.md


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """In-process through ``main.run`` (tests/e2e/ledger_cli.py): exit code, stdout, stderr as a subprocess's;
    test_cli_pricing_bad_input.py runs the pricing commands' refusals as real subprocesses."""
    if as_a_user():
        return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120, check=False)
    return run_in_process(*args)


def write(tmp_path: Path, name: str, doc: Any) -> str:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), "utf-8")
    return str(path)


def one_line_error(res: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    assert res.returncode == code, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


MONTHLY_C1 = {
    "advances": [{"date": "2024-01-01", "amount": "99000.00"}],
    "payments": [{"date": f"{2024 + (m // 12)}-{m % 12 + 1:02d}-01", "amount": "8833.30"} for m in range(1, 13)],
}


def test_schedule_pay_in_4_json_and_table(tmp_path: Path) -> None:
    doc = {
        "amount": "1000.00",
        "disbursed_on": "2024-01-01",
        "terms": {
            "method": "interest_free",
            "periods": 3,
            "frequency": "daily",
            "every": 15,
            "down_payment_bps": 2500,
            "installment_multiple_minor": 100,
        },
    }
    path = write(tmp_path, "terms.json", doc)
    res = run("schedule", "--input", path, "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert [(i["due_on"], i["total_minor"]) for i in out["installments"]] == [
        ("2024-01-01", 25000),
        ("2024-01-16", 25000),
        ("2024-01-31", 25000),
        ("2024-02-15", 25000),
    ]
    assert out["installments"][0]["down_payment"] is True and out["total_minor"] == 100000
    table = run("schedule", "--input", path)
    assert table.returncode == 0 and "2024-02-15" in table.stdout and "1000.00" in table.stdout


def test_schedule_v4_emi(tmp_path: Path) -> None:
    doc = {
        "amount": "100.00",
        "disbursed_on": "2024-01-01",
        "terms": {"method": "emi", "periods": 6, "annual_rate": "0.094822"},
    }
    res = run("schedule", "--input", write(tmp_path, "t.json", doc), "--json")
    out = json.loads(res.stdout)
    assert [i["total_minor"] for i in out["installments"]] == [1713] * 6
    assert [i["interest_minor"] for i in out["installments"]] == [79, 66, 53, 40, 27, 13]


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        ({"amount": "1000.00", "disbursed_on": "2024-01-01"}, "terms: terms is required"),
        ({"amount": "x", "disbursed_on": "2024-01-01", "terms": {"method": "emi", "periods": 3}}, "amount:"),
        (
            {"amount": "-5", "disbursed_on": "2024-01-01", "terms": {"method": "emi", "periods": 3}},
            "amount: must be positive",
        ),
        ({"amount": "10", "disbursed_on": "2024-02-30", "terms": {"method": "emi", "periods": 3}}, "disbursed_on:"),
        ({"amount": "10", "disbursed_on": "2024-01-01", "terms": {"method": "emi", "periods": 0}}, "terms.periods:"),
        ({"amount": "10", "disbursed_on": "2024-01-01", "terms": {"method": "balloon", "periods": 3}}, "terms.method:"),
        (
            {
                "amount": "10",
                "disbursed_on": "2024-01-01",
                "first_due_on": "2023-12-01",
                "terms": {"method": "emi", "periods": 3},
            },
            "first_due_on:",
        ),
    ],
)
def test_schedule_bad_input(tmp_path: Path, doc: dict[str, Any], needle: str) -> None:
    one_line_error(run("schedule", "--input", write(tmp_path, "t.json", doc)), 2, needle)


def test_apr_pboc_c1_json_and_table(tmp_path: Path) -> None:
    path = write(tmp_path, "flows.json", MONTHLY_C1)
    res = run("apr", "--regime", "pboc", "--input", path, "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert (out["period_rate_percent"], out["nominal_percent"], out["effective_percent"]) == (
        "1.0670",
        "12.80",
        "13.58",
    )
    assert out["cost_minor"] == 12 * 883330 - 9900000
    table = run("apr", "--regime", "pboc", "--input", path)
    assert table.returncode == 0 and "12.80%" in table.stdout and "13.58%" in table.stdout


def test_apr_every_vector_case_through_the_cli(tmp_path: Path) -> None:
    vectors = json.loads(VECTORS.read_text("utf-8"))
    for case in vectors["us_reg_z_appendix_j"]["cases"]:  # the case objects are valid flows.json files as they are
        res = run("apr", "--regime", "reg-z", "--input", write(tmp_path, f"{case['id']}.json", case), "--json")
        assert json.loads(res.stdout)["nominal_percent"] == case["expected_apr_percent"], case["id"]
    for case in vectors["eu_aprc"]["cases"]:
        doc = dict(case, time_basis="days_365")
        res = run("apr", "--regime", "eu", "--input", write(tmp_path, f"{case['id']}.json", doc), "--json")
        assert json.loads(res.stdout)["effective_percent"] == case["expected_aprc_percent"], case["id"]


def test_apr_reg_z_appendix_j_examples_through_the_cli(tmp_path: Path) -> None:
    """Every Appendix J (c) example, no unit period given: the CLI designates it ((b)(4)) and prints the APR."""
    examples = Path(__file__).resolve().parents[1] / "data" / "reg_z_appendix_j_examples.json"
    for case in json.loads(examples.read_text("utf-8"))["cases"]:
        res = run("apr", "--regime", "reg-z", "--input", write(tmp_path, f"{case['id']}.json", case), "--json")
        out = json.loads(res.stdout)
        assert (out["nominal_percent"], out["unit_period"]) == (
            case["expected_apr_percent"],
            case["expected_unit_period"],
        ), case["id"]
    semimonthly = dict(case, unit_period="semimonth")  # an explicit label in the file is honoured
    res = run("apr", "--regime", "reg-z", "--input", write(tmp_path, "s.json", semimonthly), "--json")
    assert json.loads(res.stdout)["unit_period"] == "semimonth"
    bad = write(tmp_path, "bad.json", dict(case, unit_period="13-month"))
    one_line_error(run("apr", "--regime", "reg-z", "--input", bad), 2, "unit_period", "13-month")


def test_apr_reg_z_unit_period_option(tmp_path: Path) -> None:
    path = write(tmp_path, "flows.json", MONTHLY_C1)
    res = run("apr", "--regime", "reg-z", "--input", path, "--unit-period", "month", "--json")
    assert json.loads(res.stdout)["nominal_percent"] == "12.80"
    one_line_error(run("apr", "--regime", "reg-z", "--input", path, "--unit-period", "lunar-month"), 2, "--unit-period")


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        (
            {"advances": [{"date": "2024-01-01", "amount": "100.00"}], "payments": []},
            "payments: payments must not be empty",
        ),
        (
            {
                "advances": [{"date": "2024-01-01", "amount": "100.00"}],
                "payments": [{"date": "2024-02-01", "amount": "50"}],
            },
            "never repay the advances 100.00",
        ),
        (
            {
                "advances": [{"date": "2024-02-01", "amount": "100"}],
                "payments": [{"date": "2024-01-01", "amount": "101"}],
            },
            "payments[0].date: payments[0] on 2024-01-01 is before the first advance on 2024-02-01",
        ),
        (
            {
                "advances": [{"date": "2024-01-01", "amount": "ten"}],
                "payments": [{"date": "2024-02-01", "amount": "11"}],
            },
            "advances[0].amount",
        ),
        (
            {
                "advances": [{"date": "2024-01-01", "amount": "-10"}],
                "payments": [{"date": "2024-02-01", "amount": "11"}],
            },
            "advances[0].amount: advances[0].amount must be positive",
        ),
        (
            {
                "advances": [{"date": "2024-13-01", "amount": "10"}],
                "payments": [{"date": "2024-02-01", "amount": "11"}],
            },
            "advances[0].date",
        ),
    ],
)
def test_apr_bad_flows(tmp_path: Path, doc: dict[str, Any], needle: str) -> None:
    one_line_error(run("apr", "--regime", "pboc", "--input", write(tmp_path, "f.json", doc)), 2, needle)


def test_apr_bad_files_and_regime(tmp_path: Path) -> None:
    good = write(tmp_path, "flows.json", MONTHLY_C1)
    one_line_error(run("apr", "--regime", "uk", "--input", good), 2, "--regime: must be one of pboc, reg-z, eu")
    one_line_error(run("apr", "--regime", "eu", "--input", str(tmp_path / "missing.json")), 2, "file not found")
    bad = write(tmp_path, "bad.json", '{"advances": [')
    one_line_error(run("apr", "--regime", "eu", "--input", bad), 2, "is not valid JSON")
    one_line_error(run("apr", "--regime", "eu", "--input", str(tmp_path)), 2, "is not a file")


def test_disclose_default_product_zh_en_json() -> None:
    zh = run("disclose", "--periods", "12", "--amount", "1000.00", "--on", "2024-01-10")
    assert zh.returncode == 0, zh.stderr
    assert zh.stdout.splitlines()[0].startswith("年化利率 13.03%") and "13.84%" in zh.stdout
    assert "每期应还 89.33 元（末期 89.37 元）" in zh.stdout
    en = run("disclose", "--periods", "3", "--amount", "1000.00", "--on", "2024-01-10", "--lang", "en")
    assert (
        en.stdout.splitlines()[0]
        == "Annualised rate 12.56% (IRR method, monthly rate × 12); compounded annual rate 13.30%."
    )
    doc = json.loads(run("disclose", "--periods", "6", "--amount", "1000.00", "--on", "2024-01-10", "--json").stdout)
    assert doc["rate"]["nominal_percent"] == "13.25" and doc["total_fee_minor"] == 3900
    assert [i["due_on"] for i in doc["installments"]][:2] == ["2024-02-10", "2024-03-10"]
    free = json.loads(run("disclose", "--periods", "1", "--amount", "500.00", "--on", "2024-01-10", "--json").stdout)
    assert free["rate"]["nominal_percent"] == "0.00" and free["total_cost_minor"] == 0


def test_disclose_cap_breach_is_a_domain_refusal() -> None:
    res = run("disclose", "--periods", "12", "--amount", "1000.00", "--on", "2025-06-10", "--cap", "cn_private_lending")
    one_line_error(res, 1, "pricing_cap_exceeded", "13.03%", "12.00% cap", "LPR 3.00%")
    ok = run("disclose", "--periods", "12", "--amount", "1000.00", "--on", "2025-06-10", "--cap", "none", "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["rate"]["nominal_percent"] == "13.03"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--periods", "5", "--amount", "100", "--on", "2024-01-10"], "--periods: periods must be one of"),
        (["--periods", "3", "--amount", "abc", "--on", "2024-01-10"], "--amount:"),
        (["--periods", "3", "--amount", "-1", "--on", "2024-01-10"], "--amount: must be positive"),
        (["--periods", "3", "--amount", "100", "--on", "2024-02-30"], "--on: expected a date"),
        (["--periods", "3", "--amount", "100", "--lang", "fr"], "--lang"),
        (["--periods", "3", "--amount", "100", "--regime", "uk"], "--regime"),
        (["--periods", "3", "--amount", "100", "--cap", "moon"], "--cap"),
    ],
)
def test_disclose_bad_options(args: list[str], needle: str) -> None:
    one_line_error(run("disclose", *args), 2, needle)
