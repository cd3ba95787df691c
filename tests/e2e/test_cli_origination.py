"""``creditloop origination decide | replay | notice | report`` end to end, as a user runs them: files in and out,
lines opened in the ledger, per-row refusals, velocity across rows of one file and across runs, idempotent
retries, byte-for-byte replay, the zh/en notice, and the report by arm."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from creditloop.entrypoints.cli.main import app

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(region: str, birth: date, seq: int) -> str:
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


def form(i: int, **over: Any) -> dict[str, Any]:
    birth = date(1985, 1, 1) + timedelta(days=37 * i)
    row = {
        "application_id": f"APP-{i:04d}",
        "applied_at": (datetime(2026, 3, 2, 9, 0) + timedelta(minutes=7 * i)).isoformat() + "+08:00",
        "channel": "app",
        "name": "测试用户",
        "id_number": resident_id("330106", birth, i % 1000),
        "birth_date": birth.isoformat(),
        "phone": f"139{i:08d}",
        "device_id": f"device-{i}",
        "city": "杭州",
        "city_tier": 2,
        "employer": f"杭州某某科技有限公司{i % 7}",
        "sector": "technology",
        "monthly_income": "18000.00",
        "monthly_debt_payments": "0.00",
        "other_lenders": 0,
        "requested_limit": "6000.00",
        "consent_bureau": True,
        "consent_sharing": True,
        "verified_income": "17500.00",
        "household_size": 1,
    }
    row.update(over)
    return row


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def cli(*args: str, code: int = 0) -> Any:
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == code, (res.stdout, res.stderr)
    return json.loads(res.stdout) if "--json" in args and code == 0 else res


def read_out(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return {r["application_id"] or f"row{i}": r for i, r in enumerate(csv.DictReader(fh))}


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return tmp_path / "ledger"


def test_decide_a_file_opens_lines_and_refuses_bad_rows_by_name(tmp_path: Path, ledger: Path) -> None:
    rows = [form(i) for i in range(1, 6)]
    rows.append(form(6, monthly_income="12000.005"))  # schema: more than two decimals
    rows.append(form(7, id_number=rows[0]["id_number"][:17] + ("0" if rows[0]["id_number"][17] != "0" else "1")))
    src = write_csv(tmp_path / "apps.csv", rows)
    summary = cli(
        "origination",
        "decide",
        "--input",
        str(src),
        "--out",
        str(tmp_path / "out.csv"),
        "--data-dir",
        str(ledger),
        "--json",
    )
    assert summary["rows"] == 7 and summary["invalid"] == 1
    out = read_out(tmp_path / "out.csv")
    assert list(out)[:5] == [f"APP-{i:04d}" for i in range(1, 6)]  # input order kept
    bad = out["APP-0006"]
    assert bad["decision"] == "invalid" and "row 6" in bad["error"] and "monthly_income" in bad["error"]
    assert "12000.005" not in bad["error"]
    typo = out["APP-0007"]
    assert typo["decision"] == "decline" and "ID_CHECK_DIGIT" in typo["check_flags"].split(",")
    approved = [r for r in out.values() if r["decision"] == "approve"]
    assert approved, out
    for r in approved:
        assert float(r["limit"]) > 0 and r["pd"] and r["score_band"] and r["model"] == "app-scorecard@2"
        shown = cli("line", "show", "--line-id", f"L-{r['application_id']}", "--data-dir", str(ledger), "--json")
        assert shown["limit_minor"] == round(float(r["limit"]) * 100)


def test_velocity_sees_earlier_rows_of_the_file_and_earlier_runs(tmp_path: Path, ledger: Path) -> None:
    farm = [form(20 + k, device_id="farm-device", phone=f"1370000{k:04d}") for k in range(4)]
    first = write_jsonl(tmp_path / "one.jsonl", farm[:2])
    cli(
        "origination",
        "decide",
        "--input",
        str(first),
        "--out",
        str(tmp_path / "one.jsonl.out"),
        "--data-dir",
        str(ledger),
    )
    second = write_jsonl(tmp_path / "two.jsonl", farm[2:])
    cli("origination", "decide", "--input", str(second), "--out", str(tmp_path / "two.csv"), "--data-dir", str(ledger))
    out = read_out(tmp_path / "two.csv")
    assert all("IDENTITY_REUSE_DEVICE" in r["check_flags"] for r in out.values()), out
    assert all(r["decision"] != "approve" for r in out.values())


def test_a_retry_returns_the_recorded_decisions_and_another_form_under_an_id_is_refused(
    tmp_path: Path, ledger: Path
) -> None:
    rows = [form(i) for i in range(30, 34)]
    src = write_csv(tmp_path / "apps.csv", rows)
    cli("origination", "decide", "--input", str(src), "--out", str(tmp_path / "a.csv"), "--data-dir", str(ledger))
    cli("origination", "decide", "--input", str(src), "--out", str(tmp_path / "b.csv"), "--data-dir", str(ledger))
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()
    changed = write_csv(tmp_path / "changed.csv", [form(30, monthly_income="9000.00")])
    cli("origination", "decide", "--input", str(changed), "--out", str(tmp_path / "c.csv"), "--data-dir", str(ledger))
    row = read_out(tmp_path / "c.csv")["APP-0030"]
    assert row["decision"] == "invalid" and "another form" in row["error"]


def test_replay_is_byte_for_byte_after_later_applications_and_the_notice_lists_at_most_four_reasons(
    tmp_path: Path, ledger: Path
) -> None:
    rows = [
        form(40),
        form(
            41,
            monthly_income="2600.00",
            verified_income="2500.00",
            other_lenders=3,
            monthly_debt_payments="900.00",
            requested_limit="20000.00",
        ),
    ]
    src = write_csv(tmp_path / "apps.csv", rows)
    cli("origination", "decide", "--input", str(src), "--out", str(tmp_path / "out.csv"), "--data-dir", str(ledger))
    later = [form(42 + k, device_id="device-40", phone="13900000040") for k in range(3)]
    cli(
        "origination",
        "decide",
        "--input",
        str(write_csv(tmp_path / "later.csv", later)),
        "--out",
        str(tmp_path / "later_out.csv"),
        "--data-dir",
        str(ledger),
    )
    for app_id in ("APP-0040", "APP-0041"):
        replayed = cli("origination", "replay", "--decision-id", app_id, "--data-dir", str(ledger), "--json")
        assert replayed["identical"] is True and replayed["stored"] == replayed["replayed"]
    declined = read_out(tmp_path / "out.csv")["APP-0041"]
    assert declined["decision"] in ("decline", "refer")
    notice = cli("origination", "notice", "--decision-id", "APP-0041", "--data-dir", str(ledger), "--json")
    assert "个人信息保护法" in notice["zh"] and "Personal Information Protection Law" in notice["en"]
    listed = [line for line in notice["en"].splitlines() if line[:2] in {f"{k}." for k in range(1, 10)}]
    assert 1 <= len(listed) <= 4


def test_report_by_arm_and_a_single_policy(tmp_path: Path, ledger: Path) -> None:
    rows = [form(i) for i in range(100, 160)]
    src = write_csv(tmp_path / "apps.csv", rows)
    cli("origination", "decide", "--input", str(src), "--out", str(tmp_path / "out.csv"), "--data-dir", str(ledger))
    arms = {r["arm"]: r for r in cli("origination", "report", "--data-dir", str(ledger), "--json")["arms"]}
    assert set(arms) == {"champion", "challenger"}
    assert sum(r["applications"] for r in arms.values()) == 60
    out = read_out(tmp_path / "out.csv")
    assert {r["policy"] for r in out.values() if r["arm"] == "challenger"} == {"underwriting@4"}
    single = tmp_path / "single"
    cli(
        "origination",
        "decide",
        "--input",
        str(src),
        "--out",
        str(tmp_path / "v2.csv"),
        "--data-dir",
        str(single),
        "--policy",
        "underwriting_v2",
    )
    assert {r["policy"] for r in read_out(tmp_path / "v2.csv").values()} == {"underwriting@2"}


def test_bad_options_are_one_line_errors_and_write_nothing(tmp_path: Path, ledger: Path) -> None:
    src = write_csv(tmp_path / "apps.csv", [form(1)])
    res = cli(
        "origination",
        "decide",
        "--input",
        str(src),
        "--out",
        str(tmp_path / "o.csv"),
        "--data-dir",
        str(ledger),
        "--policy",
        "no_such_policy",
        code=2,
    )
    assert "--policy" in res.stderr and "Traceback" not in res.stderr
    bogus = tmp_path / "bogus.json"
    bogus.write_text("{}", encoding="utf-8")
    res = cli(
        "origination",
        "decide",
        "--input",
        str(src),
        "--out",
        str(tmp_path / "o.csv"),
        "--data-dir",
        str(ledger),
        "--model",
        str(bogus),
        code=2,
    )
    assert "--model" in res.stderr
    missing = tmp_path / "nocolumns.csv"
    missing.write_text("application_id\nA\n", encoding="utf-8")
    res = cli(
        "origination",
        "decide",
        "--input",
        str(missing),
        "--out",
        str(tmp_path / "o.csv"),
        "--data-dir",
        str(ledger),
        code=2,
    )
    assert "missing required column" in res.stderr
    assert not (tmp_path / "o.csv").exists() and not (ledger / "ledger.sqlite").exists()
    res = cli("origination", "replay", "--decision-id", "NOPE", "--data-dir", str(ledger), code=2)
    assert "Traceback" not in res.stderr


def test_parquet_in_and_out(tmp_path: Path, ledger: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    src = tmp_path / "apps.parquet"
    pq.write_table(pa.Table.from_pylist([form(200), form(201)]), src)
    cli("origination", "decide", "--input", str(src), "--out", str(tmp_path / "out.parquet"), "--data-dir", str(ledger))
    table = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert [r["application_id"] for r in table] == ["APP-0200", "APP-0201"]
    assert all(r["decision"] in ("approve", "refer", "decline") for r in table)


def test_a_decision_made_with_a_policy_file_replays_with_that_file(tmp_path: Path, ledger: Path) -> None:
    from importlib import resources

    doc = json.loads(
        resources.files("creditloop.strategy").joinpath("policies/underwriting_v2.json").read_text("utf-8")
    )
    doc["version"] = "2-local"
    policy = tmp_path / "my_policy.json"
    policy.write_text(json.dumps(doc), encoding="utf-8")
    src = write_csv(tmp_path / "apps.csv", [form(300)])
    cli(
        "origination",
        "decide",
        "--input",
        str(src),
        "--out",
        str(tmp_path / "o.csv"),
        "--data-dir",
        str(ledger),
        "--policy",
        str(policy),
    )
    assert read_out(tmp_path / "o.csv")["APP-0300"]["policy"] == "underwriting@2-local"
    res = cli("origination", "replay", "--decision-id", "APP-0300", "--data-dir", str(ledger), code=2)
    assert "--policy" in res.stderr and "2-local" in res.stderr
    replayed = cli(
        "origination",
        "replay",
        "--decision-id",
        "APP-0300",
        "--data-dir",
        str(ledger),
        "--policy",
        str(policy),
        "--json",
    )
    assert replayed["identical"] is True
