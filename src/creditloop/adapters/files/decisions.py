"""Decision files out: one row per application, CSV (``.csv``), Parquet (``.parquet``) or JSON lines (otherwise).

Columns (docs/origination.md): ``application_id, decision`` (approve | refer | decline | invalid), ``limit``
(yuan, two decimals; 0.00 unless approved), ``pd`` (the model's probability, empty without a model),
``score_band, check_flags`` (comma-separated check codes, empty when clean), ``reasons`` (comma-separated reason
codes, principal first), ``arm, policy, model, decision_id, error`` (row, field and rule for invalid rows).
The CLI writes through a temporary file renamed into place: never half a file.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from creditloop.adapters.files.applications import RowError
from creditloop.core.money import format_major
from creditloop.strategy.underwriting import UnderwritingDecision

OUTPUT_COLUMNS = (
    "application_id",
    "decision",
    "limit",
    "pd",
    "score_band",
    "price_tier",
    "check_flags",
    "reasons",
    "arm",
    "policy",
    "model",
    "decision_id",
    "error",
)


def decision_row(d: UnderwritingDecision) -> dict[str, Any]:
    return {
        "application_id": d.application_id,
        "decision": d.decision,
        "limit": format_major(d.limit_minor),
        "pd": None if d.pd is None else round(d.pd, 6),
        "score_band": d.score_band or "",
        "price_tier": d.price_tier or "",
        "check_flags": ",".join(d.check_flags),
        "reasons": ",".join(d.reasons),
        "arm": d.arm,
        "policy": f"{d.policy_id}@{d.policy_version}",
        "model": f"{d.model_id}@{d.model_version}" if d.model_id else "",
        "decision_id": f"underwriting/{d.application_id}",
        "error": "",
    }


def invalid_row(e: RowError) -> dict[str, Any]:
    return {
        **dict.fromkeys(OUTPUT_COLUMNS, ""),
        "application_id": e.application_id or "",
        "decision": "invalid",
        "limit": "0.00",
        "pd": None,
        "error": str(e),
    }


def write_decisions(tmp: Path, suffix: str, rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` to ``tmp`` in the format of ``suffix`` (the caller renames it into place)."""
    if suffix == ".csv":
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=OUTPUT_COLUMNS)
            writer.writeheader()
            writer.writerows({k: "" if r[k] is None else r[k] for k in OUTPUT_COLUMNS} for r in rows)
    elif suffix == ".parquet":
        _write_parquet(tmp, rows)
    else:
        with tmp.open("w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps({k: r[k] for k in OUTPUT_COLUMNS}, ensure_ascii=False) + "\n")


def _write_parquet(tmp: Path, rows: list[dict[str, Any]]) -> None:
    from creditloop._extras import require_extra

    require_extra("sim", "pyarrow")
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {k: [r[k] for r in rows] for k in OUTPUT_COLUMNS}
    schema = pa.schema([(k, pa.float64() if k == "pd" else pa.string()) for k in OUTPUT_COLUMNS])
    pq.write_table(pa.table(columns, schema=schema), tmp)
