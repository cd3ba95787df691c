"""The simulator as a fault injector (TigerBeetle's VOPR discipline), for scenarios with a ``faults`` block.

Seeded customers drive every money command through the message bus — purchases, authorise / capture /
void, merchant refunds, repayments (some far too large), bounced payments (reversals), back-dated
payments, credit-balance refunds, restructures and their undo — while the driver injects faults:

- ``crash``: the process dies mid-batch; the unit of work is aborted and the driver restarts from what was
  committed (a new unit of work, as a new process would build) and resends the batch;
- ``ack_lost``: the batch commits but its answers are lost; the client resends every command, and each
  retry must return the original result without applying anything twice;
- ``serialization``: the commit raises PostgreSQL's retryable serialisation failure (SQLSTATE 40001),
  the unit is rolled back and retried, as a PostgreSQL client must;
- ``duplicate``: a command delivered twice in a row; ``late``: a payment delivered after its value date's
  day-end, which the line must take as a back-dated correction.

After every fault and every day-end the auditor (``fault_audit``) checks the ledger against the driver's
ground truth. Any disagreement or unexpected error raises ``InvariantViolation`` naming the seed, so
``run_chaos(plan, seed)`` reproduces it exactly.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.ports import UnitOfWork
from creditloop.core.errors import DomainError, InvariantViolation
from creditloop.simulate.fault_audit import Sent, Truth, audit
from creditloop.simulate.fault_plan import FAULT_KINDS, FaultPlan

PERIODS = (1, 3, 6, 12)  # the default product's options (none takes a down payment at checkout)
ACTIONS_PER_DAY = (0, 0, 1, 1, 2, 3)  # a line's customer acts this many times a day (drawn)
RETRIES = 5  # attempts of one batch under injected faults before the run is declared stuck
# Client ids are drawn with the characters entry ids are built with (escaped by ``ledger.ids.escape_id``), so
# the chaos runs prove ids such as ``x`` and ``x~5`` or ``q`` and ``q/rev`` never meet (issue 11, item 3).
ID_MARKS = ("", "", "", "/", "~", "%", "/rev~2%")


class ChaosFailure(InvariantViolation):
    """The auditor or the driver found the ledger wrong; the message names the seed that reproduces it."""


class SimulatedCrash(Exception):
    """The process died here (raised inside an open unit of work, which is then abandoned)."""


class _SqlState(Exception):
    """Stands in for the driver's error when psycopg is not installed: same SQLSTATE, same retry decision."""

    sqlstate = "40001"


def serialization_failure() -> Exception:
    """What SQLAlchemy raises when PostgreSQL aborts a transaction under SERIALIZABLE / a write conflict."""
    from sqlalchemy.exc import OperationalError

    try:
        from psycopg.errors import SerializationFailure

        orig: Exception = SerializationFailure("could not serialize access due to concurrent update")
    except ImportError:  # pragma: no cover - the postgres extra is not installed
        orig = _SqlState("could not serialize access due to concurrent update")
    return OperationalError("COMMIT", {}, orig)


def is_retryable(exc: BaseException) -> bool:
    """A transaction the database aborted that a client should simply retry (serialisation, deadlock, or
    the optimistic line-version check)."""
    if getattr(exc, "code", None) == "concurrency_conflict":
        return True
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) in ("40001", "40P01")


class FaultyUnitOfWork:
    """A unit of work whose next commit fails with a serialisation failure when armed (then rolls back)."""

    def __init__(self, inner: UnitOfWork) -> None:
        self.inner = inner
        self.fail_next_commit = False

    @property
    def lines(self) -> Any:
        return self.inner.lines

    @property
    def journal(self) -> Any:
        return self.inner.journal

    @property
    def audit(self) -> Any:
        return self.inner.audit

    @property
    def day_ends(self) -> Any:
        return self.inner.day_ends

    @property
    def applications(self) -> Any:
        return self.inner.applications

    @property
    def decisions(self) -> Any:
        return self.inner.decisions

    def __enter__(self) -> FaultyUnitOfWork:
        self.inner.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.inner.__exit__(*exc)

    def flush(self) -> None:
        self.inner.flush()

    def commit(self) -> None:
        if self.fail_next_commit:
            self.fail_next_commit = False
            raise serialization_failure()
        self.inner.commit()

    def rollback(self) -> None:
        self.inner.rollback()


