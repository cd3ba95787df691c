"""Concurrent clients on one book, on SQLite and PostgreSQL: threads, each its own unit of work over the shared
engine, send repayments, purchases, resent (retried) commands and day-ends on the same line and on their own
lines through the message bus, retrying what the database aborts. Afterwards nothing is lost, nothing doubled:
each line's cash and merchant balances equal what its accepted commands moved, every accepted command is in
its line's log exactly once, the trial balance is zero and the reconciliation passes.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine

from creditloop.adapters.sqlalchemy.uow import SqlUnitOfWork
from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.handlers import reconcile
from creditloop.bootstrap import default_policies, product_lookup
from creditloop.core.errors import DomainError
from creditloop.ledger.accounts import Account
from creditloop.simulate.faults import is_retryable

THREADS = 8
OPS = 24  # per thread
OPENED = date(2024, 1, 1)
TODAY = date(2024, 1, 10)
HOT = "HOT"  # every thread writes this line


@dataclass(frozen=True, slots=True)
class Accepted:
    command_id: str
    line_id: str
    cash_minor: int
    merchant_minor: int
    result: Any


def _bus(engine: Engine) -> MessageBus:
    policies = default_policies()
    return MessageBus(SqlUnitOfWork(engine, product_lookup(policies).__getitem__), policies)


def _retrying(bus: MessageBus, command: object) -> Any:
    """What a client does: resend what the database aborted (serialisation, deadlock, stale line, busy file)."""
    for attempt in range(400):
        try:
            return bus.handle(command)
        except DomainError:
            raise
        except Exception as exc:
            if not (is_retryable(exc) or "database is locked" in str(exc)):
                raise
            time.sleep(random.random() * 0.002 * (1 + attempt % 10))
    raise AssertionError(f"{command} never committed")


def _client(engine: Engine, k: int, accepted: list[Accepted], errors: list[BaseException]) -> None:
    bus = _bus(engine)
    rng = random.Random(k)
    mine: list[Accepted] = []
    try:
        for i in range(OPS):
            line_id = HOT if rng.random() < 0.5 else f"OWN{k}"
            command_id = f"t{k}-{i}"
            u = rng.random()
            if u < 0.1 and mine:  # a resent command (its answer was lost): same answer, applied once
                first = rng.choice(mine)
                cmd: Any = first.result[0]
                again = _retrying(bus, cmd)
                if isinstance(cmd, c.Repay):
                    assert again == first.result[1]
                continue
            if u < 0.2:
                _retrying(bus, c.RunDayEnd(TODAY - timedelta(days=1 + rng.randrange(3)), reconcile=False))
                continue
            amount = rng.randrange(1, 500) * 100
            if u < 0.6:
                cmd, cash, merchant = c.Repay(command_id, line_id, amount, TODAY), amount, 0
            else:
                cmd, cash, merchant = c.Purchase(command_id, line_id, amount, rng.choice((1, 3)), TODAY), 0, -amount
            try:
                result = _retrying(bus, cmd)
            except DomainError:
                continue
            mine.append(Accepted(command_id, line_id, cash, merchant, (cmd, result)))
    except BaseException as exc:  # reported by the main thread
        errors.append(exc)
    accepted.extend(mine)


def test_concurrent_clients_lose_nothing_and_double_nothing(engine: Engine) -> None:
    bus = _bus(engine)
    for line_id in [HOT, *(f"OWN{k}" for k in range(THREADS))]:
        bus.handle(c.OpenLine(line_id, f"C-{line_id}", 100_000_000, OPENED))
    accepted: list[Accepted] = []
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_client, args=(engine, k, accepted, errors)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(accepted) > THREADS * OPS // 2  # most commands were accepted (the limits are large)
    assert len({a.command_id for a in accepted}) == len(accepted)

    cash: Counter[str] = Counter()
    merchant: Counter[str] = Counter()
    for a in accepted:
        cash[a.line_id] += a.cash_minor
        merchant[a.line_id] += a.merchant_minor
    uow = bus.uow
    with uow:
        for line_id in [HOT, *(f"OWN{k}" for k in range(THREADS))]:
            balances = uow.journal.line_balances(line_id)
            assert balances.get(Account.CASH_CLEARING, 0) == cash[line_id], line_id  # 0 lost, 0 doubled
            assert balances.get(Account.MERCHANT_PAYABLE, 0) == merchant[line_id], line_id
            logged = Counter(e["id"] for e in uow.lines.get(line_id).events)
            mine = [a.command_id for a in accepted if a.line_id == line_id]
            assert all(logged[i] == 1 for i in mine), line_id
            assert sum(logged.values()) == len(mine)  # nothing in the log that no client saw accepted
        assert sum(uow.journal.account_balances().values()) == 0
        rec = reconcile(uow, TODAY)
        assert rec.ok, rec
        uow.commit()
