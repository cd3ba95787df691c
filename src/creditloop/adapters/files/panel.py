"""Behaviour panel files in: Parquet or CSV (by suffix) → one checked ``pyarrow.Table`` in the panel's schema.

Every rule of ``monitoring/panel.py`` is checked before anything downstream sees a row; the first broken one
is a ``ValidationError`` naming the column, the account and month where it applies, and the rule. Cell values
are never echoed (an extra column may hold anything). Extra columns are kept as read. The table comes back
sorted by (account_id, month_end_on), so one account's months are adjacent and in order.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from creditloop.core.errors import ValidationError
from creditloop.monitoring.panel import PANEL_COLUMNS, REQUIRED_COLUMNS

SUFFIXES = (".parquet", ".pq", ".csv")
ARROW_TYPES: dict[str, pa.DataType] = {"str": pa.string(), "date": pa.date32(), "int": pa.int64(), "bool": pa.bool_()}
NEVER_NULL = ("account_id", "month_end_on", "dpd")
# Every integer column is an amount, a count or days past due: none may be negative.
NON_NEGATIVE = tuple(c.name for c in PANEL_COLUMNS if c.kind == "int")


def read_panel(path: str | Path) -> pa.Table:
    """The panel in ``path``, cast to the panel's types and checked; refuses with the first broken rule."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValidationError(f"{p}: a panel file must end in {', '.join(SUFFIXES)}", field="panel")
    if not p.is_file():
        raise ValidationError(f"{p} does not exist or is not a file", field="panel")
    try:
        raw = _read_csv(p) if suffix == ".csv" else pq.read_table(p)
    except (pa.ArrowException, OSError) as exc:
        raise ValidationError(f"{p}: cannot be read as a panel ({type(exc).__name__})", field="panel") from None
    return check_panel(raw, str(p))


def _read_csv(p: Path) -> pa.Table:
    # Panel columns are read as text and cast here, so a bad cell is reported by our rule, not by the reader.
    with p.open(newline="", encoding="utf-8-sig", errors="replace") as fh:
        names = next(csv.reader(fh), [])
    types = {c.name: pa.string() for c in PANEL_COLUMNS if c.name in names}
    return pacsv.read_csv(p, convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True))


def check_panel(raw: pa.Table, source: str = "panel") -> pa.Table:
    """``raw`` cast to the panel's types, sorted and checked (the rules in the module docstring)."""
    for name in REQUIRED_COLUMNS:
        if name not in raw.column_names:
            raise ValidationError(f"{source}: required column {name!r} is missing", field=name)
    table = raw
    for column in PANEL_COLUMNS:
        if column.name in table.column_names:
            cast = _cast(table, column.name, ARROW_TYPES[column.kind], source)
            table = table.set_column(table.column_names.index(column.name), column.name, cast)
    for name in NEVER_NULL:
        nulls = pc.is_null(table[name])
        if pc.any(nulls).as_py():
            raise ValidationError(f"{source}: {name}: null{_where(table, nulls)}; it is required", field=name)
    for name in NON_NEGATIVE:
        if name in table.column_names:
            negative = pc.fill_null(pc.less(table[name], 0), False)
            if pc.any(negative).as_py():
                raise ValidationError(f"{source}: {name}: negative{_where(table, negative)}", field=name)
    table = table.take(pc.sort_indices(table, [("account_id", "ascending"), ("month_end_on", "ascending")]))
    _check_months(table, source)
    return table


def _cast(table: pa.Table, name: str, to: pa.DataType, source: str) -> pa.ChunkedArray:
    col = table[name]
    if col.type == to:
        return col
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        col = pc.utf8_trim_whitespace(col)
        col = pc.if_else(pc.equal(col, ""), pa.scalar(None, col.type), col)  # an empty cell is missing
        if pa.types.is_integer(to):  # "12.0" is a whole number written by a spreadsheet; "12.5" is not
            col = pc.replace_substring_regex(col, r"^(-?\d+)\.0*$", r"\1")
    try:
        return pc.cast(col, to, safe=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    for i in range(len(col)):  # the first cell that does not cast, to name its account and month
        try:
            pc.cast(col.slice(i, 1), to, safe=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            where = _row_where(table, i)
            raise ValidationError(f"{source}: {name}: a value{where} is not a valid {to}", field=name) from None
    raise ValidationError(f"{source}: {name}: cannot be read as {to}", field=name)


def _where(table: pa.Table, mask: Any) -> str:
    first = int(pc.index(mask, True).as_py())
    return _row_where(table, first)


def _row_where(table: pa.Table, i: int, *, row: bool = True) -> str:
    """Where row i is: account, month (and data row i+1 before sorting), whichever are readable."""
    parts = []
    for name in ("account_id", "month_end_on"):
        if name in table.column_names:
            value = table[name][i].as_py()
            if value is not None and len(str(value)) <= 64:
                parts.append(f"{'account' if name == 'account_id' else 'month'} {value}")
    return f" at {', '.join(parts + ([f'data row {i + 1}'] if row else []))}"


def _check_months(table: pa.Table, source: str) -> None:
    """Month ends only, one row per (account, month), and no calendar month missing inside an account."""
    if table.num_rows == 0:
        return
    days = table["month_end_on"].to_numpy().astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    not_end = (days + 1).astype("datetime64[M]") == months
    if not_end.any():
        i = int(np.argmax(not_end))
        where = _row_where(table, i, row=False)
        raise ValidationError(f"{source}: month_end_on: not the last day of its month{where}", field="month_end_on")
    index = months.astype(np.int64)
    accounts = table["account_id"].combine_chunks()
    same = pc.equal(accounts.slice(1), accounts.slice(0, len(accounts) - 1)).to_numpy(zero_copy_only=False)
    step = np.diff(index)
    dup = same & (step == 0)
    if dup.any():
        i = int(np.argmax(dup)) + 1
        raise ValidationError(
            f"{source}: month_end_on: duplicate (account, month){_row_where(table, i, row=False)}", field="month_end_on"
        )
    gap = same & (step > 1)
    if gap.any():
        i = int(np.argmax(gap)) + 1
        missing = str(months[i - 1] + 1)
        raise ValidationError(
            f"{source}: month_end_on: missing months (none from {missing}){_row_where(table, i, row=False)}; "
            "an account's months must be contiguous",
            field="month_end_on",
        )
