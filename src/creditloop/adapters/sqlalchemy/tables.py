"""SQLAlchemy Core tables of the ledger store. Money columns are BigInteger minor units, never floats.

The migrations (``0001_initial`` .. ``0006_ewi_alerts``) create exactly these tables;
keep them in step (a test compares them). Entry id columns hold ``ledger.ids.MAX_ENTRY_ID_CHARS`` (escaped
client ids + suffixes).
"""

from __future__ import annotations

import sqlalchemy as sa

from creditloop.core.errors import require
from creditloop.ledger.ids import MAX_ENTRY_ID_CHARS

# Named constraints, so the hand-written migration and the metadata agree on every name.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

ENTRY_ID_CHARS = 512
require(MAX_ENTRY_ID_CHARS <= ENTRY_ID_CHARS, "the longest entry id must fit the journal's id columns")

journal_entries = sa.Table(
    "journal_entries",
    metadata,
    sa.Column("entry_id", sa.String(ENTRY_ID_CHARS), primary_key=True),
    sa.Column("code", sa.String(40), nullable=False),
    sa.Column("effective_on", sa.Date, nullable=False),
    sa.Column("line_id", sa.String(100), nullable=False, index=True),
    sa.Column("links", sa.Text, nullable=False),  # JSON list, sorted
    sa.Column("reverses", sa.String(ENTRY_ID_CHARS), nullable=True),
    # Insertion order. PostgreSQL fills it from an identity; SQLite has no identity on a non-key
    # column, so the adapter inserts max(seq) + 1 inside the same statement (SQLite has one writer).
    sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
)

