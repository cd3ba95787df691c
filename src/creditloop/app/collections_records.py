"""Handlers of the collections commands that keep records (issue 15): promises to pay and their day-end,
disputes and complaints, contact preferences, and the retention purge. Audited; handlers never commit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from creditloop.app import collections_commands as cc
from creditloop.app.collections_handlers import (
    _audit,
    _digest,
    collections_policy,
    open_case,
    parse_window,
    plan,
    record_contact,
)
from creditloop.app.collections_store import Flag, require_case, store_of
from creditloop.app.hardship_options import line_payments
from creditloop.app.ports import UnitOfWork
from creditloop.collections.conduct_history import aware
from creditloop.collections.conduct_policy import CHANNELS, JURISDICTIONS, conduct_policy
from creditloop.collections.ptp import Promise, new_promise, settle, supersede
from creditloop.collections.retention import retention_cutoff
from creditloop.core.errors import IdempotencyConflict, NotFound, ValidationError
from creditloop.ledger.accounts import Account

_CASH = Account.CASH_CLEARING


def paid_between(uow: UnitOfWork, line_id: str, first: date, last: date) -> int:
    """Cash received from the customer on the line with value dates in [first, last], less payments bounced or
    reversed since: the line's own payment events, as hardship plan tracking reads them (a query of the journal by
    line would scan it in a simulation block, which drops the journal's line index while it runs)."""
    return sum(amount for _, amount in line_payments(uow.lines.get(line_id), first, last))


def record_promise(cmd: cc.RecordPromiseToPay, uow: UnitOfWork, policies: Any) -> Promise:
    policy = collections_policy()
    promise = new_promise(
        cmd.promise_id, cmd.line_id, cmd.amount_minor, cmd.made_on, cmd.due_on, policy.promise_max_days
    )
    store = store_of(uow)
    known = store.get_promise(cmd.promise_id)
    if known is not None:
        same = (known.line_id, known.amount_minor, known.made_on, known.due_on) == (
            promise.line_id,
            promise.amount_minor,
            promise.made_on,
            promise.due_on,
        )
        if not same:
            raise IdempotencyConflict(f"promise {cmd.promise_id!r} is already recorded with other terms")
        return known
    uow.lines.get(cmd.line_id)  # NotFound before anything is written
    for other in store.promises_for(cmd.line_id):
        if other.is_open:
            store.put_promise(supersede(other, cmd.made_on))
    store.put_promise(promise)
    _audit(
        uow,
        f"collections_ptp/{cmd.promise_id}",
        "collections_ptp",
        cmd.line_id,
        cmd.made_on,
        policy.key,
        "open",
        (),
        _digest(cmd.amount_minor, cmd.due_on),
        {"amount_minor": cmd.amount_minor, "due_on": cmd.due_on.isoformat()},
    )
    return promise


def settle_promises(cmd: cc.SettlePromises, uow: UnitOfWork, policies: Any) -> dict[str, int]:
    """Kept / broken at the day-end of ``on``; the counts of each outcome."""
    store = store_of(uow)
    counts = {"kept": 0, "broken": 0, "open": 0}
    for p in store.open_promises():
        if p.made_on > cmd.on:
            continue
        after = settle(p, paid_between(uow, p.line_id, p.made_on, cmd.on), cmd.on)
        counts[after.status] += 1
        if after != p:
            store.put_promise(after)
            _audit(
                uow,
                f"collections_ptp_settled/{p.promise_id}",
                "collections_ptp",
                p.line_id,
                cmd.on,
                collections_policy().key,
                after.status,
                (),
                p.promise_id,
                {"paid_minor": after.paid_minor, "amount_minor": p.amount_minor},
            )
    return counts


def open_dispute(cmd: cc.OpenDispute, uow: UnitOfWork, policies: Any) -> Flag:
    if cmd.kind not in ("dispute", "complaint"):
        raise ValidationError(f"kind must be dispute or complaint, got {cmd.kind!r}", field="kind")
    flag = Flag(cmd.dispute_id, cmd.line_id, cmd.kind, aware(cmd.at))
    store = store_of(uow)
    known = store.get_flag(cmd.dispute_id)
    if known is not None:
        if (known.line_id, known.kind, known.opened_at) != (flag.line_id, flag.kind, flag.opened_at):
            raise IdempotencyConflict(f"{cmd.dispute_id!r} is already recorded differently")
        return known
    uow.lines.get(cmd.line_id)
    store.put_flag(flag)
    _audit(
        uow,
        f"collections_{cmd.kind}/{cmd.dispute_id}",
        "collections_hold",
        cmd.line_id,
        flag.opened_at.date(),  # the UTC date (a dispute may come before any case)
        collections_policy().key,
        "opened",
        (f"conduct.{cmd.kind}_open",),
        cmd.dispute_id,
        {"kind": cmd.kind},
    )
    return flag


