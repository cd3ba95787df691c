"""Simulation outputs: Parquet tables with a fixed schema, plus summary.json (schema in docs/simulation.md)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from creditloop.jobs.early_warning import RaisedAlert
from creditloop.servicing.credit_line import CreditLine
from creditloop.servicing.model import Statement
from creditloop.simulate.population import Customer
from creditloop.strategy.origination import Decision
from creditloop.strategy.underwriting import UnderwritingDecision


@dataclass(frozen=True, slots=True)
class DecisionRow:
    """What applications.parquet records of a decision, from the rule policy or the scored one."""

    decision: str  # approve | refer | decline
    reasons: tuple[str, ...]
    limit_minor: int
    policy_version: str  # policy_id@version
    check_flags: tuple[str, ...] = ()
    pd: float | None = None
    model_version: str | None = None
    arm: str = ""

    @classmethod
    def of_rule(cls, d: Decision) -> DecisionRow:
        return cls(
            "approve" if d.approved else "decline",
            tuple(r.value for r in d.reasons),
            d.limit_minor,
            f"{d.policy_id}@{d.policy_version}",
        )

    @classmethod
    def of_underwriting(cls, d: UnderwritingDecision) -> DecisionRow:
        model = f"{d.model_id}@{d.model_version}" if d.model_id else None
        return cls(
            d.decision, d.reasons, d.limit_minor, f"{d.policy_id}@{d.policy_version}", d.check_flags, d.pd, model, d.arm
        )


SCHEMAS: dict[str, pa.Schema] = {
    "applications": pa.schema(
        [
            ("application_id", pa.string()),
            ("customer_id", pa.string()),
            ("applied_on", pa.date32()),
            ("month_index", pa.int32()),
            ("approved", pa.bool_()),
            ("reasons", pa.string()),
            ("limit_minor", pa.int64()),
            ("policy_version", pa.string()),
            # What the application form states (the lender sees these; the policy uses age, income, debts
            # and lenders). identity_key is a synthetic phone / device / ID fingerprint, never personal data.
            ("stated_age", pa.int32()),
            ("stated_sector", pa.string()),
            ("stated_city_tier", pa.int32()),
            ("stated_income_minor", pa.int64()),
            ("stated_debt_minor", pa.int64()),
            ("stated_lenders", pa.int32()),
            ("identity_key", pa.string()),
            # Issue #13: the scored decision and the further non-personal form fields. Names, ID numbers,
            # phones and device ids are never written (identity_key / device_key are synthetic keys).
            ("decision", pa.string()),  # approve | refer | decline
            ("check_flags", pa.string()),  # comma-separated check codes, "" when clean
            ("pd", pa.float64()),  # null when no model scored the application
            ("model_version", pa.string()),  # model_id@version, null when no model
            ("arm", pa.string()),  # champion | challenger | the policy's own arm ("" under the rule policy)
            ("channel", pa.string()),
            ("requested_limit_minor", pa.int64()),
            ("verified_income_minor", pa.int64()),  # null without bureau consent or payroll record
            ("household_size", pa.int32()),
            ("consent_bureau", pa.bool_()),
            ("consent_sharing", pa.bool_()),
            ("device_key", pa.string()),
        ]
    ),
    "snapshots": pa.schema(
        [
            ("month_index", pa.int32()),
            ("month_end_on", pa.date32()),
            ("line_id", pa.string()),
            ("customer_id", pa.string()),
            ("vintage", pa.string()),
            ("mob", pa.int32()),
            ("status", pa.string()),
            ("limit_minor", pa.int64()),
            ("principal_minor", pa.int64()),
            ("fee_minor", pa.int64()),
            ("penalty_minor", pa.int64()),
            ("balance_minor", pa.int64()),
            ("past_due_minor", pa.int64()),
            ("dpd", pa.int32()),
            ("bucket", pa.string()),
            ("credit_status", pa.string()),
            ("restructured", pa.bool_()),
            ("statement_due_minor", pa.int64()),
            ("paid_minor", pa.int64()),
            ("charged_off_minor", pa.int64()),
            ("statement_min_due_minor", pa.int64()),  # null: the product has no minimum payment
            # Other lenders a consortium would report at the month end (liquidity.consortium_lenders, issue 19).
            ("other_lenders", pa.int32()),
        ]
    ),
    "alerts": pa.schema(
        [
            ("alert_id", pa.string()),
            ("line_id", pa.string()),
            ("raised_on", pa.date32()),
            ("month_index", pa.int32()),
            ("rule_id", pa.string()),
            ("value", pa.float64()),
            ("threshold", pa.float64()),
            ("reason_code", pa.string()),
        ]
    ),
    "hardship": pa.schema(
        [
            ("request_id", pa.string()),
            ("line_id", pa.string()),
            ("offered_on", pa.date32()),
            ("month_index", pa.int32()),
            ("option", pa.string()),
            ("periods", pa.int32()),
            ("eligible", pa.bool_()),
            ("accepted", pa.bool_()),
            ("balance_minor", pa.int64()),
            ("outcome", pa.string()),
        ]
    ),
    # The hardship workflow's plans (strategy hardship_path "workflow"): status as tracked at the horizon.
    "hardship_plans": pa.schema(
        [
            ("plan_id", pa.string()),
            ("request_id", pa.string()),
            ("line_id", pa.string()),
            ("option_id", pa.string()),
            ("kind", pa.string()),
            ("accepted_on", pa.date32()),
            ("status", pa.string()),  # active | completed | broken
            ("broken_on", pa.date32()),
        ]
    ),
    # Collections contact attempts (a strategy with collections): allowed ones with their outcome, refused ones with
    # the conduct rule codes (no contact happened; outcome null).
    "contacts": pa.schema(
        [
            ("attempt_id", pa.string()),
            ("line_id", pa.string()),
            ("month_index", pa.int32()),
            ("at", pa.timestamp("s", tz="UTC")),
            ("zone", pa.string()),  # the customer's IANA zone
            ("local_time", pa.string()),  # HH:MM in that zone
            ("contact_id", pa.string()),  # opaque id, never a number
            ("channel", pa.string()),
            ("segment", pa.string()),
            ("outcome", pa.string()),
            ("refused_rule", pa.string()),  # the first rule that refused; null when allowed
            ("refused_rules", pa.string()),  # every rule, comma-separated ("" when allowed)
        ]
    ),
    "events": pa.schema(
        [
            ("seq", pa.int64()),
            ("occurred_on", pa.date32()),
            ("line_id", pa.string()),
            ("kind", pa.string()),
            ("amount_minor", pa.int64()),
            ("ref", pa.string()),
        ]
    ),
    "ground_truth": pa.schema(
        [
            ("customer_id", pa.string()),
            ("sector", pa.string()),
            ("city_tier", pa.int32()),
            ("base_income_minor", pa.int64()),
            ("stated_income_minor", pa.int64()),
            ("willingness", pa.float64()),
            ("shock_cut", pa.float64()),
            ("shocked", pa.bool_()),
            ("fraud", pa.bool_()),
            ("fraud_kind", pa.string()),
            ("inconsistency", pa.string()),
            ("identity_key", pa.string()),
            ("strategic", pa.bool_()),
            ("defaulted", pa.bool_()),
            ("farm", pa.int64()),  # the fraud farm of an identity_reuse application, 0: none
            ("buffer_months", pa.float64()),  # habitual liquid savings in months of living costs (liquidity.py)
        ]
    ),
    "actions": pa.schema(
        [
            ("line_id", pa.string()),
            ("acted_on", pa.date32()),
            ("month_index", pa.int32()),
            ("action", pa.string()),
            ("limit_before_minor", pa.int64()),
            ("limit_after_minor", pa.int64()),
            ("reason_code", pa.string()),
            ("strategy", pa.string()),
        ]
    ),
}


def statement_minimum(line: CreditLine, statement: Statement | None) -> int | None:
    """The snapshot's ``statement_min_due_minor``: the month's statement minimum (0 when no statement was cut this
    month), or None on a product without a minimum payment (its statement "minimum" is the whole amount due)."""
    if line.product.minimum_payment is None:
        return None
    return statement.minimum_due_minor if statement is not None else 0


class OutputWriter:
    def __init__(self, out_dir: Path) -> None:
        self.dir = out_dir
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in SCHEMAS}

    def application(self, application_id: str, cu: Customer, on: date, month: int, decision: DecisionRow) -> None:
        self.rows["applications"].append(
            {
                "application_id": application_id,
                "customer_id": cu.customer_id,
                "applied_on": on,
                "month_index": month,
                "approved": decision.decision == "approve",
                "reasons": ",".join(decision.reasons),
                "limit_minor": decision.limit_minor,
                "policy_version": decision.policy_version,
                "decision": decision.decision,
                "check_flags": ",".join(decision.check_flags),
                "pd": decision.pd,
                "model_version": decision.model_version,
                "arm": decision.arm,
                "channel": cu.channel,
                "requested_limit_minor": cu.requested_limit_minor,
                "verified_income_minor": cu.verified_income_minor,
                "household_size": cu.household_size,
                "consent_bureau": cu.consent_bureau,
                "consent_sharing": cu.consent_sharing,
                "device_key": cu.device_key,
                "stated_age": cu.stated_age,
                "stated_sector": cu.stated_sector,
                "stated_city_tier": cu.stated_city_tier,
                "stated_income_minor": cu.stated_income_minor,
                "stated_debt_minor": cu.stated_debt_minor,
                "stated_lenders": cu.stated_lenders,
                "identity_key": cu.identity_key,
            }
        )

    def action(self, row: dict[str, Any]) -> None:
        """A lender action: reminder, limit change, freeze or unfreeze."""
        self.rows["actions"].append(row)

    def event(self, on: date, line_id: str, kind: str, amount_minor: int, ref: str) -> None:
        rows = self.rows["events"]
        rows.append(
            {
                "seq": len(rows) + 1,
                "occurred_on": on,
                "line_id": line_id,
                "kind": kind,
                "amount_minor": amount_minor,
                "ref": ref,
            }
        )

    def alert(self, item: RaisedAlert, month: int) -> None:
        self.rows["alerts"].append(
            {
                "alert_id": item.alert_id,
                "line_id": item.line_id,
                "raised_on": item.alert.raised_on,
                "month_index": month,
                "rule_id": item.alert.rule_id,
                "value": float(item.alert.value),
                "threshold": float(item.alert.threshold),
                "reason_code": item.alert.reason_code,
            }
        )

    def snapshot(self, row: dict[str, Any]) -> None:
        self.rows["snapshots"].append(row)

    def hardship(self, rows: list[dict[str, Any]]) -> None:
        self.rows["hardship"].extend(rows)

    def extend(self, name: str, rows: list[dict[str, Any]]) -> None:
        self.rows[name].extend(rows)

    def ground_truth(self, customers: list[Customer]) -> None:
        for cu in customers:
            d = asdict(cu)
            self.rows["ground_truth"].append(
                {
                    k: d[k]
                    for k in (
                        "customer_id",
                        "sector",
                        "city_tier",
                        "base_income_minor",
                        "stated_income_minor",
                        "willingness",
                        "shock_cut",
                        "fraud",
                        "fraud_kind",
                        "inconsistency",
                        "identity_key",
                        "strategic",
                        "defaulted",
                        "farm",
                        "buffer_months",
                    )
                }
                | {"shocked": cu.shock_cut > 0}
            )

    def close(self, summary: dict[str, Any]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        for name, schema in SCHEMAS.items():
            table = pa.Table.from_pylist(self.rows[name], schema=schema)
            pq.write_table(table, self.dir / f"{name}.parquet")
        (self.dir / "summary.json").write_text(
            json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8"
        )
