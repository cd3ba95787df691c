"""The consortium's store on SQLite and PostgreSQL: what is written is what a restarted service replays."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from creditloop.adapters.sqlalchemy.consortium_store import GRANT, REVOKE, ConsortiumStore, MemberKey
from creditloop.consortium.answers import AuditLog, AuditRecord, query
from creditloop.consortium.signals import Contribution

AT = datetime(2026, 6, 15, 4, tzinfo=UTC)
ON = date(2026, 6, 15)
P = "ab" * 32


def test_replay_rebuilds_the_registry(engine: Engine) -> None:
    store = ConsortiumStore(engine)
    store.create()
    store.create()  # idempotent
    for m in "ABCE":
        assert store.add_member(m, f"member {m}", AT)
    assert not store.add_member("A", "again", AT)
    store.add_key(MemberKey("0123456789ab", "A", "f" * 64, None), "key", AT)
    assert store.get_key("0123456789ab") == MemberKey("0123456789ab", "A", "f" * 64, None)
    assert store.revoke_key("0123456789ab", AT) and not store.revoke_key("0123456789ab", AT)
    for m in "ABC":
        store.record_consent(GRANT, m, "k1", P, "sharing", date(2026, 6, 1), AT)
        store.record_contribution(Contribution(m, "k1", P, 2, "5000-20000", "1-30", 1, date(2026, 6, 10)), AT)
    store.record_consent(GRANT, "E", "k1", P, "credit_application", date(2026, 6, 1), AT)
    store.record_consent(REVOKE, "C", "k1", P, "sharing", date(2026, 6, 12), AT)
    store.record_consent(GRANT, "C", "k1", P, "sharing", date(2026, 6, 13), AT)
    registry = store.load_registry()
    assert registry.members == frozenset("ABCE")
    assert [r.revoked_on for r in registry.consent_history("C", "k1", P, "sharing")] == [date(2026, 6, 12), None]
    answer = query(registry, AuditLog(), "E", "credit_application", {"k1": P}, ON)
    assert (answer.kind, answer.lenders_with_open_lines, answer.worst_bucket) == ("answer", 3, "1-30")
    store.append_audit([(AT, AuditRecord(ON, "E", "credit_application", P[:8], "answer"))] * 3)
    rows = store.audit_rows("E")
    assert len(rows) == 3 and rows[0]["pseudonym_prefix"] == P[:8] and rows[0]["on_date"] == ON
    assert store.counts() == {"consortium_members": 4, "consortium_member_keys": 1, "consortium_consent_events": 6,
                              "consortium_contributions": 3, "consortium_audit": 3,
                              "consortium_member_key_events": 1}  # fmt: skip  # the one revocation, audited once


def test_a_consent_batch_is_one_transaction_in_order(engine: Engine) -> None:
    """``record_consents`` (``POST /consents/batch``): all rows or none, replayed in item order."""
    store = ConsortiumStore(engine)
    store.create()
    store.add_member("E", "member E", AT)
    q = "cd" * 32
    bad: list[tuple[str, str, str, date]] = [("k1", P, "sharing", ON), ("k1", None, "sharing", ON)]  # type: ignore[list-item]
    with pytest.raises(IntegrityError):  # the second row breaks NOT NULL: the first is not kept either
        store.record_consents(GRANT, "E", bad, AT)
    assert store.counts()["consortium_consent_events"] == 0
    store.record_consents(GRANT, "E", [("k1", P, "sharing", date(2026, 6, 1)), ("k1", q, "sharing", ON)], AT)
    store.record_consents(REVOKE, "E", [("k1", P, "sharing", date(2026, 6, 5))], AT)
    store.record_consents(GRANT, "E", [("k1", P, "sharing", date(2026, 6, 7))], AT)
    registry = store.load_registry()
    assert [(r.granted_on, r.revoked_on) for r in registry.consent_history("E", "k1", P, "sharing")] == [
        (date(2026, 6, 1), date(2026, 6, 5)), (date(2026, 6, 7), None)
    ]  # fmt: skip
    assert registry.consented("E", {"k1": q}, "sharing", ON)
    assert store.counts()["consortium_consent_events"] == 4
