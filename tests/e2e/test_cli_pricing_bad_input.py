"""Hostile input to ``schedule``, ``apr`` and ``disclose``: every case exits 2 with one line naming the field.

Item 8 of issue 11 found bare ``ValueError`` / ``RecursionError`` exits (dates at year 1 or 9999, deep JSON) and
accepted input the docs do not allow (float amounts in ``schedule``, ``20240210`` and week dates, full-width or
Arabic-Indic digits). Each case here runs the real CLI in a subprocess and checks the exit code, that stderr is a
single ``error: <field>: …`` line without a traceback, and that nothing was printed on stdout.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CLI = [sys.executable, "-m", "creditloop"]
TERMS = {"method": "emi", "periods": 6, "annual_rate": "0.12"}
SCHEDULE = {"amount": "1000.00", "disbursed_on": "2024-01-01", "terms": TERMS}
FLOWS = {
    "advances": [{"date": "2024-01-01", "amount": "1000.00"}],
    "payments": [{"date": "2024-02-01", "amount": "600.00"}, {"date": "2024-03-01", "amount": "500.00"}],
}


def pay(**item: Any) -> dict[str, Any]:
    return dict(FLOWS, payments=[{"date": "2024-02-01", "amount": "1100.00", **item}])


def refused(res: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert res.returncode == 2, (res.returncode, res.stdout[-500:], res.stderr[-500:])
    assert "Traceback" not in res.stderr and res.stdout == ""
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), res.stderr[-500:]
    for needle in needles:
        assert needle in lines[0], lines[0]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120, check=False)


def write(tmp_path: Path, doc: Any) -> str:
    path = tmp_path / "input.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), "utf-8")
    return str(path)


# ------------------------------------------------------------------------------------------------ schedule

SCHEDULE_CASES: list[tuple[str, Any, tuple[str, ...]]] = [
    ("year-9999-overflow", dict(SCHEDULE, disbursed_on="9999-12-01"), ("disbursed_on:", "2999-12-31")),
    ("year-1", dict(SCHEDULE, disbursed_on="0001-01-01"), ("disbursed_on:", "1900-01-01")),
    ("first-due-9999", dict(SCHEDULE, first_due_on="9999-12-31"), ("first_due_on:",)),
    (
        "schedule-runs-past-9999",
        dict(SCHEDULE, disbursed_on="2999-01-01", terms=dict(TERMS, periods=360, every=366)),
        ("disbursed_on:", "after 9999-12-31"),
    ),
    ("float-amount", dict(SCHEDULE, amount=1000.0), ("amount:", "not a float")),
    ("bool-amount", dict(SCHEDULE, amount=True), ("amount:",)),
    ("list-amount", dict(SCHEDULE, amount=[1]), ("amount:",)),
    ("nan-amount", dict(SCHEDULE, amount="NaN"), ("amount:",)),
    ("inf-amount", dict(SCHEDULE, amount="Infinity"), ("amount:",)),
    ("exponent-amount", dict(SCHEDULE, amount="1e3"), ("amount:",)),
    ("huge-amount", dict(SCHEDULE, amount="1" + "0" * 40), ("amount:", "too large")),
    ("full-width-digits", dict(SCHEDULE, amount="１０００"), ("amount:", "0-9")),
    ("arabic-indic-digits", dict(SCHEDULE, amount="١٠٠٠"), ("amount:", "0-9")),
    ("zero-amount", dict(SCHEDULE, amount="0"), ("amount:", "positive")),
    ("float-charge", dict(SCHEDULE, charges=[{"date": "2024-01-01", "amount": 5.0}]), ("charges[0].amount:",)),
    ("charges-not-a-list", dict(SCHEDULE, charges="x"), ("charges:",)),
    ("charge-week-date", dict(SCHEDULE, charges=[{"date": "2024-W01-1", "amount": "5"}]), ("charges[0].date:",)),
    ("basic-format-date", dict(SCHEDULE, disbursed_on="20240101"), ("disbursed_on:", "YYYY-MM-DD")),
    ("week-date", dict(SCHEDULE, disbursed_on="2024-W01-1"), ("disbursed_on:",)),
    ("integer-date", dict(SCHEDULE, disbursed_on=20240101), ("disbursed_on:",)),
    ("impossible-date", dict(SCHEDULE, disbursed_on="2023-02-29"), ("disbursed_on:",)),
    ("negative-periods", dict(SCHEDULE, terms=dict(TERMS, periods=-3)), ("terms.periods:",)),
    ("string-periods", dict(SCHEDULE, terms=dict(TERMS, periods="6")), ("terms.periods:",)),
    ("float-periods", dict(SCHEDULE, terms=dict(TERMS, periods=6.0)), ("terms.periods:",)),
    ("float-rate", dict(SCHEDULE, terms=dict(TERMS, annual_rate=0.12)), ("terms.annual_rate:",)),
    ("nan-rate", dict(SCHEDULE, terms=dict(TERMS, annual_rate="NaN")), ("terms.annual_rate:",)),
    ("huge-rate", dict(SCHEDULE, terms=dict(TERMS, annual_rate="1e400")), ("terms.annual_rate:",)),
    ("terms-not-object", dict(SCHEDULE, terms=[1]), ("terms",)),
    ("every-zero", dict(SCHEDULE, terms=dict(TERMS, every=0)), ("terms.every:",)),
    ("huge-multiple", dict(SCHEDULE, terms=dict(TERMS, installment_multiple_minor=10**30)), ("terms.install",)),
    ("huge-down-payment", dict(SCHEDULE, terms=dict(TERMS, down_payment_bps=10**20)), ("terms.down_payment_bps:",)),
    ("top-level-list", [1], ("input:",)),
    ("top-level-null", None, ("input:",)),
]

RAW_FILES: list[tuple[str, str, tuple[str, ...]]] = [
    ("empty-file", "", ("--input:", "empty")),
    ("whitespace-file", "  \n", ("--input:", "empty")),
    ("not-json", "{", ("--input:", "not valid JSON")),
    ("deep-array", "[" * 100_000 + "]" * 100_000, ("--input:", "nested too deeply")),
    ("deep-object", '{"a":' * 50_000 + "1" + "}" * 50_000, ("--input:", "nested too deeply")),
    ("nan-literal", '{"amount": NaN, "disbursed_on": "2024-01-01", "terms": {}}', ("--input:", "NaN")),
    ("infinity-literal", '{"amount": Infinity}', ("--input:", "Infinity")),
    ("5000-digit-integer", '{"amount": 1' + "0" * 5000 + "}", ("--input:",)),
    ("binary", "\x00\x01\x02", ("--input:",)),
]


@pytest.mark.parametrize(("doc", "needles"), [c[1:] for c in SCHEDULE_CASES], ids=[c[0] for c in SCHEDULE_CASES])
def test_schedule_refuses(tmp_path: Path, doc: Any, needles: tuple[str, ...]) -> None:
    refused(run("schedule", "--input", write(tmp_path, doc), "--json"), *needles)


@pytest.mark.parametrize("command", ["schedule", "apr"])
@pytest.mark.parametrize(("raw", "needles"), [c[1:] for c in RAW_FILES], ids=[c[0] for c in RAW_FILES])
def test_unreadable_input_files(tmp_path: Path, command: str, raw: str, needles: tuple[str, ...]) -> None:
    extra = ["--regime", "pboc"] if command == "apr" else []
    refused(run(command, *extra, "--input", write(tmp_path, raw)), *needles)


def test_missing_input_file(tmp_path: Path) -> None:
    refused(run("schedule", "--input", str(tmp_path / "nope.json")), "--input:", "file not found")


# ------------------------------------------------------------------------------------------------ apr

APR_CASES: list[tuple[str, str, Any, tuple[str, ...]]] = [
    (
        "advance-year-9999",
        "reg-z",
        {"advances": [{"date": "9999-12-31", "amount": "1"}], "payments": [{"date": "9999-12-31", "amount": "2"}]},
        ("advances[0].date:",),
    ),
    (
        "year-1",
        "eu",
        {"advances": [{"date": "0001-01-01", "amount": "1"}], "payments": [{"date": "0001-02-01", "amount": "2"}]},
        ("advances[0].date:", "1900-01-01"),
    ),
    ("basic-format-date", "pboc", pay(date="20240201"), ("payments[0].date:", "YYYY-MM-DD")),
    ("week-date", "reg-z", pay(date="2024-W05-1"), ("payments[0].date:",)),
    ("null-date", "eu", pay(date=None), ("payments[0].date:",)),
    ("float-amount", "pboc", pay(amount=1100.0), ("payments[0].amount:", "not a float")),
    ("nan-amount", "reg-z", pay(amount="NaN"), ("payments[0].amount:",)),
    ("inf-amount", "eu", pay(amount="-Infinity"), ("payments[0].amount:",)),
    ("huge-amount", "pboc", pay(amount="9" * 60), ("payments[0].amount:", "too large")),
    ("full-width-digits", "reg-z", pay(amount="１１００"), ("payments[0].amount:", "0-9")),
    ("bool-amount", "eu", pay(amount=True), ("payments[0].amount:",)),
    ("null-amount", "pboc", pay(amount=None), ("payments[0].amount:",)),
    ("negative-amount", "pboc", pay(amount="-1100"), ("payments[0].amount:", "positive")),
    ("payments-not-a-list", "pboc", dict(FLOWS, payments={"a": 1}), ("payments:",)),
    ("no-payments", "reg-z", dict(FLOWS, payments=[]), ("payments:",)),
    (
        "too-many-flows",
        "pboc",
        dict(FLOWS, payments=[{"date": "2024-02-01", "amount": "1"}] * 10_001),
        ("payments:", "at most 10000"),
    ),
    ("unit-period-too-long", "reg-z", dict(FLOWS, unit_period="13-month"), ("unit_period:", "13-month")),
    ("unit-period-number", "reg-z", dict(FLOWS, unit_period=3), ("unit_period:",)),
    ("time-basis-list", "eu", dict(FLOWS, time_basis=[1]), ("time_basis:",)),
    ("flows-not-object", "eu", [FLOWS], ("input:",)),
]


@pytest.mark.parametrize(("regime", "doc", "needles"), [c[1:] for c in APR_CASES], ids=[c[0] for c in APR_CASES])
def test_apr_refuses(tmp_path: Path, regime: str, doc: Any, needles: tuple[str, ...]) -> None:
    refused(run("apr", "--regime", regime, "--input", write(tmp_path, doc), "--json"), *needles)


@pytest.mark.parametrize("unit", ["0-week", "53-week", "2-semimonth", "lunar"])
def test_apr_unit_period_option_refused(tmp_path: Path, unit: str) -> None:
    refused(run("apr", "--regime", "reg-z", "--input", write(tmp_path, FLOWS), "--unit-period", unit), "--unit-period:")


# ------------------------------------------------------------------------------------------------ disclose

DISCLOSE_CASES: list[tuple[str, list[str], tuple[str, ...]]] = [
    ("on-year-9999", ["--on", "9999-12-31"], ("--on:", "2999-12-31")),
    ("on-year-1", ["--on", "0001-01-01"], ("--on:",)),
    ("on-basic-format", ["--on", "20240110"], ("--on:", "YYYY-MM-DD")),
    ("on-week-date", ["--on", "2024-W02-3"], ("--on:",)),
    ("amount-nan", ["--amount", "NaN"], ("--amount:",)),
    ("amount-infinity", ["--amount", "Infinity"], ("--amount:",)),
    ("amount-exponent", ["--amount", "1e400"], ("--amount:",)),
    ("amount-huge", ["--amount", "9" * 50], ("--amount:", "too large")),
    ("amount-full-width", ["--amount", "１０００"], ("--amount:", "0-9")),
    ("amount-arabic-indic", ["--amount", "٣٠٠"], ("--amount:", "0-9")),
    ("amount-sub-fen", ["--amount", "0.001"], ("--amount:",)),
    ("periods-negative", ["--periods", "-3"], ("--periods:",)),
    ("periods-huge", ["--periods", "99999999999999999999"], ("--periods:",)),
]


@pytest.mark.parametrize(("args", "needles"), [c[1:] for c in DISCLOSE_CASES], ids=[c[0] for c in DISCLOSE_CASES])
def test_disclose_refuses(args: list[str], needles: tuple[str, ...]) -> None:
    options = {"--periods": "3", "--amount": "1000.00", "--on": "2024-01-10"} | dict(
        zip(args[::2], args[1::2], strict=True)
    )
    refused(run("disclose", *(x for kv in options.items() for x in kv), "--json"), *needles)