postings = sa.Table(
    "postings",
    metadata,
    sa.Column("entry_id", sa.String(ENTRY_ID_CHARS), sa.ForeignKey("journal_entries.entry_id"), primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("account", sa.String(100), nullable=False, index=True),
    sa.Column("side", sa.CHAR(1), nullable=False),
    sa.Column("amount_minor", sa.BigInteger, nullable=False),
)

# Running signed totals (debit positive), updated in the transaction that appends the entries. Each account's total
# is split into slots (a transaction adds to the slot its first line's id hashes to; issue 18: one hot row per
# account serialised every command on PostgreSQL); an account's total is the sum of its slots.
account_totals = sa.Table(
    "account_totals",
    metadata,
    sa.Column("account", sa.String(100), primary_key=True),
    sa.Column("slot", sa.SmallInteger, primary_key=True, server_default="0"),
    sa.Column("balance_minor", sa.BigInteger, nullable=False),
)

credit_lines = sa.Table(
    "credit_lines",
    metadata,
    sa.Column("line_id", sa.String(100), primary_key=True),
    sa.Column("customer_id", sa.String(100), nullable=False, index=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("limit_minor", sa.BigInteger, nullable=False),
    sa.Column("principal_minor", sa.BigInteger, nullable=False),
    sa.Column("fee_minor", sa.BigInteger, nullable=False),
    sa.Column("penalty_minor", sa.BigInteger, nullable=False),
    sa.Column("interest_minor", sa.BigInteger, nullable=False),
    sa.Column("credit_balance_minor", sa.BigInteger, nullable=False),
    sa.Column("charged_off_minor", sa.BigInteger, nullable=False),
    sa.Column("dpd", sa.Integer, nullable=False),
    sa.Column("last_closed_on", sa.Date, nullable=False),
    # The first date whose day-end changes the line: day-end loads only lines due for work.
    sa.Column("next_action_on", sa.Date, nullable=False, index=True),
    sa.Column("doc", sa.Text, nullable=False),  # JSON of servicing.serialization.line_to_dict
)

audit_decisions = sa.Table(
    "audit_decisions",
    metadata,
    sa.Column("decision_id", sa.String(200), primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("subject_id", sa.String(200), nullable=False, index=True),
    sa.Column("decided_on", sa.Date, nullable=False),
    sa.Column("policy_id", sa.String(100), nullable=False),
    sa.Column("policy_version", sa.String(40), nullable=False),
    sa.Column("inputs_hash", sa.String(128), nullable=False),
    sa.Column("outcome", sa.String(40), nullable=False),
    sa.Column("reasons", sa.Text, nullable=False),  # JSON list
    sa.Column("trace", sa.Text, nullable=False),  # JSON list of objects
)

day_end_runs = sa.Table(
    "day_end_runs",
    metadata,
    sa.Column("business_date", sa.Date, primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("lines_closed", sa.Integer, nullable=False),
)

reconciliations = sa.Table(
    "reconciliations",
    metadata,
    sa.Column("business_date", sa.Date, primary_key=True),
    sa.Column("trial_balance_minor", sa.BigInteger, nullable=False),
    sa.Column("control", sa.Text, nullable=False),  # JSON {account: minor}
    sa.Column("sub_ledger", sa.Text, nullable=False),  # JSON {account: minor}
    sa.Column("ok", sa.Boolean, nullable=False),
)

# What this ledger is, stored inside it so it cannot be lost like a side file: ``purpose`` is ``simulation``
# (synthetic books a simulation may replace) or ``operating`` (real lines; nothing may replace them).
ledger_meta = sa.Table(
    "ledger_meta",
    metadata,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)

# Issue #13: what the velocity / identity-reuse / duplicate checks count (``app.history``). Keyed hashes only
# (HMAC-SHA256 hex of the normalised identifier, ``strategy.velocity.key_hash``); "" when not given. The instant
# is UTC microseconds since 1970: one exact integer every backend compares alike. One index per key, by instant:
# a snapshot is a range read on each. Every index carries the columns its read returns (covering: the table is
# never visited) and the id that breaks ties in time.
HASH_CHARS = 64
_PHONE_DEVICE = ("phone_hash", "device_hash")
# Application ids order by code point everywhere (as in Python and SQLite), not by PostgreSQL's locale collation.
APPLICATION_ID = sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")
application_history = sa.Table(
    "application_history",
    metadata,
    sa.Column("application_id", APPLICATION_ID, primary_key=True),  # unique: a second record is a no-op
    sa.Column("applied_at_us", sa.BigInteger, nullable=False),
    sa.Column("identity_hash", sa.String(HASH_CHARS), nullable=False),
    sa.Column("phone_hash", sa.String(HASH_CHARS), nullable=False),
    sa.Column("device_hash", sa.String(HASH_CHARS), nullable=False),
    sa.Column("employer_hash", sa.String(HASH_CHARS), nullable=False),
    sa.Column("employer_address_hash", sa.String(HASH_CHARS), nullable=False),
    sa.Column("inputs_hash", sa.String(HASH_CHARS), nullable=False),
    sa.Column("monthly_income_minor", sa.BigInteger, nullable=False),
    # 0005: the phone's SIM block (keyed hash, ``strategy.velocity.phone_block_hash``); "" for older rows
    sa.Column("phone_block_hash", sa.String(HASH_CHARS), nullable=False, server_default=""),
    sa.Index("ix_application_history_identity", "identity_hash", "applied_at_us", "application_id", *_PHONE_DEVICE),
    sa.Index("ix_application_history_phone", "phone_hash", "applied_at_us", "application_id", "identity_hash"),
    sa.Index("ix_application_history_device", "device_hash", "applied_at_us", "application_id", "identity_hash"),
    sa.Index(
        "ix_application_history_employer_address",
        "employer_address_hash",
        "applied_at_us",
        "application_id",
        "identity_hash",
    ),
    sa.Index(
        "ix_application_history_employer",
        "employer_hash",
        "applied_at_us",
        "application_id",
        "identity_hash",
        "monthly_income_minor",
        "phone_block_hash",
    ),
    sa.Index("ix_application_history_inputs", "inputs_hash", "applied_at_us", "application_id"),
)

# Every underwriting decision, insert-only, for audit and replay (``app.ports.StoredDecision``). ``decided_at``
# is fixed-width ISO-8601 UTC text (``2026-12-02T06:30:00.000000Z``): readable in an audit query, exact, and it
# sorts as the instants do on every backend.
underwriting_decisions = sa.Table(
    "underwriting_decisions",
    metadata,
    sa.Column("decision_id", sa.String(200), primary_key=True),
    sa.Column("application_id", sa.String(200), nullable=False, index=True),
    sa.Column("decided_at", sa.String(27), nullable=False, index=True),
    sa.Column("applied_on", sa.Date, nullable=False),
    sa.Column("policy_id", sa.String(100), nullable=False),
    sa.Column("policy_version", sa.String(40), nullable=False),
    sa.Column("model_id", sa.String(100), nullable=True),
    sa.Column("model_version", sa.String(40), nullable=True),
    sa.Column("arm", sa.String(40), nullable=False, index=True),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("limit_minor", sa.BigInteger, nullable=False),
    sa.Column("pd", sa.Float(53), nullable=True),  # double precision: the model's float, exactly
    sa.Column("inputs_hash", sa.String(HASH_CHARS), nullable=False),
    sa.Column("inputs_json", sa.Text, nullable=False),
    sa.Column("decision_json", sa.Text, nullable=False),
    sa.Column("line_id", sa.String(100), nullable=True),
)

# Early-warning alerts (issue 14, ``app.alerts.StoredAlert``): raised once, then only their lifecycle fields move.
# The (line_id, rule_id) index serves de-duplication and cool-down; the status index the nightly closing pass.
ewi_alerts = sa.Table(
    "ewi_alerts",
    metadata,
    sa.Column("alert_id", sa.String(100), primary_key=True),
    sa.Column("line_id", sa.String(100), nullable=False),
    sa.Column("rule_id", sa.String(100), nullable=False),
    sa.Column("rule_set_id", sa.String(100), nullable=False),
    sa.Column("rule_set_version", sa.String(40), nullable=False),
    sa.Column("raised_on", sa.Date, nullable=False),
    sa.Column("severity", sa.String(20), nullable=False),
    sa.Column("reasons", sa.Text, nullable=False),  # JSON list of reason codes
    sa.Column("features", sa.Text, nullable=False),  # JSON object: the indicators as of raising
    sa.Column("score", sa.Float(53), nullable=True),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("actioned_on", sa.Date, nullable=True),
    sa.Column("action", sa.String(40), nullable=True),
    sa.Column("closed_on", sa.Date, nullable=True),
    sa.Column("outcome", sa.String(20), nullable=True),
    sa.Index("ix_ewi_alerts_line_id", "line_id", "rule_id", "raised_on"),
)

# The behaviour panel the day-end stores when it closes a month (issue 14, ``app.panel_rows``): one row per line and
# month end, the columns of ``monitoring.panel.PANEL_COLUMNS``. ``ewi run`` reads it instead of replaying each line.
behaviour_panel = sa.Table(
    "behaviour_panel",
    metadata,
    sa.Column("account_id", sa.String(100), primary_key=True),
    sa.Column("month_end_on", sa.Date, primary_key=True),
    sa.Column("dpd", sa.Integer, nullable=False),
    sa.Column("limit_minor", sa.BigInteger, nullable=True),
    sa.Column("balance_minor", sa.BigInteger, nullable=True),
    sa.Column("statement_due_minor", sa.BigInteger, nullable=True),
    sa.Column("min_due_minor", sa.BigInteger, nullable=True),
    sa.Column("paid_minor", sa.BigInteger, nullable=True),
    sa.Column("spend_minor", sa.BigInteger, nullable=True),
    sa.Column("new_plans", sa.Integer, nullable=True),
    sa.Column("payments", sa.Integer, nullable=True),
    sa.Column("last_payment_on", sa.Date, nullable=True),
    sa.Column("payment_source", sa.String(40), nullable=True),
    sa.Column("shock", sa.Boolean, nullable=True),
    sa.Column("other_lenders", sa.Integer, nullable=True),
    sa.Index("ix_behaviour_panel_month", "month_end_on"),
)

# One row per month end whose panel rows are all stored (written after the month's last chunk). ``from_open``: every
# line of the month has its rows stored back to its opening month, so a reader needs no replay up to here.
behaviour_panel_months = sa.Table(
    "behaviour_panel_months",
    metadata,
    sa.Column("month_end_on", sa.Date, primary_key=True),
    sa.Column("lines", sa.Integer, nullable=False),
    sa.Column("from_open", sa.Boolean, nullable=False),
)

# Hardship requests and accepted plans (issue 15, ``app.hardship_store``). ``text`` is kept only with the customer's
# consent; ``options`` is the ranked offer as shown (JSON). A plan is inserted once; its tracking fields then move.
hardship_requests = sa.Table(
    "hardship_requests",
    metadata,
    sa.Column("request_id", sa.String(100), primary_key=True),
    sa.Column("line_id", sa.String(100), nullable=False, index=True),
    sa.Column("channel", sa.String(20), nullable=False),
    sa.Column("stated_category", sa.String(40), nullable=False),
    sa.Column("category", sa.String(40), nullable=False),
    sa.Column("category_source", sa.String(60), nullable=False),
    sa.Column("vulnerabilities", sa.Text, nullable=False),  # JSON list
    sa.Column("consent", sa.Boolean, nullable=False),
    sa.Column("text", sa.Text, nullable=True),
    sa.Column("lang", sa.String(5), nullable=False),
    sa.Column("monthly_income_minor", sa.BigInteger, nullable=False),
    sa.Column("monthly_expenses_minor", sa.BigInteger, nullable=False),
    sa.Column("requested_on", sa.Date, nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("options", sa.Text, nullable=False),  # JSON list of the offered options
    sa.Column("options_on", sa.Date, nullable=True),
)
hardship_plans = sa.Table(
    "hardship_plans",
    metadata,
    sa.Column("plan_id", sa.String(100), primary_key=True),
    sa.Column("request_id", sa.String(100), nullable=False, index=True),  # migration 0017
    sa.Column("line_id", sa.String(100), nullable=False, index=True),
    sa.Column("option_id", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("params", sa.Text, nullable=False),  # JSON object
    sa.Column("accepted_on", sa.Date, nullable=False),
    sa.Column("approved_by", sa.String(20), nullable=False),
    sa.Column("concession_minor", sa.BigInteger, nullable=False),
    sa.Column("schedule", sa.Text, nullable=False),  # JSON list of [due_on, amount_minor]
    sa.Column("marks", sa.Text, nullable=False),  # JSON object: credit-reporting marks
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("tracked_on", sa.Date, nullable=True),
    sa.Column("paid_minor", sa.BigInteger, nullable=False),
    sa.Column("missed", sa.Integer, nullable=False),
    sa.Column("days_late", sa.Integer, nullable=False),
    sa.Column("broken_on", sa.Date, nullable=True),
)
# The REST API's keys (issue 18): only the SHA-256 of each secret is stored (adapters/sqlalchemy/api_keys.py).
api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("key_id", sa.String(40), primary_key=True),
    sa.Column("secret_sha256", sa.String(64), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("customer_id", sa.String(100), nullable=True),
    sa.Column("label", sa.String(100), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)
# Customers' personal data (issue 18, migration 0015): name, ID number and phone encrypted (AES-256-GCM, tokens
# ``pii1:...``), the ID number's blind index (HMAC-SHA256) for lookup, and the audit of every read of them.
customer_pii = sa.Table(
    "customer_pii",
    metadata,
    sa.Column("customer_id", sa.String(100), primary_key=True),
    sa.Column("application_id", sa.String(200), nullable=False),
    sa.Column("name_enc", sa.Text, nullable=False),
    sa.Column("id_number_enc", sa.Text, nullable=False),
    sa.Column("phone_enc", sa.Text, nullable=False),
    sa.Column("id_number_index", sa.String(64), nullable=False, index=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
pii_reads = sa.Table(
    "pii_reads",
    metadata,
    sa.Column("read_id", sa.String(40), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("key_id", sa.String(40), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("customer_id", sa.String(100), nullable=False, index=True),
    sa.Column("fields", sa.String(100), nullable=False),  # the fields shown in clear, comma-separated; no values
    sa.Column("operation", sa.String(60), nullable=False),
)
