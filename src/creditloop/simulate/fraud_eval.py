"""Fabricated applications caught, genuine applicants flagged, and losses by policy, on a simulation's outputs.

``evaluate(data_dir)`` reads ``applications.parquet`` (what the lender saw and decided), ``ground_truth.parquet``
(which applications were fabricated, and how) and, for losses, ``snapshots.parquet`` and ``events.parquet``:

- per fraud kind: applications, ``flagged`` (any check flag that is a fraud signal, see below), ``recall``
  (flagged / applications), ``approved`` (lines opened anyway);
- genuine applicants: applications, flagged, ``false_positive_rate``; ``flagged_any`` also counts the
  eligibility flags (``ELIGIBILITY_CODES``: age outside the product's bounds — a true statement, not a sign
  of fabrication; the population has under-18 applicants);
- per decision policy (``policy_version`` and ``arm``): applications, approved, ``approval_rate``, and the
  12-month loss rate = principal charged off within 12 months on book / purchases made on those lines in the
  same 12 months (a line's months on book count from its application; a run shorter than 12 months after an
  application measures what it saw — ``months_observed`` says how much).

The CLI command ``creditloop origination evaluate --data-dir D [--json]`` prints this dictionary.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb

from creditloop.core.errors import ValidationError

# Check codes that say the applicant is outside the product's eligibility, not that the form is fabricated.
ELIGIBILITY_CODES = re.compile(r"^AGE_(BELOW|ABOVE|MIN|MAX|BOUND|BOUNDS|OUT_OF_RANGE|UNDER|OVER|LIMIT)")
LOSS_MONTHS = 12
GENUINE = "genuine"


def fraud_signal_flags(check_flags: str | None) -> list[str]:
    """The check codes of a ``check_flags`` cell that are fraud signals (eligibility codes left out)."""
    return [f for f in (check_flags or "").split(",") if f and not ELIGIBILITY_CODES.match(f)]


def _connect(data_dir: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name in ("applications", "ground_truth", "snapshots", "events"):
        path = data_dir / f"{name}.parquet"
        if not path.exists():
            raise ValidationError(f"{path} is missing: is {data_dir} a simulation's data directory?", field="data_dir")
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path.as_posix()}')")
    columns = {r[0] for r in con.execute("DESCRIBE applications").fetchall()}
    if "check_flags" not in columns:
        raise ValidationError(
            f"{data_dir}/applications.parquet has no check_flags: the run predates the application checks",
            field="data_dir",
        )
    con.create_function("fraud_flags", lambda s: len(fraud_signal_flags(s)), [str], int)
    return con


def _by_kind(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    rows = con.execute(
        """SELECT CASE WHEN g.fraud THEN g.fraud_kind ELSE 'genuine' END AS kind,
                  count(*),
                  count(*) FILTER (WHERE fraud_flags(coalesce(a.check_flags, '')) > 0),
                  count(*) FILTER (WHERE coalesce(a.check_flags, '') <> ''),
                  count(*) FILTER (WHERE a.decision = 'approve')
           FROM applications a JOIN ground_truth g USING (customer_id) GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    kinds: dict[str, dict[str, Any]] = {}
    genuine: dict[str, Any] = {"applications": 0, "flagged": 0, "flagged_any": 0, "false_positive_rate": 0.0}
    for kind, n, flagged, flagged_any, approved in rows:
        if kind == GENUINE:
            genuine = {
                "applications": n,
                "flagged": flagged,
                "flagged_any": flagged_any,
                "false_positive_rate": flagged / n if n else 0.0,
                "approved": approved,
            }
        else:
            kinds[kind] = {
                "applications": n,
                "flagged": flagged,
                "recall": flagged / n if n else 0.0,
                "approved": approved,
            }
    return kinds, genuine


def _by_policy(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows = con.execute(
        f"""WITH apps AS (
                SELECT a.*, 'L-' || a.customer_id AS line_id FROM applications a),
            horizon AS (SELECT max(month_end_on) AS last_on FROM snapshots),
            lines AS (
                SELECT p.line_id, p.applied_on,
                       coalesce((SELECT max(s.charged_off_minor) FROM snapshots s
                                 WHERE s.line_id = p.line_id AND s.mob <= {LOSS_MONTHS}), 0) AS charged_off,
                       coalesce((SELECT sum(e.amount_minor) FROM events e
                                 WHERE e.line_id = p.line_id AND e.kind = 'purchase'
                                   AND e.occurred_on < p.applied_on + INTERVAL {LOSS_MONTHS} MONTH), 0) AS purchased
                FROM apps p WHERE p.decision = 'approve')
            SELECT p.policy_version, coalesce(p.arm, '') AS arm, count(*),
                   count(*) FILTER (WHERE p.decision = 'approve'),
                   coalesce(sum(l.charged_off), 0), coalesce(sum(l.purchased), 0),
                   min(date_diff('month', p.applied_on, (SELECT last_on FROM horizon)))
            FROM apps p LEFT JOIN lines l USING (line_id) GROUP BY 1, 2 ORDER BY 1, 2"""
    ).fetchall()
    out = []
    for policy, arm, n, approved, charged_off, purchased, observed in rows:
        out.append(
            {
                "policy_version": policy,
                "arm": arm,
                "applications": n,
                "approved": approved,
                "approval_rate": approved / n if n else 0.0,
                "purchased_minor": int(purchased),
                "charged_off_minor": int(charged_off),
                "loss_rate_12m": charged_off / purchased if purchased else 0.0,
                "months_observed": min(LOSS_MONTHS, int(observed or 0)),
            }
        )
    return out


def evaluate(data_dir: Path | str) -> dict[str, Any]:
    """The evaluation of a simulation's data directory (see the module docstring)."""
    con = _connect(Path(data_dir))
    try:
        kinds, genuine = _by_kind(con)
        fraud_n = sum(k["applications"] for k in kinds.values())
        fraud_flagged = sum(k["flagged"] for k in kinds.values())
        return {
            "data_dir": str(data_dir),
            "fraud_kinds": kinds,
            "fraud": {
                "applications": fraud_n,
                "flagged": fraud_flagged,
                "recall": fraud_flagged / fraud_n if fraud_n else 0.0,
                "approved": sum(k["approved"] for k in kinds.values()),
            },
            "genuine": genuine,
            "policies": _by_policy(con),
        }
    finally:
        con.close()
