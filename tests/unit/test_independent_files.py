"""The independent application files (issue #13) are what their documentation says they are.

Checked here with their own small rules (GB 11643 and the ID layout written out again, not creditloop's checks),
so a mistake in the generator cannot hide behind a mistake in the system under test: the genuine rows are valid
and internally consistent, each fabricated kind is present and really carries its defect, the committed files
are what the generator writes, and every row is read by the application schema except the labelled schema rows.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from creditloop.adapters.files.applications import RowError, read_applications
from creditloop.strategy.application import ApplicationForm

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "applications"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
    "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
}  # fmt: skip
FRAUD_KINDS = {
    "bad_check_char", "bad_region", "birth_mismatch", "underage", "impossible_income", "debt_no_lenders",
    "device_farm", "shared_phone", "stolen_identity", "income_packaging", "duplicate", "rapid_reapply", "bad_phone",
}  # fmt: skip


def gb11643_ok(idn: str) -> bool:
    if not re.fullmatch(r"\d{17}[\dX]", idn):
        return False
    return "10X98765432"[sum(int(d) * w for d, w in zip(idn[:17], WEIGHTS, strict=True)) % 11] == idn[17]


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@pytest.fixture(scope="module")
def labels() -> dict[str, dict[str, str]]:
    with (DATA / "independent_v1_labels.csv").open(encoding="utf-8", newline="") as fh:
        return {r["application_id"]: r for r in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def csv_forms() -> list[ApplicationForm]:
    rows = read_applications(DATA / "independent_v1.csv")
    assert not [r for _, r in rows if isinstance(r, RowError)]
    return [r for _, r in rows if isinstance(r, ApplicationForm)]


def _generator(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "independent_applications", ROOT / "tools" / "independent_applications.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up there
    monkeypatch.syspath_prepend(str(ROOT / "tools"))
    spec.loader.exec_module(module)
    return module


def test_committed_files_are_what_the_generator_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    counts = _generator(monkeypatch).write_all(tmp_path)
    assert counts["csv_rows"] > 2900 and 190 <= counts["jsonl_rows"] <= 230
    for name in ("independent_v1.csv", "independent_v1.jsonl", "independent_v1_labels.csv"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_every_row_is_labelled_once_and_ids_are_unique(labels: dict[str, dict[str, str]]) -> None:
    with (DATA / "independent_v1.csv").open(encoding="utf-8", newline="") as fh:
        csv_ids = [r["application_id"] for r in csv.DictReader(fh)]
    jsonl_ids = [json.loads(line)["application_id"] for line in (DATA / "independent_v1.jsonl").open(encoding="utf-8")]
    ids = csv_ids + jsonl_ids
    assert len(ids) == len(set(ids)) == len(labels)
    assert set(ids) == set(labels)


def test_fabricated_share_and_kinds(csv_forms: list[ApplicationForm], labels: dict[str, dict[str, str]]) -> None:
    kinds = Counter(labels[f.application_id]["kind"] for f in csv_forms)
    fabricated = sum(n for k, n in kinds.items() if k != "genuine")
    assert set(kinds) - {"genuine"} == FRAUD_KINDS
    assert 0.08 <= fabricated / len(csv_forms) <= 0.12
    assert all(n >= 10 for k, n in kinds.items())
    for f in csv_forms:
        lab = labels[f.application_id]
        assert lab["fabricated"] == ("0" if lab["kind"] == "genuine" else "1")


def test_genuine_rows_are_valid_and_consistent(
    csv_forms: list[ApplicationForm], labels: dict[str, dict[str, str]]
) -> None:
    genuine = [f for f in csv_forms if labels[f.application_id]["kind"] == "genuine"]
    for f in genuine:
        assert gb11643_ok(f.id_number), f.application_id
        assert f.id_number[:2] in PROVINCES
        assert f.id_number[6:14] == f.birth_date.strftime("%Y%m%d")
        assert 18 <= age_on(f.birth_date, f.applied_at.date()) <= 65
        assert re.fullmatch(r"1[3-9]\d{9}", f.phone)
        assert (f.monthly_debt_payments > 0) == (f.other_lenders > 0)
        assert f.monthly_income < 100_000 * 100 and f.requested_limit <= 50_000 * 100
    # A few households share a device and a few people apply twice, but identifiers are otherwise unique.
    devices = Counter(f.device_id for f in genuine)
    assert max(devices.values()) == 2 and sum(n == 2 for n in devices.values()) < len(genuine) * 0.03
    # The feed mixes +08:00 and UTC instants.
    offsets = Counter(f.applied_at.utcoffset() for f in genuine)
    assert len(offsets) == 2 and min(offsets.values()) > len(genuine) * 0.1


def _by_kind(forms: list[ApplicationForm], labels: dict[str, dict[str, str]], kind: str) -> list[ApplicationForm]:
    return [f for f in forms if labels[f.application_id]["kind"] == kind]


def test_each_easy_kind_carries_its_defect(csv_forms: list[ApplicationForm], labels: dict[str, dict[str, str]]) -> None:
    def kind(k: str) -> list[ApplicationForm]:
        return _by_kind(csv_forms, labels, k)

    assert all(not gb11643_ok(f.id_number) for f in kind("bad_check_char"))
    assert all(gb11643_ok(f.id_number) and f.id_number[:2] not in PROVINCES for f in kind("bad_region"))
    assert all(f.id_number[6:14] != f.birth_date.strftime("%Y%m%d") for f in kind("birth_mismatch"))
    assert all(age_on(f.birth_date, f.applied_at.date()) in (16, 17) for f in kind("underage"))
    assert all(f.monthly_income >= 50_000 * 100 for f in kind("impossible_income"))
    assert all(f.monthly_debt_payments > 0 and f.other_lenders == 0 for f in kind("debt_no_lenders"))
    assert all(not re.fullmatch(r"1[3-9]\d{9}", f.phone) for f in kind("bad_phone"))


def test_each_hard_kind_is_valid_on_its_face(
    csv_forms: list[ApplicationForm], labels: dict[str, dict[str, str]]
) -> None:
    """The hard kinds pass every single-row rule; only their relation to other rows gives them away."""
    forms = {f.application_id: f for f in csv_forms}
    for k in ("device_farm", "shared_phone", "stolen_identity", "income_packaging", "duplicate", "rapid_reapply"):
        rows = _by_kind(csv_forms, labels, k)
        assert all(gb11643_ok(f.id_number) and f.id_number[6:14] == f.birth_date.strftime("%Y%m%d") for f in rows), k
    farms = Counter(f.device_id for f in _by_kind(csv_forms, labels, "device_farm"))
    assert len(farms) == 3 and min(farms.values()) >= 10
    phones = Counter(f.phone for f in _by_kind(csv_forms, labels, "shared_phone"))
    assert len(phones) == 3 and min(phones.values()) >= 6
    for f in _by_kind(csv_forms, labels, "stolen_identity"):
        victim = forms[labels[f.application_id]["note"].split()[2]]
        assert (victim.id_number, victim.name, victim.birth_date) == (f.id_number, f.name, f.birth_date)
        assert (victim.phone, victim.device_id) != (f.phone, f.device_id) and victim.applied_at < f.applied_at
    for f in _by_kind(csv_forms, labels, "duplicate"):
        original = forms[labels[f.application_id]["note"].split()[-1]]
        assert original.model_dump(exclude={"application_id", "applied_at"}) == f.model_dump(
            exclude={"application_id", "applied_at"}
        )
        assert 0 <= (f.applied_at - original.applied_at).total_seconds() < 90
    packaged = _by_kind(csv_forms, labels, "income_packaging")
    assert all(9_600 * 100 <= f.monthly_income < 10_000 * 100 for f in packaged)
    assert len({f.employer for f in packaged}) == 2


def test_jsonl_refuses_exactly_the_schema_rows(labels: dict[str, dict[str, str]]) -> None:
    rows = read_applications(DATA / "independent_v1.jsonl")
    refused = {r.application_id: r for _, r in rows if isinstance(r, RowError)}
    schema = {i: lab for i, lab in labels.items() if lab["kind"] == "schema"}
    assert set(refused) == set(schema) and len(schema) >= 5
    for app_id, lab in schema.items():
        assert refused[app_id].field == lab["note"].removeprefix("field=").split(":")[0]
    docs = [json.loads(line) for line in (DATA / "independent_v1.jsonl").open(encoding="utf-8")]
    as_numbers = sum(isinstance(d.get("monthly_income"), int | float) for d in docs)
    assert 0.2 * len(docs) < as_numbers < 0.6 * len(docs)  # a partner API sends numbers, the rest strings
