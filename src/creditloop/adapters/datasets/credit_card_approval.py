"""Credit Card Approval Prediction's monthly card status panel (``credit_record``; probably CC0) as a behaviour panel.

Only ``credit_card_approval_credit_record.csv.gz`` is read (``ID, MONTHS_BALANCE, STATUS``). The application file
is never read: it carries CODE_GENDER and NAME_FAMILY_STATUS, protected attributes no model here may see.

- ``account_id``: ``cca-`` + ``ID``.
- ``month_end_on``: ``MONTHS_BALANCE`` −60..0 → month ends ending at ``REFERENCE_MONTH_END``. The file has no
  calendar dates: the reference month is a convention, only the order matters.
- ``dpd``: ``STATUS`` 0 → 15 (1–29 days), 1 → 45, 2 → 75, 3 → 105, 4 → 135, 5 → 180 (150+ or written off): the
  middle of each bucket; C (paid off that month) and X (no loan that month, not "current") → 0.
- ``status``: ``STATUS`` as written (an extra column, kept).

There are no amounts, so every amount-based feature is null and the score rests on the delinquency history. The
first month an ID appears is its first observed month, not necessarily its opening month. The published file is
cut at Excel's 1,048,575 rows, so the last ID's history may be incomplete. Months per ID are contiguous in the
file as published (checked again by ``check_panel``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from creditloop.adapters.files.panel import check_panel
from creditloop.core.errors import ValidationError

FILE_NAME = "credit_card_approval_credit_record.csv.gz"
REFERENCE_MONTH_END = date(2020, 12, 31)  # MONTHS_BALANCE 0; a convention (the file has no dates)
STATUS_DPD = {"0": 15, "1": 45, "2": 75, "3": 105, "4": 135, "5": 180, "C": 0, "X": 0}


def approval_panel(path: str | Path, *, reference_month_end: date = REFERENCE_MONTH_END) -> pa.Table:
    """The monthly status panel of every ID (checked like any panel file)."""
    p = Path(path)
    if not p.is_file():
        raise ValidationError(f"{p}: the Credit Card Approval credit record is not there", field="path")
    cases = " ".join(f"WHEN '{s}' THEN {d}" for s, d in STATUS_DPD.items())
    query = f"""
        SELECT 'cca-' || CAST(ID AS VARCHAR) AS account_id,
               CAST(last_day(DATE '{reference_month_end.isoformat()}' + to_months(MONTHS_BALANCE)) AS DATE)
                   AS month_end_on,
               CAST(CASE STATUS {cases} END AS BIGINT) AS dpd,
               STATUS AS status
        FROM read_csv('{_quoted(p)}', header = true,
                      columns = {{'ID': 'BIGINT', 'MONTHS_BALANCE': 'INTEGER', 'STATUS': 'VARCHAR'}})
    """
    con = duckdb.connect()
    try:
        table = con.sql(query).to_arrow_table()
    finally:
        con.close()
    return check_panel(table, "credit_card_approval")


def _quoted(p: Path) -> str:
    return str(p).replace("'", "''")
