"""Panel files (issue 14), property-based: any valid panel reads back unchanged from CSV and Parquet, and taking
out any interior month of an account is always refused as missing months, naming that account."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creditloop.adapters.files.panel import read_panel
from creditloop.core.errors import ValidationError


def month_end(index: int) -> date:
    y, m = divmod(index, 12)
    nxt = date(y + (m + 1) // 12, (m + 1) % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


accounts = st.lists(
    st.tuples(
        st.integers(2020 * 12, 2030 * 12),  # first month
        st.lists(st.tuples(st.integers(0, 400), st.integers(0, 10**12) | st.none()), min_size=1, max_size=8),
    ),
    min_size=1,
    max_size=6,
)


def build(spec: list[tuple[int, list[tuple[int, int | None]]]]) -> pa.Table:
    ids, months, dpd, balance = [], [], [], []
    for a, (first, rows) in enumerate(spec):
        for k, (d, b) in enumerate(rows):
            ids.append(f"acct-{a}")
            months.append(month_end(first + k))
            dpd.append(d)
            balance.append(b)
    return pa.table(
        {"account_id": ids, "month_end_on": pa.array(months, pa.date32()), "dpd": dpd,
         "balance_minor": pa.array(balance, pa.int64())}
    )  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(accounts)
def test_a_valid_panel_reads_back_unchanged(spec: list[tuple[int, list[tuple[int, int | None]]]]) -> None:
    table = build(spec)
    with TemporaryDirectory() as folder:
        for path in (Path(folder) / "p.parquet", Path(folder) / "p.csv"):
            if path.suffix == ".csv":
                pacsv.write_csv(table, path)
            else:
                pq.write_table(table, path)
            got = read_panel(path)
            assert (
                got.select(table.column_names).to_pylist()
                == table.sort_by([("account_id", "ascending"), ("month_end_on", "ascending")]).to_pylist()
            )


@settings(max_examples=60, deadline=None)
@given(accounts, st.data())
def test_any_interior_month_taken_out_is_refused(
    spec: list[tuple[int, list[tuple[int, int | None]]]], data: st.DataObject
) -> None:
    long = [i for i, (_, rows) in enumerate(spec) if len(rows) >= 3]
    if not long:
        return
    a = data.draw(st.sampled_from(long))
    first, rows = spec[a]
    drop = month_end(first + data.draw(st.integers(1, len(rows) - 2)))
    table = build(spec)
    keep = [not (i == f"acct-{a}" and m == drop) for i, m in
            zip(table["account_id"].to_pylist(), table["month_end_on"].to_pylist(), strict=True)]  # fmt: skip
    with TemporaryDirectory() as folder:
        path = Path(folder) / "p.parquet"
        pq.write_table(table.filter(pa.array(keep)), path)
        with pytest.raises(ValidationError) as caught:
            read_panel(path)
    assert caught.value.field == "month_end_on"
    assert "missing months" in caught.value.message and f"account acct-{a}," in caught.value.message
