"""Panel files (issue 14): read Parquet and CSV into the panel's types; refuse a broken rule naming the column,
the account and month where it applies, and the rule."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from creditloop.adapters.files.panel import read_panel
from creditloop.core.errors import ValidationError

HEADER = "account_id,month_end_on,dpd,balance_minor,limit_minor,shock,branch\n"
GOOD = (
    "b,2024-02-29,0,100,1000,false,north\n"
    "a,2024-01-31,0,5000,10000,,south\n"
    "a,2024-02-29,35,6000,10000,true,south\n"
    "b,2024-01-31,0,0,1000,0,north\n"
)


def write_csv(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "panel.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_csv_is_cast_sorted_and_keeps_extra_columns(tmp_path: Path) -> None:
    table = read_panel(write_csv(tmp_path, GOOD))
    assert table["account_id"].to_pylist() == ["a", "a", "b", "b"]
    assert table["month_end_on"].to_pylist() == [date(2024, 1, 31), date(2024, 2, 29)] * 2
    assert table["dpd"].to_pylist() == [0, 35, 0, 0]
    assert table.schema.field("balance_minor").type == pa.int64()
    assert table["shock"].to_pylist() == [None, True, False, False]
    assert table["branch"].to_pylist() == ["south", "south", "north", "north"]


def test_parquet_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "panel.parquet"
    pq.write_table(
        pa.table(
            {
                "account_id": ["x", "x"],
                "month_end_on": pa.array([date(2023, 12, 31), date(2024, 1, 31)], pa.date32()),
                "dpd": pa.array([0, 15], pa.int32()),
                "paid_minor": pa.array([100.0, None]),  # whole floats are fine as integer minor units
            }
        ),
        path,
    )
    table = read_panel(path)
    assert table["dpd"].to_pylist() == [0, 15]
    assert table["paid_minor"].to_pylist() == [100, None]
    assert table.schema.field("paid_minor").type == pa.int64()


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ("a,2024-01-31,0,1.5,10,,\n", "balance_minor", ["account a", "month 2024-01-31", "not a valid int64"]),
        ("a,2024-01-31,zero,1,10,,\n", "dpd", ["account a", "data row 1", "not a valid int64"]),
        ("a,31/01/2024,0,1,10,,\n", "month_end_on", ["account a", "not a valid date32"]),
        ("a,2024-01-31,0,1,10,maybe,\n", "shock", ["account a", "not a valid bool"]),
        (",2024-01-31,0,1,10,,\n", "account_id", ["null", "required"]),
        ("a,,0,1,10,,\n", "month_end_on", ["null", "account a", "required"]),
        ("a,2024-01-31,,1,10,,\n", "dpd", ["null", "account a", "month 2024-01-31", "required"]),
        ("a,2024-01-31,0,-1,10,,\n", "balance_minor", ["negative", "account a", "month 2024-01-31"]),
        ("a,2024-01-31,-3,1,10,,\n", "dpd", ["negative", "account a"]),
        ("a,2024-01-31,0,1,10,,\na,2024-01-31,0,1,10,,\n", "month_end_on", ["duplicate", "account a"]),
        ("a,2024-01-30,0,1,10,,\n", "month_end_on", ["not the last day", "account a", "month 2024-01-30"]),
        (
            "a,2024-01-31,0,1,10,,\na,2024-04-30,0,1,10,,\n",
            "month_end_on",
            ["missing months", "none from 2024-02", "account a", "month 2024-04-30", "contiguous"],
        ),
    ],
)
def test_a_broken_rule_is_refused_by_column_account_and_month(
    tmp_path: Path, body: str, field: str, words: list[str]
) -> None:
    with pytest.raises(ValidationError) as caught:
        read_panel(write_csv(tmp_path, body))
    assert caught.value.field == field
    for word in words:
        assert word in caught.value.message


def test_a_missing_required_column_is_named(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        read_panel(write_csv(tmp_path, "a,2024-01-31\n", header="account_id,month_end_on\n"))
    assert caught.value.field == "dpd"
    assert "required column 'dpd' is missing" in caught.value.message


def test_gaps_in_different_accounts_are_not_mixed_up(tmp_path: Path) -> None:
    # a ends in January, b starts in March: two accounts, no gap inside either.
    body = "a,2024-01-31,0,1,10,,\nb,2024-03-31,0,1,10,,\nb,2024-04-30,0,1,10,,\n"
    assert read_panel(write_csv(tmp_path, body)).num_rows == 3


def test_values_are_never_echoed(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        read_panel(write_csv(tmp_path, "a,2024-01-31,0,SECRET-123,10,,\n"))
    assert "SECRET-123" not in caught.value.message


def test_wrong_suffix_and_absent_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="must end in"):
        read_panel(tmp_path / "panel.xlsx")
    with pytest.raises(ValidationError, match="does not exist"):
        read_panel(tmp_path / "absent.csv")
