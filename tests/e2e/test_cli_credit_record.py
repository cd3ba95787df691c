"""``creditloop credit-record repair-check`` as the independent checker runs it: every case of credit_repair.json
as its own file, the whole vector file, a list, the boundaries, zh/en text, and bad input refused naming the field."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from vector_files import load_vectors, vector_path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "creditloop", "credit-record", "repair-check", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def check_json(path: Path) -> Any:
    res = run("--input", str(path), "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def write(tmp_path: Path, name: str, payload: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def test_every_vector_case_as_its_own_file(tmp_path: Path) -> None:
    for vector in load_vectors("credit_repair.json")["cases"]:
        case = {k: v for k, v in vector.items() if k != "expected"}
        result = check_json(write(tmp_path, f"{vector['id']}.json", case))
        assert isinstance(result, dict)
        for key, value in vector["expected"].items():
            assert result[key] == value, (vector["id"], key, result)


def test_the_whole_vector_file_prints_one_result_per_case() -> None:
    vectors = load_vectors("credit_repair.json")["cases"]
    results = check_json(vector_path("credit_repair.json"))
    assert [r["id"] for r in results] == [v["id"] for v in vectors]
    for vector, result in zip(vectors, results, strict=True):
        assert {k: result[k] for k in vector["expected"]} == vector["expected"]
    by_id = {r["id"]: r for r in results}
    assert by_id["R4"]["delete_after"] == "2030-09-01"  # 5 years from repayment
    assert by_id["R7"]["delete_after"] is None and by_id["R7"]["record_stays"] is True


BOUNDARIES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"single_overdue_amount": "10000.00"}, {"eligible": True, "hidden_from": "2026-01-01"}),
    ({"single_overdue_amount": "10000.01"}, {"eligible": False, "delete_after": "2030-11-30"}),
    ({"repaid_on": "2025-11-30"}, {"eligible": True, "hidden_from": "2026-01-01"}),
    ({"repaid_on": "2025-12-01"}, {"eligible": True, "hidden_by": "2026-01-31"}),
    ({"repaid_on": "2026-03-31"}, {"eligible": True, "hidden_by": "2026-04-30"}),
    ({"repaid_on": "2026-04-01"}, {"eligible": False, "delete_after": "2031-04-01"}),
    ({"overdue_generated": "2019-12"}, {"eligible": False, "delete_after": "2030-11-30"}),
    ({"overdue_generated": "2020-01"}, {"eligible": True, "hidden_from": "2026-01-01"}),
    ({"overdue_generated": "2025-12", "repaid_on": "2025-12-01"}, {"eligible": True, "hidden_by": "2026-01-31"}),
    ({"overdue_generated": "2026-01", "repaid_on": "2026-01-05"}, {"eligible": False, "delete_after": "2031-01-05"}),
]


def test_boundaries_through_the_cli(tmp_path: Path) -> None:
    base = {"overdue_generated": "2022-07", "single_overdue_amount": "800.00", "repaid_on": "2025-11-30"}
    cases = [{**base, **change, "id": f"B{i}"} for i, (change, _) in enumerate(BOUNDARIES)]
    results = check_json(write(tmp_path, "bounds.json", cases))
    for (change, expected), result in zip(BOUNDARIES, results, strict=True):
        assert {k: result.get(k) for k in expected} == expected, (change, result)
        assert ("hidden_from" in result or "hidden_by" in result) == expected["eligible"], result


def test_text_output_in_english_and_chinese() -> None:
    path = str(vector_path("credit_repair.json"))
    en = run("--input", path)
    zh = run("--input", path, "--lang", "zh")
    assert en.returncode == zh.returncode == 0, en.stderr + zh.stderr
    assert "R1: eligible" in en.stdout and "hidden from 2026-01-01" in en.stdout
    assert "hidden by 2026-02-28" in en.stdout and "deleted after 2030-09-01" in en.stdout
    assert "record stays" in en.stdout
    assert "自2026-01-01起不再展示" in zh.stdout and "最迟于2026-02-28前不再展示" in zh.stdout
    assert "2030-09-01后删除" in zh.stdout and "记录继续保留" in zh.stdout


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        ({"overdue_generated": "2024-06", "single_overdue_amount": "5.00"}, "repaid_on"),
        ({"single_overdue_amount": "5.00", "repaid_on": None}, "overdue_generated"),
        ({"overdue_generated": "2024-06", "single_overdue_amount": "5.00", "repaid_on": "2026-02-30"}, "repaid_on"),
        ({"overdue_generated": "2024-13", "single_overdue_amount": "5.00", "repaid_on": None}, "overdue_generated"),
        ({"overdue_generated": "2024-06", "single_overdue_amount": "-5", "repaid_on": None}, "single_overdue_amount"),
        ({"overdue_generated": "2024-06", "single_overdue_amount": "5.00", "repaid_on": "2024-05-31"}, "repaid_on"),
        ({"cases": [{"overdue_generated": "2024-06", "single_overdue_amount": "x", "repaid_on": None}]},
         "cases[0].single_overdue_amount"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_naming_the_field(tmp_path: Path, payload: Any, named: str) -> None:
    res = run("--input", str(write(tmp_path, "bad.json", payload)), "--json")
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert res.stdout == ""  # nothing printed for the good cases either
    assert f": {named}:" in res.stderr and "Traceback" not in res.stderr


def test_bad_rule_document_exits_2_naming_file_and_field(tmp_path: Path) -> None:
    case = write(tmp_path, "c.json", {"overdue_generated": "2024-06", "single_overdue_amount": "5", "repaid_on": None})
    rule = write(tmp_path, "r.json", {"rule_id": "x", "version": "1", "kind": "retention", "name_en": "x",
                                     "name_zh": "x", "effective_from": "2030-01-01", "retention_years": 0})  # fmt: skip
    res = run("--input", str(case), "--rule", str(rule))
    assert res.returncode == 2
    assert str(rule) in res.stderr and "retention_years" in res.stderr