def close_dispute(cmd: cc.CloseDispute, uow: UnitOfWork, policies: Any) -> Flag:
    at = aware(cmd.at)
    store = store_of(uow)
    flag = store.get_flag(cmd.dispute_id)
    if flag is None or flag.kind not in ("dispute", "complaint"):
        raise NotFound(f"no dispute or complaint {cmd.dispute_id!r}", field="dispute_id")
    if not flag.is_open:
        return flag
    if at < flag.opened_at:
        raise ValidationError("a dispute cannot close before it opened", field="at")
    closed = replace(flag, closed_at=at)
    store.put_flag(closed)
    _audit(
        uow,
        f"collections_{flag.kind}_closed/{flag.flag_id}",
        "collections_hold",
        flag.line_id,
        at.astimezone(UTC).date(),
        collections_policy().key,
        "closed",
        (),
        flag.flag_id,
        {"kind": flag.kind},
    )
    return closed


def set_preference(cmd: cc.SetContactPreference, uow: UnitOfWork, policies: Any) -> Flag:
    at = aware(cmd.at)
    case = require_case(uow, cmd.line_id)
    store = store_of(uow)
    if cmd.kind == "withdraw":
        target = store.get_flag(cmd.withdraws or "")
        if target is None or target.line_id != cmd.line_id or target.kind not in ("opt_out", "agreed_window"):
            raise NotFound(f"no preference {cmd.withdraws!r} on line {cmd.line_id!r}", field="withdraws")
        flag = replace(target, closed_at=at) if target.is_open else target
    elif cmd.kind == "opt_out":
        if cmd.channel != "*" and cmd.channel not in CHANNELS:
            raise ValidationError(f"channel must be * or one of {', '.join(CHANNELS)}", field="channel")
        flag = Flag(cmd.preference_id, cmd.line_id, "opt_out", at, cmd.contact_id, cmd.channel)
    elif cmd.kind == "agreed_window":
        parse_window(cmd.window or "")
        flag = Flag(cmd.preference_id, cmd.line_id, "agreed_window", at, cmd.contact_id, None, cmd.window)
    else:
        raise ValidationError(f"kind must be opt_out, agreed_window or withdraw, got {cmd.kind!r}", field="kind")
    if case.party_of(cmd.contact_id) == "unrelated" and cmd.kind != "withdraw":
        raise ValidationError(f"contact {cmd.contact_id!r} is not a contact of this case", field="contact_id")
    known = store.get_flag(flag.flag_id) if cmd.kind != "withdraw" else None
    if known is not None:
        if known != flag:
            raise IdempotencyConflict(f"preference {cmd.preference_id!r} is already recorded differently")
        return known
    store.put_flag(flag)
    _audit(
        uow,
        f"collections_preference/{cmd.preference_id}",
        "collections_preference",
        cmd.line_id,
        at.astimezone(UTC).date(),
        collections_policy().key,
        cmd.kind,
        (),
        _digest(cmd.contact_id, cmd.kind, cmd.channel, cmd.window),
        {"kind": cmd.kind, "channel": cmd.channel, "window": cmd.window, "withdraws": cmd.withdraws},
    )
    return flag


def purge_contacts(cmd: cc.PurgeContactRecords, uow: UnitOfWork, policies: Any) -> dict[str, int]:
    """Per conduct policy, the records made before its retention cutoff (at least two years)."""
    now: datetime = aware(cmd.now, "now")
    store = store_of(uow)
    purged = {}
    for jurisdiction in JURISDICTIONS:
        policy = conduct_policy(jurisdiction)
        purged[policy.key] = store.purge_before(policy.key, retention_cutoff(now, policy.retention_years))
    return purged


COLLECTIONS_HANDLERS: dict[type, Callable[..., Any]] = {
    cc.OpenCollectionCase: open_case,
    cc.RecordContactAttempt: record_contact,
    cc.PlanContact: plan,
    cc.RecordPromiseToPay: record_promise,
    cc.SettlePromises: settle_promises,
    cc.OpenDispute: open_dispute,
    cc.CloseDispute: close_dispute,
    cc.SetContactPreference: set_preference,
    cc.PurgeContactRecords: purge_contacts,
}
