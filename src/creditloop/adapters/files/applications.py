"""Application files in: JSONL, CSV or Parquet (by suffix) → one ``ApplicationForm`` or one ``RowError`` per row.

A file-level problem (unreadable, unknown suffix, a CSV without a required column) is one ``ValidationError``
before anything is decided. A row-level problem names the row (1-based data row; the CSV header is row 0), the
field and the rule, and the other rows are still read. Values are never echoed back in errors: a row may hold
an ID number or a phone.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError as PydanticError

from creditloop.core.errors import ValidationError
from creditloop.strategy.application import REQUIRED_COLUMNS, ApplicationForm

SUFFIXES = (".jsonl", ".ndjson", ".csv", ".parquet")


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # 1-based data row in the file
    application_id: str | None  # when the row had a readable one
    field: str
    rule: str

    def __str__(self) -> str:
        who = f" ({self.application_id})" if self.application_id else ""
        return f"row {self.row}{who}: {self.field}: {self.rule}"


Row = ApplicationForm | RowError


def read_applications(path: Path) -> list[tuple[int, Row]]:
    """Every row of the file, in file order, as (row number, form or error)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValidationError(f"{path}: must end in {', '.join(SUFFIXES)}", field="input")
    if not path.is_file():
        raise ValidationError(f"{path} does not exist or is not a file", field="input")
    if suffix == ".parquet":
        records = _parquet_records(path)
    elif suffix == ".csv":
        records = _csv_records(path)
    else:
        records = _jsonl_records(path)
    return [(n, _form(n, record)) for n, record in records]


def _form(n: int, record: dict[str, Any] | RowError) -> Row:
    if isinstance(record, RowError):
        return record
    app_id = record.get("application_id")
    app_id = app_id if isinstance(app_id, str) and app_id.isprintable() and len(app_id) <= 128 else None
    try:
        return ApplicationForm.model_validate(record)
    except PydanticError as exc:
        first = exc.errors(include_input=False, include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "<row>"
        rule = first["msg"].removeprefix("Value error, ")
        more = len(exc.errors()) - 1
        return RowError(n, app_id, where, rule + (f" (and {more} more problem(s) in this row)" if more else ""))


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(
            f"{path}: cannot be read as UTF-8 text ({exc.__class__.__name__})", field="input"
        ) from None


def _jsonl_records(path: Path) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    n = 0
    for line in _text(path).splitlines():
        if not line.strip():
            continue
        n += 1
        try:
            value = json.loads(line, parse_float=Decimal)  # amounts exactly as written
        except (json.JSONDecodeError, RecursionError):
            yield n, RowError(n, None, "<row>", "is not a JSON object on one line")
            continue
        if not isinstance(value, dict):
            yield n, RowError(n, None, "<row>", "is not a JSON object")
            continue
        yield n, value


def _csv_records(path: Path) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    reader = csv.DictReader(io.StringIO(_text(path), newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ValidationError(f"{path}: missing required column(s): {', '.join(missing)}", field="input")
    reader.fieldnames = header
    for n, raw in enumerate(reader, start=1):
        if None in raw:
            yield n, RowError(n, raw.get("application_id"), "<row>", "has more values than the header has columns")
            continue
        # An empty cell is an absent value: required fields then say "Field required", optional ones default.
        yield n, {k: v for k, v in raw.items() if v is not None and v.strip() != ""}


def _parquet_records(path: Path) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    from creditloop._extras import require_extra

    require_extra("sim", "pyarrow")
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several unrelated types for a damaged file
        raise ValidationError(
            f"{path}: not a readable Parquet file ({exc.__class__.__name__})", field="input"
        ) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in table.column_names]
    if missing:
        raise ValidationError(f"{path}: missing required column(s): {', '.join(missing)}", field="input")
    for n, row in enumerate(table.to_pylist(), start=1):
        yield n, {k: v for k, v in row.items() if v is not None}
