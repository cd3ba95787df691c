"""Defects found by the review of the consortium service (H4): each test failed before its fix."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from creditloop.consortium.answers import AuditLog, query
from creditloop.entrypoints.consortium.service import ConsortiumService
from creditloop.entrypoints.consortium.settings import ConsortiumSettings

from .conftest import TODAY, FixedClock, make_consortium, pseudonym_of, resident_id

P = pseudonym_of(resident_id(7))
EARLY = TODAY - timedelta(days=40)  # past the policy's 35 days: a stale report


def test_a_late_older_contribution_does_not_replace_a_newer_one(tmp_path: Path) -> None:
    """A member's report of 40 days ago arriving after today's (a delayed retry) replaced it: the member dropped out
    of the answer (stale), and the same happened again after a restart."""
    c = make_consortium(tmp_path)
    with c.client:
        for m in "BCD":
            r: Any = c.post(m, "/consents", {"key_id": "k1", "pseudonym": P, "purpose": "sharing",
                                             "on": EARLY.isoformat()})  # fmt: skip
            assert r.status_code == 201, r.text
            fresh = {"key_id": "k1", "pseudonym": P, "open_lines": 1, "balance_band": "5000-20000",
                     "worst_bucket": "current", "applications_30d": 2, "as_of": TODAY.isoformat()}  # fmt: skip
            assert c.post(m, "/contributions", fresh).status_code == 201  # type: ignore[attr-defined]
        late = {**fresh, "applications_30d": 9, "worst_bucket": "91+", "as_of": EARLY.isoformat()}
        assert c.post("D", "/contributions", late).status_code == 201  # type: ignore[attr-defined]
        r = c.post("A", "/consents", {"key_id": "k1", "pseudonym": P, "purpose": "credit_application"})
        assert r.status_code == 201, r.text
        answer = c.ask("A", P)
        assert answer.json() == {"kind": "answer", "lenders_with_open_lines": 3,  # type: ignore[attr-defined]
                                 "total_balance_band": "5000-20000", "worst_bucket": "current",
                                 "applications_30d": 6}  # fmt: skip
        assert c.svc.store.counts()["consortium_contributions"] == 4  # the late report is kept in the log
    again = ConsortiumService(ConsortiumSettings(data_dir=tmp_path), FixedClock())
    replayed = query(again.registry, AuditLog(), "A", "credit_application", {"k1": P}, TODAY, again.policy)
    assert (replayed.kind, replayed.applications_30d, replayed.worst_bucket) == ("answer", 6, "current")
    again.store.engine.dispose()
    c.svc.store.engine.dispose()