@dataclass(frozen=True, slots=True)
class Planned:
    """A command and the money it moves if accepted (``cash``/``merchant`` as the journal signs them)."""

    command: Any
    command_id: str
    line_id: str
    kind: str
    cash_minor: int = 0
    merchant_minor: int = 0


@dataclass
class ChaosStats:
    seed: int
    operations: int = 0  # commands delivered to the bus (retries and duplicates included; day-ends not)
    accepted: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)  # accepted commands by kind
    audits: int = 0
    imbalance_minor: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "operations": self.operations,
            "accepted": self.accepted,
            "refused": dict(sorted(self.refused.items())),
            "faults": {k: self.faults[k] for k in FAULT_KINDS},
            "accepted_by_kind": dict(sorted(self.kinds.items())),
            "audits": self.audits,
            "imbalance_minor": self.imbalance_minor,
        }


BusFactory = Callable[[], MessageBus]


def _same_answer(kind: str, again: Any, first: Any) -> bool:
    """A retry's answer against the original, exactly as docs/servicing.md "Retries" guarantees it: a repayment
    keeps its id, date and amount, and its split (allocation, credit, recovery) is the line's current one, which
    a back-dated correction may have re-derived since, so it is checked to add up to the amount; a purchase's
    plan keeps its id and amount (the plan object lives on); a restructure returns its first answer whole."""
    if kind == "repay":
        split = sum(a for _, a in again.allocation) + again.to_credit_balance_minor + again.recovery_minor
        return bool(
            (again.payment_id, again.paid_on, again.amount_minor)
            == (first.payment_id, first.paid_on, first.amount_minor)
            and split == again.amount_minor
        )
    if kind == "restructure":
        return bool(again == first)
    if kind in ("purchase", "capture"):
        return bool((again.plan_id, again.principal_minor) == (first.plan_id, first.principal_minor))
    return True


@dataclass
class _LineBook:
    """The customer's own view of a line: what it could refund, reverse or capture."""

    purchases: dict[str, int] = field(default_factory=dict)  # refundable amount by purchase id
    payments: dict[str, tuple[date, int]] = field(default_factory=dict)  # unreversed payments
    holds: dict[str, int] = field(default_factory=dict)  # open authorisations


