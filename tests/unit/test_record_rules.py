"""Retention and repair rule documents: the packaged ones, a future rule as a new file, bad documents by field,
and every case of credit_repair.json plus the boundaries, through the library (the CLI: tests/e2e)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from vector_files import load_vectors

from creditloop.core.errors import ValidationError
from creditloop.reporting.record_rules import RepairRule, RetentionRule, read_rule, rule_book
from creditloop.reporting.repair import assess, read_case

PACKAGED = Path(__file__).resolve().parents[2] / "src" / "creditloop" / "reporting" / "rules"


def repair_doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((PACKAGED / "repair_pboc_2025_v1.json").read_text(encoding="utf-8"))
    return doc


def check(case: dict[str, Any]) -> dict[str, Any]:
    return assess(read_case(case), rule_book()).as_json()


def case(generated: str = "2023-05", amount: str = "5000.00", repaid: str | None = "2025-10-01") -> dict[str, Any]:
    return {"id": "T", "overdue_generated": generated, "single_overdue_amount": amount, "repaid_on": repaid}


def test_packaged_rules_load_by_id_and_version() -> None:
    book = rule_book()
    assert set(book.rules) == {"cn_negative_retention@1", "pboc_repair_2025@1"}
    retention = book.get("cn_negative_retention@1")
    assert isinstance(retention, RetentionRule) and retention.retention_years == 5
    repair = book.get("pboc_repair_2025@1")
    assert isinstance(repair, RepairRule)
    assert repair.max_single_overdue_minor == 1_000_000
    assert repair.amount_includes == ("principal", "interest", "penalty")
    with pytest.raises(ValidationError) as exc:
        book.get("pboc_repair_2025@9")
    assert exc.value.field == "rule"


def test_every_vector_case_matches_exactly() -> None:
    vectors = load_vectors("credit_repair.json")
    assert len(vectors["cases"]) >= 4
    for vector in vectors["cases"]:
        given = {k: v for k, v in vector.items() if k != "expected"}
        result = check(given)
        for key, value in vector["expected"].items():
            assert result[key] == value, (vector["id"], key, result)
        assert ("hidden_from" in result) + ("hidden_by" in result) == (1 if result["eligible"] else 0)
        assert ("delete_after" in result) == (not result["eligible"])


@pytest.mark.parametrize(
    ("amount", "eligible"), [("10000.00", True), ("10000", True), ("10000.01", False), ("0.01", True)]
)
def test_amount_threshold_is_inclusive(amount: str, eligible: bool) -> None:
    result = check(case(amount=amount))
    assert result["eligible"] is eligible
    if not eligible:
        assert result["not_eligible_for"] == [{"rule_id": "pboc_repair_2025@1", "reasons": ["amount_above_threshold"]}]
        assert result["delete_after"] == "2030-10-01"


@pytest.mark.parametrize(
    ("repaid", "expected"),
    [
        ("2025-11-30", {"hidden_from": "2026-01-01"}),
        ("2025-12-01", {"hidden_by": "2026-01-31"}),
        ("2026-01-31", {"hidden_by": "2026-02-28"}),
        ("2026-03-31", {"hidden_by": "2026-04-30"}),
        ("2026-04-01", {"eligible": False, "delete_after": "2031-04-01"}),
    ],
)
def test_repayment_date_boundaries(repaid: str, expected: dict[str, Any]) -> None:
    result = check(case(generated="2025-06", repaid=repaid))
    assert result["eligible"] is expected.get("eligible", True)
    for key, value in expected.items():
        assert result[key] == value


@pytest.mark.parametrize(
    ("generated", "eligible"),
    [("2019-12", False), ("2020-01", True), ("2020-01-01", True), ("2019-12-31", False),
     ("2025-12", True), ("2025-12-31", True), ("2026-01", False)],
)  # fmt: skip
def test_generation_window_boundaries(generated: str, eligible: bool) -> None:
    result = check(case(generated=generated, repaid="2026-02-10"))
    assert result["eligible"] is eligible
    if eligible:
        assert result["hidden_by"] == "2026-03-31"
    else:
        assert result["not_eligible_for"][0]["reasons"] == ["generated_outside_window"]
        assert result["delete_after"] == "2031-02-10"


def test_not_repaid_record_stays_under_the_named_rule() -> None:
    result = check(case(repaid=None))
    assert result["eligible"] is False
    assert result["delete_after"] is None and result["record_stays"] is True
    assert result["rule"] == "5-year retention from the end of the adverse behaviour"
    assert result["rule_id"] == "cn_negative_retention@1"


def test_five_years_from_a_leap_day_ends_on_the_last_of_february() -> None:
    result = check(case(generated="2019-05", repaid="2024-02-29"))
    assert result["delete_after"] == "2029-02-28"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"overdue_generated": "2025-13"}, "overdue_generated"),
        ({"overdue_generated": "2025/01"}, "overdue_generated"),
        ({"repaid_on": "2026-02-30"}, "repaid_on"),
        ({"repaid_on": "20260201"}, "repaid_on"),
        ({"repaid_on": "2020-01-01"}, "repaid_on"),  # before the record was generated (2023-05)
        ({"single_overdue_amount": "-5.00"}, "single_overdue_amount"),
        ({"single_overdue_amount": "0"}, "single_overdue_amount"),
        ({"single_overdue_amount": "12.345"}, "single_overdue_amount"),
        ({"single_overdue_amount": True}, "single_overdue_amount"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_cases_name_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        read_case({**case(), **change})
    assert exc.value.field == field


@pytest.mark.parametrize("missing", ["overdue_generated", "single_overdue_amount", "repaid_on"])
def test_missing_field_is_named(missing: str) -> None:
    given = case()
    del given[missing]
    with pytest.raises(ValidationError) as exc:
        read_case(given)
    assert exc.value.field == missing


def test_a_future_rule_is_a_new_document(tmp_path: Path) -> None:
    doc = repair_doc()
    doc.update(
        rule_id="pboc_repair_2027", name_en="A later one-off repair", name_zh="后续一次性信用修复",
        announced_on="2027-06-01", generated_from="2026-01-01", generated_to="2026-12-31",
        max_single_overdue_amount="20000.00", repaid_by="2027-09-30",
        display=[{"repaid_to": "2027-09-30", "hidden_from": "2027-10-01"}],
    )  # fmt: skip
    path = tmp_path / "repair_2027_v1.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    book = rule_book([path])
    later = {"id": "F", "overdue_generated": "2026-05", "single_overdue_amount": "15000.00", "repaid_on": "2027-07-01"}
    result = assess(read_case(later), book).as_json()
    assert result["eligible"] is True and result["hidden_from"] == "2027-10-01"
    assert result["rule_id"] == "pboc_repair_2027@1"
    assert result["not_eligible_for"][0]["rule_id"] == "pboc_repair_2025@1"
    with pytest.raises(ValidationError) as exc:
        rule_book([path, path])  # the same id@version twice
    assert exc.value.field == "version"


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("kind",), "amnesty", "kind"),
        (("max_single_overdue_amount",), "-1", "max_single_overdue_amount"),
        (("max_single_overdue_amount",), 1e4, "max_single_overdue_amount"),
        (("repaid_by",), "2026-02-30", "repaid_by"),
        (("generated_from",), "2026-01-01", "generated_from"),
        (("amount_includes",), "principal+tips", "amount_includes"),
        (("display", 1, "repaid_from"), "2025-12-02", "display[1].repaid_from"),
        (("display", 1, "repaid_to"), "2026-03-30", "display[1].repaid_to"),
        (("display", 0, "hidden_by_month_end_after"), 1, "display[0].hidden_by_month_end_after"),
        (("display", 0, "hidden_from"), "next year", "display[0].hidden_from"),
        (("retention",), 5, "retention"),
    ],
)
def test_bad_documents_name_the_field(path: tuple[Any, ...], value: Any, field: str) -> None:
    doc = copy.deepcopy(repair_doc())
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(ValidationError) as exc:
        read_rule(doc)
    assert exc.value.field == field


def test_bad_retention_document_names_the_field() -> None:
    doc = json.loads((PACKAGED / "retention_cn_v1.json").read_text(encoding="utf-8"))
    for key, value in (("retention_years", 0), ("effective_from", "2013-3-15")):
        with pytest.raises(ValidationError) as exc:
            read_rule({**doc, key: value})
        assert exc.value.field == key
