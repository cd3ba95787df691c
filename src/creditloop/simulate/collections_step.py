"""Collections inside the simulator (issue 15 item 5): cases, planned contacts under the conduct rules, the
customer's answer, promises to pay.

Each simulated day, at the lender's planning hour, every line past due on a working day of its strategy
(``collections_plans``) gets a collections case (``OpenCollectionCase``: the customer's zone, one debtor contact,
an earlier opt-out of calls if the customer has one), a plan (``PlanContact``: the ladder's channel and the first
instant the conduct engine allows) and the attempt at that instant (``RecordContactAttempt``: the conduct engine
decides again at dial time); the intensive dialer adds its follow-up calls. Refused attempts are recorded by the
app (no contact happened) and counted here by rule code. A reached customer answers by the stated response model;
a promise to pay is recorded (``RecordPromiseToPay``) and settled at each day-end (``SettlePromises``). A line with
a payment already on the way is not contacted. Contacts never move money: any payment is the customer's own
``Repay`` on a later day, as for the reminder.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np

from creditloop.app import collections_commands as cc
from creditloop.app import commands as c
from creditloop.app.collections_handlers import ContactResult
from creditloop.collections.contact_strategy import Plan
from creditloop.collections.segments import segment_of
from creditloop.core.errors import DomainError
from creditloop.servicing.credit_line import CreditLine, LineStatus
from creditloop.simulate import behaviour as b
from creditloop.simulate import collections_plans as cp
from creditloop.simulate.config import PayInFull, block_entropy
from creditloop.simulate.population import Customer

if TYPE_CHECKING:
    from creditloop.simulate.runner import Simulation

CALL_MINUTES = 1  # a connected call's length: what the customer says on it takes effect after it
CONTACT_STREAM = 2  # spawn key of the contact-outcome stream (0 and 1 are the payment and answer streams)


class CollectionsStep:
    def __init__(self, sim: Simulation, plan: cp.CollectionsPlan) -> None:
        self.sim = sim
        self.plan = plan
        seq = np.random.SeedSequence(block_entropy(sim.cfg.seed, sim.block), spawn_key=(CONTACT_STREAM,))
        self.rng = np.random.default_rng(seq)
        self.cases: set[str] = set()
        self.counts: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()  # by conduct rule code (every code of a refused attempt)
        self.rows: list[dict[str, Any]] = []
        self.open_promises = 0

    @classmethod
    def of(cls, sim: Simulation) -> CollectionsStep | None:
        name = sim.strategy.collections
        return None if name is None else cls(sim, cp.collections_plan(name))

    def _send(self, command: object) -> Any:
        try:
            return self.sim.bus.handle(command)
        except DomainError as exc:
            self.sim.tally.refused[exc.code] += 1
            return None

    # ----------------------------------------------------------------- the day's work

    def work(self, day: date, m: int) -> None:
        sim = self.sim
        planned_at = datetime.combine(day, cp.PLAN_AT, cp.LENDER_ZONE)
        for line_id in sorted(sim.maybe_delinquent):  # sorted: a set's order would differ between processes
            line = sim._line(line_id)
            if line.status not in (LineStatus.ACTIVE, LineStatus.FROZEN):
                continue
            line.close_through(day - timedelta(days=1))
            if not 0 < line.dpd <= cp.MAX_WORK_DPD or not self.plan.works(line.dpd):
                continue
            if sim.pay_pending_until.get(line_id, date.min) >= day:
                continue  # a payment is on the way (a promise or the customer's own plan): no contact
            cu = sim.by_id[line.customer_id]
            self._case(line_id, cu, day, planned_at)
            found: tuple[Plan | None, tuple[str, ...]] | None = self._send(
                cc.PlanContact(f"CP-{line_id}-{day.isoformat()}", line_id, planned_at)
            )
            plan = found[0] if found else None
            if plan is None or plan.at.astimezone(cp.LENDER_ZONE).date() != day:
                self.counts["not_planned_today"] += 1
                continue
            self.counts["planned"] += 1
            segment = segment_of(line.dpd, False, self.plan.policy)
            reached = self._attempt(line, cu, plan.channel, plan.contact_id, plan.at, segment, m)
            if plan.channel != "call":
                continue
            for t in self.plan.follow_ups:
                at = datetime.combine(day, t, cp.LENDER_ZONE)
                if reached or at <= plan.at:
                    continue
                reached = self._attempt(line, cu, "call", plan.contact_id, at, segment, m)

    def _case(self, line_id: str, cu: Customer, day: date, at: datetime) -> None:
        if line_id in self.cases:
            return
        self.cases.add(line_id)
        contact = f"D-{cu.customer_id}"
        self._send(cc.OpenCollectionCase(line_id, cp.zone_for(cu.customer_id), day, (contact,)))
        self.counts["cases"] += 1
        if cp.opted_out_of_calls(cu.customer_id):
            self._send(cc.SetContactPreference(f"PO-{line_id}", line_id, contact, "opt_out", at, channel="call"))
            self.counts["opted_out_of_calls"] += 1

    def _attempt(
        self, line: CreditLine, cu: Customer, channel: str, contact: str, at: datetime, segment: str, m: int
    ) -> bool:
        """One attempt; True when the debtor was reached on the phone (the dialer stops for the day)."""
        u_connect, u, days_u, u_promise, u_stop = self.rng.random(5)
        outcome = ("connected" if u_connect < cp.CONNECT else "unanswered") if channel == "call" else "delivered"
        attempt_id = f"CA-{line.line_id}-{at.astimezone(cp.LENDER_ZONE).strftime('%Y%m%d%H%M')}"
        res: ContactResult | None = self._send(
            cc.RecordContactAttempt(attempt_id, line.line_id, contact, channel, at, outcome)
        )
        if res is None:
            return False
        rec = res.record
        zone = cp.zone_for(cu.customer_id)
        self.rows.append(
            {"attempt_id": attempt_id, "line_id": line.line_id, "month_index": m, "at": at.astimezone(UTC),
             "zone": zone, "local_time": at.astimezone(ZoneInfo(zone)).strftime("%H:%M"), "contact_id": contact,
             "channel": channel, "segment": segment, "outcome": rec.outcome,
             "refused_rule": rec.codes[0] if rec.codes else None, "refused_rules": ",".join(rec.codes)}
        )  # fmt: skip
        if not rec.allowed:
            self.counts["refused"] += 1
            self.refused.update(rec.codes)
            return False
        self.counts["made"] += 1
        self.counts[f"made_{channel}"] += 1
        if outcome == "unanswered":
            return False
        if outcome == "connected":
            self.counts["connected"] += 1
        day = at.astimezone(cp.LENDER_ZONE).date()
        self._answer(line, cu, channel, day, float(u), float(days_u))
        if outcome == "connected":
            paying = self.sim.pay_pending_until.get(line.line_id, date.min) >= day
            if not paying and u_promise < cp.FALSE_PROMISE * cu.willingness and not cu.fraud:
                self._promise(line, line.amount_due_minor, day, day + timedelta(days=cp.PROMISE_DAYS))
            if u_stop < cp.STOP_CALLS:
                after = at + timedelta(minutes=CALL_MINUTES)  # said during the call: in force once it ended
                self._send(cc.SetContactPreference(f"PS-{attempt_id}", line.line_id, contact, "opt_out", after,
                                                   channel="call"))  # fmt: skip
                self.counts["asked_no_more_calls"] += 1
        return outcome == "connected"

    def _answer(self, line: CreditLine, cu: Customer, channel: str, day: date, u: float, days_u: float) -> None:
        """The reached customer's answer (``behaviour.reminder_response`` at the channel's response); on the phone a
        payment comes with a promise to pay."""
        sim = self.sim
        spare = b.capacity_minor(cu, sim.income[cu.customer_id]) - sim.paid_in_month.get(line.line_id, 0)
        intent = b.reminder_response(cu, line.amount_due_minor, spare, u, days_u, response=cp.RESPONSE[channel])
        if intent is None:
            return
        pay_on = day + timedelta(days=intent.days_after_due)
        ref = f"K-{line.line_id}-{day.isoformat()}"
        self.counts["payments_arranged"] += 1
        if channel == "call":
            self._promise(line, intent.amount_minor, day, pay_on)
        if intent.mode == "full":
            sim._schedule_pay(line.line_id, pay_on, PayInFull(line.line_id, ref))
        else:
            sim._schedule_pay(line.line_id, pay_on, c.Repay(ref, line.line_id, intent.amount_minor, pay_on))

    def _promise(self, line: CreditLine, amount_minor: int, made_on: date, due_on: date) -> None:
        if amount_minor <= 0:
            return
        pid = f"PTP-{line.line_id}-{made_on.isoformat()}"
        if self._send(cc.RecordPromiseToPay(pid, line.line_id, amount_minor, made_on, due_on)) is not None:
            self.counts["promises"] += 1
            self.open_promises += 1

    # ----------------------------------------------------------------- day end and outputs

    def day_end(self, day: date) -> None:
        """The day-end's promise settlement, only while some promise is open."""
        if self.open_promises:
            counts = self._send(cc.SettlePromises(day)) or {}
            self.counts["promises_kept"] += counts.get("kept", 0)
            self.counts["promises_broken"] += counts.get("broken", 0)
            self.open_promises = counts.get("open", 0)

    def summary(self) -> dict[str, dict[str, int]]:
        return {
            "collections": dict(sorted(self.counts.items())),
            "contacts_refused_by_rule": dict(sorted(self.refused.items())),
        }