class ChaosRun:
    """One seed of a chaos run over a fresh book; ``make_bus`` builds the bus a (re)started process would."""

    def __init__(self, plan: FaultPlan, seed: int, make_bus: BusFactory, start_on: date = date(2024, 1, 1)) -> None:
        self.plan = plan
        self.seed = seed
        self.make_bus = make_bus
        self.start_on = start_on
        self.rng = random.Random(seed)
        self.truth = Truth()
        self.stats = ChaosStats(seed)
        self.books: dict[str, _LineBook] = {}
        self._planned: dict[str, Planned] = {}  # every command drawn, by id (ids are unique per run)
        self._expiry: dict[str, date] = {}  # hold id -> expiry date
        self._seq = 0
        self._touched: set[str] = set()  # lines sent a command since the last day-end
        self.line_ids = [f"X{seed}{ID_MARKS[i % len(ID_MARKS)]}-{i:05d}" for i in range(plan.lines)]
        self._restart()

    # ----------------------------------------------------------------- process

    def _restart(self) -> None:
        """A new process: a new bus and unit of work over the committed state."""
        self.bus = self.make_bus()
        self.uow = FaultyUnitOfWork(self.bus.uow)
        self.bus.uow = self.uow

    def _fail(self, message: str) -> ChaosFailure:
        return ChaosFailure(f"chaos run failed (seed {self.seed}; rerun run_chaos(plan, {self.seed})): {message}")

    def _audit(self, where: str, *, logs_of: set[str] | None = None, control: bool = True) -> None:
        self.stats.audits += 1
        problems = audit(self.uow, self.truth, self.line_ids, logs_of=logs_of, control=control)
        if problems:
            raise self._fail(f"auditor after {where}: " + "; ".join(problems[:10]))

    # ----------------------------------------------------------------- run

    def run(self) -> ChaosStats:
        """The whole seed; any failure, ours or unexpected, names the seed."""
        began = time.perf_counter()
        try:
            self._run()
        except ChaosFailure:
            raise
        except Exception as exc:
            raise self._fail(f"{type(exc).__name__}: {exc}") from exc
        self.stats.seconds = time.perf_counter() - began
        return self.stats

    def _run(self) -> None:
        for i, line_id in enumerate(self.line_ids):
            limit = self.rng.randrange(2_000, 50_001) * 100
            self.bus.handle(c.OpenLine(line_id, f"XC{self.seed}-{i:05d}", limit, self.start_on))
            self.books[line_id] = _LineBook()
        late: list[Planned] = []
        for offset in range(self.plan.days):
            day = self.start_on + timedelta(days=offset)
            planned = late + self._plan_day(day)
            late = []
            batch: list[Planned] = []
            for p in planned:
                if p.kind == "repay" and offset and self.rng.random() < self.plan.rate("late"):
                    late.append(p)  # delivered tomorrow, after this day's day-end: a back-dated payment
                    continue
                batch.append(p)
                if len(batch) >= self.rng.randint(1, self.plan.batch_max):
                    self._deliver(batch)
                    batch = []
            if batch:
                self._deliver(batch)
            self.stats.faults["late"] += len(late)
            self._day_end(day)
        if late:  # the last day's late payments still arrive, back-dated, after the last day-end
            self._deliver(late)
        self._audit("the last day")
        with self.uow:
            self.stats.imbalance_minor = abs(sum(self.uow.journal.account_balances().values()))

    def _day_end(self, day: date) -> None:
        result = self.bus.handle(c.RunDayEnd(day, reconcile=True))
        rec = result.reconciliation
        if rec is None or not rec.ok:
            raise self._fail(f"reconciliation on {day} failed: {rec}")
        for book in self.books.values():
            book.holds = {h: a for h, a in book.holds.items() if self._hold_open(h, day)}
        # The reconciliation has just compared control accounts with the lines; logs of today's lines.
        self._audit(f"day-end {day}", logs_of=self._touched, control=False)
        self._touched = set()

    def _hold_open(self, hold_id: str, day: date) -> bool:
        return self._expiry[hold_id] >= day

    # ----------------------------------------------------------------- delivery and faults

    def _deliver(self, batch: list[Planned]) -> None:
        """Send one batch in one unit of work, with the faults the seed draws; retry until it commits."""
        fault = self._draw_fault()
        self._touched.update(p.line_id for p in batch)
        for _attempt in range(RETRIES):
            try:
                sent, refused = self._attempt(batch, fault)
            except ChaosFailure:
                raise
            except SimulatedCrash:
                self.stats.faults["crash"] += 1
                self._restart()
                self._audit("a crash mid-batch", logs_of={p.line_id for p in batch})
                fault = None
                continue
            except Exception as exc:
                if not is_retryable(exc):
                    raise self._fail(f"{type(exc).__name__}: {exc}") from exc
                self.stats.faults["serialization"] += fault == "serialization"
                self._audit("a serialisation failure", logs_of={p.line_id for p in batch})
                fault = None
                continue
            self._commit(sent, refused)
            if fault == "ack_lost":  # committed, answer lost: the client resends the whole batch
                self.stats.faults["ack_lost"] += 1
                self._resend(batch)
                self._audit("a lost acknowledgement", logs_of={p.line_id for p in batch})
            return
        raise self._fail(f"a batch did not commit after {RETRIES} attempts")

    def _draw_fault(self) -> str | None:
        u = self.rng.random()
        for kind in ("crash", "ack_lost", "serialization"):
            u -= self.plan.rate(kind)
            if u < 0:
                return kind
        return None

    def _attempt(self, batch: list[Planned], fault: str | None) -> tuple[list[Sent], dict[str, str]]:
        sent: dict[str, Sent] = {}
        refused: dict[str, str] = {}
        crash_at = self.rng.randrange(len(batch)) if fault == "crash" else -1
        self.uow.fail_next_commit = fault == "serialization"
        with self.bus.batch():
            for k, p in enumerate(batch):
                if k == crash_at:
                    raise SimulatedCrash(f"killed before {p.command_id}")
                self._send(p, sent, refused)
                if self.rng.random() < self.plan.rate("duplicate"):
                    self.stats.faults["duplicate"] += 1
                    self._send(p, sent, refused)
        return list(sent.values()), refused

    def _send(self, p: Planned, sent: dict[str, Sent], refused: dict[str, str]) -> None:
        """Deliver one command; a command accepted before (in this batch or committed) must give the same
        answer and move nothing."""
        self.stats.operations += 1
        before = sent.get(p.command_id) or self.truth.accepted.get(p.command_id)
        try:
            result = self.bus.handle(p.command)
        except DomainError as exc:
            if before is not None:
                raise self._fail(f"retry of accepted {p.command_id} was refused: {exc}") from exc
            self.stats.refused[exc.code] += 1
            refused[p.command_id] = p.line_id
            return
        if before is not None:
            if not _same_answer(p.kind, result, before.result):
                raise self._fail(f"retry of {p.command_id} returned {result}, not the original {before.result}")
            return
        refused.pop(p.command_id, None)
        sent[p.command_id] = Sent(p.command_id, p.line_id, p.kind, p.cash_minor, p.merchant_minor, result)

    def _resend(self, batch: list[Planned]) -> None:
        """The retry after a lost answer: one unit of work, every command again; only accepted ones are
        compared (a refusal is not stored, so a refused command may now be accepted: it is then new)."""
        again: dict[str, Sent] = {}
        refused: dict[str, str] = {}
        with self.bus.batch():
            for p in batch:
                self._send(p, again, refused)
        self._commit(list(again.values()), refused)

    # ----------------------------------------------------------------- the customers' side

    def _commit(self, sent: list[Sent], refused: dict[str, str]) -> None:
        self.truth.commit(sent, refused)
        self.stats.accepted += len(sent)
        self.stats.kinds.update(s.kind for s in sent)
        self._remember(sent)

    def _remember(self, sent: list[Sent]) -> None:
        """Update the customers' view with what was accepted (only ever after a commit)."""
        for s in sent:
            book = self.books[s.line_id]
            command = self._planned[s.command_id].command
            if s.kind == "purchase":
                book.purchases[s.command_id] = command.amount_minor
            elif s.kind == "refund":
                book.purchases[command.purchase_id] -= command.amount_minor
            elif s.kind == "repay":
                book.payments[s.command_id] = (command.on, command.amount_minor)
            elif s.kind == "reverse":
                book.payments.pop(command.payment_id, None)
            elif s.kind == "authorise":
                book.holds[s.command_id] = command.amount_minor
            elif s.kind in ("capture", "void"):
                book.holds.pop(command.hold_id, None)

    def _plan_day(self, day: date) -> list[Planned]:
        """Each line's customer may act today; a state-free draw, checked by the system (refusals are fine)."""
        out: list[Planned] = []
        for line_id in self.line_ids:
            # Busy customers: the audits after each fault and day-end cost the same whatever the traffic.
            for _ in range(self.rng.choice(ACTIONS_PER_DAY)):
                out.extend(self._plan_line(line_id, day))
        self.rng.shuffle(out)  # commands of different lines arrive in any order
        for p in out:
            self._planned[p.command_id] = p
        return out

    def _id(self, line_id: str, kind: str) -> str:
        """Unique in the run (the ground truth is keyed by it), one letter naming the kind; some carry ``/``,
        ``~`` or ``%`` (a number ends every id, so a mark never makes two ids equal)."""
        self._seq += 1
        return f"{kind[0]}{ID_MARKS[self._seq % len(ID_MARKS)]}{self._seq}"

    def _plan_line(self, line_id: str, day: date) -> list[Planned]:
        book = self.books[line_id]
        rng = self.rng
        u = rng.random()
        if u < 0.30:
            pid = self._id(line_id, "purchase")
            amount = rng.randrange(10, 3_000) * 100
            cmd: Any = c.Purchase(pid, line_id, amount, rng.choice(PERIODS), day)
            return [Planned(cmd, pid, line_id, "purchase", merchant_minor=-amount)]
        if u < 0.55:
            pay = self._id(line_id, "repay")
            # Mostly ordinary payments; one in twenty pays far too much (a credit balance).
            amount = rng.randrange(1, 2_000) * 100 if rng.random() < 0.95 else rng.randrange(5_000, 50_000) * 100
            return [Planned(c.Repay(pay, line_id, amount, day), pay, line_id, "repay", cash_minor=amount)]
        if u < 0.61:
            hid = self._id(line_id, "authorise")
            amount = rng.randrange(10, 2_000) * 100
            expires = day + timedelta(days=rng.randrange(0, 8))
            self._expiry[hid] = expires
            return [Planned(c.Authorise(hid, line_id, amount, day, expires), hid, line_id, "authorise")]
        if u < 0.73 and book.holds:
            hid = rng.choice(sorted(book.holds))
            if rng.random() < 0.75:
                cid = self._id(line_id, "capture")
                amount = rng.randrange(1, book.holds[hid] // 100 + 1) * 100
                cmd = c.Capture(cid, line_id, hid, amount, rng.choice(PERIODS), day)
                return [Planned(cmd, cid, line_id, "capture", merchant_minor=-amount)]
            vid = self._id(line_id, "void")
            return [Planned(c.Void(vid, line_id, hid, day), vid, line_id, "void")]
        if u < 0.78 and any(v > 0 for v in book.purchases.values()):
            target = rng.choice(sorted(k for k, v in book.purchases.items() if v > 0))
            rid = self._id(line_id, "refund")
            amount = rng.randrange(1, book.purchases[target] // 100 + 1) * 100
            cmd = c.Refund(rid, line_id, target, amount, day)
            return [Planned(cmd, rid, line_id, "refund", merchant_minor=amount)]
        if u < 0.84:
            return self._bounce(line_id, day)
        if u < 0.88:
            fid = self._id(line_id, "fcredit")
            amount = rng.randrange(1, 500) * 100
            return [Planned(c.RefundCreditBalance(fid, line_id, amount, day), fid, line_id, "credit_refund", -amount)]
        if u < 0.895:
            return self._restructure(line_id, day)
        return []

    def _bounce(self, line_id: str, day: date) -> list[Planned]:
        """A bounced payment: reverse any one the line took, also after its credit was refunded or spent (then
        the ledger books it as a returned payment, docs/servicing.md)."""
        book = self.books[line_id]
        candidates = sorted(book.payments)
        if not candidates:
            return []
        target = self.rng.choice(candidates)
        on, amount = book.payments[target]
        vid = self._id(line_id, "vreverse")
        cmd = c.ReversePayment(vid, line_id, target, max(day, on))
        return [Planned(cmd, vid, line_id, "reverse", cash_minor=-amount)]

    def _restructure(self, line_id: str, day: date) -> list[Planned]:
        """A term extension, and now and then its undo straight after (undo needs nothing to follow it)."""
        rid = self._id(line_id, "xrestructure")
        params = (("periods", self.rng.choice((3, 6))), ("freeze", self.rng.random() < 0.3))
        cmd = c.Restructure(rid, line_id, "term_extension", day, params)
        out = [Planned(cmd, rid, line_id, "restructure")]
        if self.rng.random() < 0.7:
            uid = self._id(line_id, "undo")
            out.append(Planned(c.UndoRestructure(uid, line_id, rid, day), uid, line_id, "undo"))
        return out


def run_chaos(
    plan: FaultPlan, seed: int, make_bus: BusFactory | None = None, start_on: date = date(2024, 1, 1)
) -> ChaosStats:
    """One seed over a fresh in-memory book (or the bus ``make_bus`` builds); raises naming the seed."""
    if make_bus is None:
        from creditloop.bootstrap import build_memory

        system = build_memory()
        make_bus = lambda: MessageBus(system.bus.uow, system.bus.policies)  # noqa: E731 - memory survives
    return ChaosRun(plan, seed, make_bus, start_on).run()


def run_chaos_ledger(plan: FaultPlan, seed: int, data_dir: Path, start_on: date = date(2024, 1, 1)) -> dict[str, Any]:
    """One seed on a fresh SQLite ledger in ``data_dir`` (``creditloop simulate --scenario chaos``): each restart
    is a new unit of work over the file, as a new process would open it. Writes and returns the summary."""
    from creditloop.adapters.sqlalchemy.uow import SqlUnitOfWork
    from creditloop.bootstrap import build, product_lookup
    from creditloop.config import Settings

    # Synthetic books go to their own SQLite file, never to a database named in the environment.
    system = build(Settings(data_dir=data_dir, database_url=None), fresh=True)
    engine = system.bus.uow.engine  # type: ignore[attr-defined]
    policies = system.bus.policies
    products = product_lookup(policies).__getitem__
    try:
        stats = run_chaos(plan, seed, lambda: MessageBus(SqlUnitOfWork(engine, products), policies), start_on)
    finally:
        engine.dispose()
    summary = {**stats.as_dict(), "lines": plan.lines, "days": plan.days, "start_on": start_on.isoformat()}
    (data_dir / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return summary
