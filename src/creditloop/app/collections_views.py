"""Read views of collections (issue 15): the work queue and one case, as plain values for the CLI and the API.
Each opens the unit of work itself and changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from creditloop.app.collections_handlers import collections_policy
from creditloop.app.collections_store import store_of
from creditloop.app.ports import UnitOfWork
from creditloop.collections.queues import CaseSnapshot, QueueItem, build_queue
from creditloop.collections.segments import Behaviour
from creditloop.ledger.entries import EntryCode
from creditloop.servicing.credit_line import CreditLine, LineStatus


def _behaviour_pd(uow: UnitOfWork, line_id: str) -> float | None:
    """The behaviour score's PD of the line's latest scored early-warning alert, if any."""
    alerts = getattr(uow, "alerts", None)
    scored = [a for a in alerts.for_line(line_id) if a.score is not None] if alerts is not None else []
    return scored[-1].score if scored else None


def snapshot(uow: UnitOfWork, line: CreditLine, on: date) -> CaseSnapshot:
    store = store_of(uow)
    since = on - timedelta(days=90)
    payments = sum(
        1
        for e in uow.journal.line_entries(line.line_id)
        if e.code == EntryCode.REPAYMENT and since < e.effective_on <= on
    )
    promises = store.promises_for(line.line_id)
    open_due = [p.due_on for p in promises if p.is_open]
    broken = [p.settled_on for p in promises if p.status == "broken" and p.settled_on is not None]
    flags = store.flags_for(line.line_id)
    held = any(f.is_open and f.kind in ("dispute", "complaint") for f in flags)
    referrals = [f.opened_at.date() for f in flags if f.is_open and f.kind == "referral"]
    b = Behaviour(
        line.dpd,
        line.status is LineStatus.CHARGED_OFF,
        payments,
        sum(p.status == "kept" for p in promises),
        len(broken),
        _behaviour_pd(uow, line.line_id),
    )
    balance = line.balance_minor + (line.charged_off_minor if b.charged_off else 0)
    return CaseSnapshot(
        line.line_id, balance, b, min(open_due, default=None), max(broken, default=None), held,
        max(referrals, default=None),
    )  # fmt: skip


def collections_queue(uow: UnitOfWork, on: date, limit: int | None = None) -> dict[str, Any]:
    """The queue in working order (each item with its segment, tier, reasons and amount at risk) and the held."""
    with uow:
        referred = {f.line_id for f in store_of(uow).open_flags("referral")}
        # The store's columns pick the candidates: only those lines are loaded, not the book.
        known = referred & set(uow.lines.ids()) if referred else set()  # a flag on no stored line is no work
        ids = sorted(set(uow.lines.in_arrears()) | known)
        uow.lines.load_many(ids)
        snaps = [snapshot(uow, uow.lines.get(i), on) for i in ids]
        items, held = build_queue(snaps, on, collections_policy())
        cases = {c.line_id for c in store_of(uow).cases()}
    return {
        "on": on.isoformat(),
        "policy": collections_policy().key,
        "held": held,
        "items": [_item(i, i.line_id in cases) for i in items[:limit]],
    }


def _item(i: QueueItem, has_case: bool) -> dict[str, Any]:
    return {
        "line_id": i.line_id,
        "segment": i.segment,
        "tier": i.tier,
        "reasons": list(i.reasons),
        "dpd": i.dpd,
        "balance_minor": i.balance_minor,
        "self_cure": round(i.self_cure, 4),
        "at_risk_minor": i.at_risk_minor,
        "case": has_case,
    }


def case_view(uow: UnitOfWork, line_id: str) -> dict[str, Any]:
    """A case: zone, jurisdiction, counts of contacts (no contact ids beyond the opaque ones), flags, promises."""
    from creditloop.app.collections_store import require_case

    with uow:
        case = require_case(uow, line_id)
        store = store_of(uow)
        contacts = store.contacts_for(line_id)
        return {
            "line_id": line_id,
            "zone": case.zone,
            "jurisdiction": case.jurisdiction,
            "contacts": [
                {
                    "record_id": r.record_id,
                    "contact_id": r.contact_id,
                    "party": r.party,
                    "channel": r.channel,
                    "at": r.at.isoformat(),
                    "local_on": r.local_on.isoformat(),
                    "allowed": r.allowed,
                    "outcome": r.outcome,
                    "codes": list(r.codes),
                }
                for r in contacts
            ],
            "flags": [{"id": f.flag_id, "kind": f.kind, "open": f.is_open} for f in store.flags_for(line_id)],
            "promises": [
                {
                    "promise_id": p.promise_id,
                    "amount_minor": p.amount_minor,
                    "due_on": p.due_on.isoformat(),
                    "status": p.status,
                    "paid_minor": p.paid_minor,
                }
                for p in store.promises_for(line_id)
            ],
        }
