"""Application files in: the schema, JSONL / CSV / Parquet readers, and per-row refusals naming row, field, rule."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from creditloop.adapters.files.applications import RowError, read_applications
from creditloop.core.errors import ValidationError
from creditloop.strategy.application import REQUIRED_COLUMNS, ApplicationForm, form_document

GOOD = {
    "application_id": "APP-1",
    "applied_at": "2026-03-01T10:15:00+08:00",
    "channel": "app",
    "name": "测试 甲",
    "id_number": "11010519491231002X",
    "birth_date": "1949-12-31",
    "phone": "13800138000",
    "device_id": "dev-1",
    "city": "北京",
    "city_tier": 1,
    "employer": "某某科技有限公司",
    "sector": "technology",
    "monthly_income": "12000.00",
    "monthly_debt_payments": "800.50",
    "other_lenders": 1,
    "requested_limit": "5000",
    "consent_bureau": True,
    "consent_sharing": False,
}


def _jsonl(tmp_path: Path, rows: list[object]) -> Path:
    path = tmp_path / "apps.jsonl"
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
    )
    return path


def test_amounts_are_read_as_exact_fen() -> None:
    form = ApplicationForm.model_validate(GOOD)
    assert (form.monthly_income, form.monthly_debt_payments, form.requested_limit) == (1_200_000, 80_050, 500_000)
    assert ApplicationForm.model_validate(form_document(form)) == form


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("monthly_income", "12000.005", "more than two decimals"),
        ("monthly_income", "-1", "must not be negative"),
        ("monthly_income", "abc", "not a decimal amount"),
        ("applied_at", "2026-03-01T10:15:00", "with an offset"),
        ("channel", "fax", "must be one of"),
        ("city_tier", 7, "less than or equal to 4"),
    ],
)
def test_a_bad_row_is_refused_naming_row_field_and_rule(tmp_path: Path, field: str, value: object, rule: str) -> None:
    bad = {**GOOD, "application_id": "APP-2", field: value}
    rows = read_applications(_jsonl(tmp_path, [GOOD, bad, {**GOOD, "application_id": "APP-3"}]))
    assert [n for n, _ in rows] == [1, 2, 3]
    assert isinstance(rows[0][1], ApplicationForm) and isinstance(rows[2][1], ApplicationForm)
    error = rows[1][1]
    assert isinstance(error, RowError)
    assert (error.row, error.application_id, error.field) == (2, "APP-2", field)
    assert rule in error.rule
    if field == "monthly_income":
        assert str(value) not in str(error)  # values are never echoed: a row may hold personal data


def test_json_numbers_are_read_as_written(tmp_path: Path) -> None:
    line = json.dumps({**GOOD, "monthly_income": "X"}).replace('"X"', "8500.10")
    ((_, form),) = read_applications(_jsonl(tmp_path, [line]))
    assert isinstance(form, ApplicationForm) and form.monthly_income == 850_010


def test_not_json_and_missing_fields(tmp_path: Path) -> None:
    missing = {k: v for k, v in GOOD.items() if k != "phone"}
    rows = read_applications(_jsonl(tmp_path, ["{not json", missing]))
    assert isinstance(rows[0][1], RowError) and rows[0][1].field == "<row>"
    assert isinstance(rows[1][1], RowError) and rows[1][1].field == "phone" and "required" in rows[1][1].rule.lower()


def test_csv_with_text_booleans_and_empty_optional_cells(tmp_path: Path) -> None:
    path = tmp_path / "apps.csv"
    columns = [*REQUIRED_COLUMNS, "verified_income"]
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        w.writerow({**GOOD, "consent_bureau": "是", "consent_sharing": "no", "verified_income": ""})
        w.writerow({**GOOD, "application_id": "APP-9", "consent_bureau": "true", "verified_income": "9000"})
    rows = read_applications(path)
    first, second = rows[0][1], rows[1][1]
    assert isinstance(first, ApplicationForm) and first.consent_bureau and first.verified_income is None
    assert isinstance(second, ApplicationForm) and second.verified_income == 900_000


def test_csv_without_a_required_column_is_refused_as_a_whole(tmp_path: Path) -> None:
    path = tmp_path / "apps.csv"
    path.write_text("application_id,applied_at\nA,2026-01-01T00:00:00+08:00\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="missing required column") as info:
        read_applications(path)
    assert info.value.field == "input"


def test_parquet(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "apps.parquet"
    pq.write_table(pa.Table.from_pylist([GOOD, {**GOOD, "application_id": "APP-2", "monthly_income": "1.234"}]), path)
    rows = read_applications(path)
    assert isinstance(rows[0][1], ApplicationForm)
    assert isinstance(rows[1][1], RowError) and rows[1][1].field == "monthly_income"


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="must end in"):
        read_applications(tmp_path / "apps.xlsx")
    with pytest.raises(ValidationError, match="does not exist"):
        read_applications(tmp_path / "apps.jsonl")


def test_personal_data_is_not_in_the_repr() -> None:
    form = ApplicationForm.model_validate(GOOD)
    text = repr(form)
    assert GOOD["id_number"] not in text and GOOD["phone"] not in text and GOOD["name"] not in text
