"""``ewi run`` over a ledger built through the bus, on the memory fake, SQLite and PostgreSQL: the expected alerts,
a freeze through ChangeLine with its audit row, a hardship hand-off, idempotent re-runs, cool-down across runs,
and alerts closed later as rolled and cured."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from creditloop.adapters.warehouse.ewi_ledger_features import ledger_features
from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.ports import UnitOfWork
from creditloop.bootstrap import default_policies
from creditloop.jobs.ewi_panel import ledger_panel
from creditloop.jobs.ewi_run import EwiRunResult, run_ewi
from creditloop.monitoring.action_policies import ActionPolicy, action_policy_from_dict
from creditloop.monitoring.alert_rules import alert_rules_from_dict, default_alert_rules, resolve_alert_rules
from creditloop.monitoring.features import default_feature_set
from creditloop.servicing.credit_line import LineStatus

pytest.importorskip("duckdb")

RULES = default_alert_rules()
FS = default_feature_set()
TEXTS = {"zh": "中文", "en": "English"}
POLICY_DOC: dict[str, Any] = {
    "policy_id": "ewi_actions_test",
    "version": "1",
    "rule_set": "ewi@1",
    "cure_months": 2,
    "actions": [
        {"when": {"rule_id": "EWI_PAY_RATIO_LOW"}, "action": "freeze", "notice": TEXTS},
        {"when": {"rule_id": "EWI_PARTIAL_STREAK"}, "action": "hardship_offer", "message": TEXTS},
        {"when": {"severity": "low"}, "action": "reminder", "days_before_due": 3, "message": TEXTS},
    ],
}
POLICY: ActionPolicy = action_policy_from_dict(POLICY_DOC, RULES)
KINDS = ("good", "partial", "util", "miss")


def run(bus: MessageBus, on: date) -> EwiRunResult:
    return run_ewi(bus, on, RULES, POLICY, lambda rows, keep: ledger_features(rows, FS, None, keep))


def due(bus: MessageBus, line_id: str) -> int:
    with bus.uow:
        return bus.uow.lines.get(line_id).amount_due_minor


def build_book(bus: MessageBus) -> None:
    """Four lines from 5 Jan 2024 (statements on the 1st, due on the 10th), January to April: ``good`` buys 600
    yuan a month and pays in full; ``partial`` buys the same and pays 60 % of each bill; ``util`` buys 4,700 yuan
    over 12 months once and pays in full; ``miss`` pays its first two bills, then nothing."""
    for k in KINDS:
        bus.handle(c.OpenLine(f"L-{k}", k, 500_000, date(2024, 1, 5)))
    bus.handle(c.Purchase("u1", "L-util", 470_000, 12, date(2024, 1, 6)))
    for m in range(1, 4):
        for k in ("good", "partial", "miss"):
            bus.handle(c.Purchase(f"{k}{m}", f"L-{k}", 60_000, 1, date(2024, m, 6)))
        bus.handle(c.RunDayEnd(date(2024, m + 1, 5)))
        pay = date(2024, m + 1, 8)
        bus.handle(c.Repay(f"pg{m}", "L-good", due(bus, "L-good"), pay))
        bus.handle(c.Repay(f"pu{m}", "L-util", due(bus, "L-util"), pay))
        bus.handle(c.Repay(f"pp{m}", "L-partial", due(bus, "L-partial") * 6 // 10, pay))
        if m < 3:
            bus.handle(c.Repay(f"pm{m}", "L-miss", due(bus, "L-miss"), pay))
    bus.handle(c.RunDayEnd(date(2024, 4, 30)))


def pay_in_full(bus: MessageBus, months: range) -> None:
    """``partial`` now pays everything it owes (10 yuan over, for the penalty of the days until the payment);
    ``miss`` still pays nothing."""
    for m in months:
        bus.handle(c.RunDayEnd(date(2024, m, 5)))
        amount = due(bus, "L-partial")
        if amount:
            bus.handle(c.Repay(f"full{m}", "L-partial", amount + 1_000, date(2024, m, 8)))


@pytest.fixture
def bus(any_uow: UnitOfWork) -> MessageBus:
    return MessageBus(any_uow, default_policies())


def alerts(bus: MessageBus) -> dict[tuple[str, str], Any]:
    with bus.uow:
        return {(a.line_id, a.rule_id): a for k in KINDS for a in bus.uow.alerts.for_line(f"L-{k}")}  # type: ignore[attr-defined]


def test_the_ledger_panel_is_point_in_time_and_contiguous(bus: MessageBus) -> None:
    build_book(bus)
    with bus.uow:
        rows, states = ledger_panel(iter(bus.uow.lines), date(2024, 4, 30))
    miss = [r for r in rows if r["account_id"] == "L-miss"]
    assert [r["month_end_on"] for r in miss] == [date(2024, m, d) for m, d in ((1, 31), (2, 29), (3, 31), (4, 30))]
    # March's bill (due 10 Apr) went unpaid: 20 days past due at the April month end, nothing paid toward it
    assert (miss[-1]["dpd"], miss[-1]["statement_due_minor"], miss[-1]["paid_minor"]) == (20, 60_000, 0)
    assert miss[1]["paid_minor"] == miss[1]["statement_due_minor"] == 60_000  # January's bill, paid by its due date
    assert miss[-1]["last_payment_on"] == date(2024, 3, 8) and miss[-1]["payments"] == 0
    util = [r for r in rows if r["account_id"] == "L-util"]
    assert util[0]["new_plans"] == 1 and util[0]["spend_minor"] == 470_000
    assert all(r["payment_source"] is None and r["shock"] is None and r["other_lenders"] is None for r in rows)
    assert states["L-miss"].dpd == 20 and states["L-miss"].status is LineStatus.ACTIVE
    with bus.uow:  # the replay at the last closed date is the line as stored
        for line in bus.uow.lines:
            last = [r for r in rows if r["account_id"] == line.line_id][-1]
            assert (last["dpd"], last["balance_minor"], last["limit_minor"]) == (
                line.dpd, line.balance_minor, line.limit_minor
            )  # fmt: skip


def test_run_raises_acts_is_idempotent_and_closes_later(bus: MessageBus) -> None:
    build_book(bus)
    first = run(bus, date(2024, 4, 30))
    assert first.raised == {("EWI_PAY_RATIO_LOW", "medium"): 2, ("EWI_PARTIAL_STREAK", "medium"): 1}
    assert set(alerts(bus)) == {
        ("L-partial", "EWI_PAY_RATIO_LOW"), ("L-partial", "EWI_PARTIAL_STREAK"), ("L-miss", "EWI_PAY_RATIO_LOW")
    }  # fmt: skip
    assert first.actions == {("freeze", "frozen"): 2, ("hardship_offer", "handed_off"): 1}
    raised = alerts(bus)
    freeze, offer = raised[("L-miss", "EWI_PAY_RATIO_LOW")], raised[("L-partial", "EWI_PARTIAL_STREAK")]
    with bus.uow:
        assert bus.uow.lines.get("L-partial").status is LineStatus.FROZEN  # through ChangeLine
        assert bus.uow.lines.get("L-miss").status is LineStatus.FROZEN
        assert bus.uow.lines.get("L-good").status is LineStatus.ACTIVE
        audit = bus.uow.audit.get(f"ewi_action/{freeze.alert_id}")
        assert audit is not None and audit.kind == "ewi_action" and audit.outcome == "frozen"
        assert audit.reasons == freeze.reasons and audit.policy_id == "ewi_actions_test"
        assert audit.trace[0]["notice"] == {"text_zh": "中文", "text_en": "English"}
        handoff = bus.uow.audit.get(f"handoff/{offer.alert_id}")
        assert handoff is not None and handoff.kind == "hardship_offer" and handoff.trace[0]["dpd"] == 20
    assert {a.status for a in alerts(bus).values()} == {"actioned"}
    before = alerts(bus)
    again = run(bus, date(2024, 4, 30))  # the same date again: nothing new
    assert (again.raised, again.actions, again.closed) == ({}, {}, {})
    assert alerts(bus) == before

    pay_in_full(bus, range(5, 9))
    bus.handle(c.RunDayEnd(date(2024, 8, 31)))
    later = run(bus, date(2024, 8, 31))
    assert later.closed == {"cured": 2, "rolled": 1}
    after = alerts(bus)
    assert after[("L-miss", "EWI_PAY_RATIO_LOW")].outcome == "rolled"
    assert after[("L-partial", "EWI_PAY_RATIO_LOW")].outcome == "cured"
    assert after[("L-partial", "EWI_PARTIAL_STREAK")].closed_on == date(2024, 8, 31)
    assert later.raised == {}  # the cured line's rules no longer hold; the rolled line is past 30 DPD


def test_cool_down_holds_across_runs(bus: MessageBus) -> None:
    build_book(bus)
    run(bus, date(2024, 4, 30))
    miss = alerts(bus)[("L-miss", "EWI_PAY_RATIO_LOW")]
    bus.handle(c.CloseAlert(miss.alert_id, date(2024, 5, 1), "expired"))
    bus.handle(c.RunDayEnd(date(2024, 5, 2)))
    nxt = run(bus, date(2024, 5, 2))  # the rule still holds on April's month end, but it is cooling down
    assert nxt.raised == {}
    assert alerts(bus)[("L-miss", "EWI_PAY_RATIO_LOW")].outcome == "expired"


def test_reduce_and_reminder_actions_through_the_bus(bus: MessageBus) -> None:
    bus.handle(c.OpenLine("L-r", "r", 500_000, date(2024, 1, 5)))
    bus.handle(c.Purchase("b", "L-r", 300_001, 3, date(2024, 1, 6)))
    bus.handle(c.RunDayEnd(date(2024, 1, 31)))
    for alert_id, rule in (("a-reduce", "EWI_UTILISATION_HIGH"), ("a-remind", "EWI_PAY_RATIO_LOW")):
        bus.handle(c.RaiseAlert(alert_id, "L-r", rule, "ewi", "1", date(2024, 1, 31), "low", ("X",), (("x", 1.0),)))
    # the same rule again on the line while the first stands: de-duplicated at the store
    assert (
        bus.handle(c.RaiseAlert("a-dup", "L-r", "EWI_PAY_RATIO_LOW", "ewi", "1", date(2024, 2, 1), "low", (), ()))
        is None
    )
    reduce = c.ActOnAlert("a-reduce", date(2024, 1, 31), "p", "1", "reduce", "减", "cut", 0, Decimal("0.5"), "balance")
    assert bus.handle(reduce) == "reduced"
    assert bus.handle(reduce) == "reduced"  # a retry: the recorded outcome, no second change
    remind = c.ActOnAlert("a-remind", date(2024, 1, 31), "p", "1", "reminder", "提醒", "reminder", 3)
    assert bus.handle(remind) == "queued"
    with bus.uow:
        line = bus.uow.lines.get("L-r")
        assert line.limit_minor == 150_000  # half the balance, floored to the fen
        audit = bus.uow.audit.get("ewi_action/a-reduce")
        assert audit is not None and audit.trace[0]["limit_before_minor"] == 500_000
        assert audit.trace[0]["effective_on"] == "2024-02-01"  # 31 Jan was closed: the open business date
        message = bus.uow.audit.get("message/a-remind")
        assert message is not None and message.kind == "outbound_message"
        assert message.trace[0]["due_on"] == "2024-02-10" and message.trace[0]["send_on"] == "2024-02-07"


class Crash(RuntimeError):
    pass


def crashing_bus(uow: UnitOfWork, line_id: str) -> MessageBus:
    """A bus whose action handler crashes (as a killed process would) on the first action for ``line_id``."""
    from creditloop.app.ewi_handlers import EWI_HANDLERS, act_on_alert
    from creditloop.app.handlers import HANDLERS

    crashed: list[str] = []

    def act(cmd: c.ActOnAlert, uow: UnitOfWork, policies: Any) -> str:
        alert = uow.alerts.get(cmd.alert_id)  # type: ignore[attr-defined]
        if alert.line_id == line_id and not crashed:
            crashed.append(cmd.alert_id)
            raise Crash("killed between the raising and the action")
        return act_on_alert(cmd, uow, policies)

    return MessageBus(uow, default_policies(), handlers={**HANDLERS, **EWI_HANDLERS, c.ActOnAlert: act})


def freezes(bus: MessageBus, line_id: str) -> int:
    with bus.uow:
        return sum(1 for e in bus.uow.lines.get(line_id).events if e["kind"] == "freeze")


def test_a_crash_between_raising_and_acting_leaves_nothing_half_done_and_the_next_run_finishes_once(
    any_uow: UnitOfWork,
) -> None:
    bus = MessageBus(any_uow, default_policies())
    build_book(bus)
    with pytest.raises(Crash):
        run(crashing_bus(any_uow, "L-partial"), date(2024, 4, 30))
    # Lines run in id order: L-miss's alert was raised and frozen, then L-partial's first alert crashed in its action,
    # and its raising went with it. No alert stands open with an action still to take.
    half = alerts(bus)
    assert set(half) == {("L-miss", "EWI_PAY_RATIO_LOW")} and half[("L-miss", "EWI_PAY_RATIO_LOW")].status == "actioned"
    assert freezes(bus, "L-miss") == 1 and freezes(bus, "L-partial") == 0
    with bus.uow:
        assert bus.uow.lines.get("L-partial").status is LineStatus.ACTIVE

    nxt = run(bus, date(2024, 4, 30))  # the next run does the rest, and only the rest
    assert nxt.raised == {("EWI_PAY_RATIO_LOW", "medium"): 1, ("EWI_PARTIAL_STREAK", "medium"): 1}
    assert nxt.actions == {("freeze", "frozen"): 1, ("hardship_offer", "handed_off"): 1}
    done = alerts(bus)
    assert set(done) == {
        ("L-partial", "EWI_PAY_RATIO_LOW"), ("L-partial", "EWI_PARTIAL_STREAK"), ("L-miss", "EWI_PAY_RATIO_LOW")
    }  # fmt: skip
    assert {a.status for a in done.values()} == {"actioned"}
    assert freezes(bus, "L-miss") == 1 and freezes(bus, "L-partial") == 1  # one freeze each, no second notice
    with bus.uow:
        for alert in done.values():
            audit = bus.uow.audit.get(f"ewi_action/{alert.alert_id}")
            assert audit is not None and audit.outcome == ("handed_off" if "STREAK" in alert.rule_id else "frozen")
        offer = done[("L-partial", "EWI_PARTIAL_STREAK")]
        assert bus.uow.audit.get(f"handoff/{offer.alert_id}") is not None
    again = run(bus, date(2024, 4, 30))
    assert (again.raised, again.actions, again.closed) == ({}, {}, {})


def test_an_alert_left_open_by_an_older_run_is_acted_on_once(bus: MessageBus) -> None:
    """Resumable too: an alert raised without its action (as runs before raise and act were one transaction could
    leave it) gets it on the next run, and only once."""
    build_book(bus)
    alert_id = "ewi-left-open"
    bus.handle(
        c.RaiseAlert(alert_id, "L-miss", "EWI_PAY_RATIO_LOW", "ewi", "1", date(2024, 4, 29), "medium", ("X",), ())
    )
    first = run(bus, date(2024, 4, 30))
    assert first.raised == {("EWI_PAY_RATIO_LOW", "medium"): 1, ("EWI_PARTIAL_STREAK", "medium"): 1}  # L-partial's
    assert first.actions == {("freeze", "frozen"): 2, ("hardship_offer", "handed_off"): 1}  # L-miss's resumed
    assert alerts(bus)[("L-miss", "EWI_PAY_RATIO_LOW")].alert_id == alert_id  # de-duplicated against it
    assert alerts(bus)[("L-miss", "EWI_PAY_RATIO_LOW")].status == "actioned"
    assert freezes(bus, "L-miss") == 1
    run(bus, date(2024, 4, 30))
    assert freezes(bus, "L-miss") == 1


def test_a_budget_raises_the_highest_priority_lines_once_a_month_as_the_replay_chooses(bus: MessageBus) -> None:
    from dataclasses import replace

    from creditloop.adapters.warehouse.ewi_backtest import panel_features, replay_rules
    from creditloop.monitoring.alert_rules import AlertBudget

    build_book(bus)
    rules = replace(RULES, budget=AlertBudget(Decimal("0.25")))  # four lines: one may get a new alert a month
    with bus.uow:
        rows, _ = ledger_panel(iter(bus.uow.lines), date(2024, 4, 30))
    panel: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        panel.setdefault(row["account_id"], []).append(row)
    feats, _ = panel_features(panel, FS)
    # The replay's choice for April alone (no earlier alerts, as on a new alert store): the same lines and rules.
    april = replay_rules({a: r[-1:] for a, r in panel.items()}, {a: f[-1:] for a, f in feats.items()}, rules, None)

    first = run_ewi(bus, date(2024, 4, 30), rules, POLICY, lambda rows, keep: ledger_features(rows, FS, None, keep))
    # L-miss and L-partial both qualify (medium, no score, the same first rule): the line id decides.
    assert first.raised == {("EWI_PAY_RATIO_LOW", "medium"): 1}
    assert first.suppressed == {("EWI_PAY_RATIO_LOW", "medium"): 1, ("EWI_PARTIAL_STREAK", "medium"): 1}
    assert first.suppressed_lines == 1
    assert set(alerts(bus)) == {("L-miss", "EWI_PAY_RATIO_LOW")} == {(h.account_id, h.rule_id) for h in april}
    assert first.to_dict()["suppressed_by_budget"]["lines"] == 1
    bus.handle(c.RunDayEnd(date(2024, 5, 2)))
    nxt = run_ewi(bus, date(2024, 5, 2), rules, POLICY, lambda rows, keep: ledger_features(rows, FS, None, keep))
    assert nxt.raised == {} and nxt.suppressed_lines == 1  # April's budget is spent: L-partial waits
    assert set(alerts(bus)) == {("L-miss", "EWI_PAY_RATIO_LOW")}


class _Asked:
    def to_dict(self) -> dict[str, Any]:
        return {"asked": 1}


def test_a_new_lender_alert_stays_open_without_a_consortium_count_and_cures_on_a_real_one(bus: MessageBus) -> None:
    """H3: later months without a consortium count used to cure (or expire) EWI_NEW_LENDER; unknown is not cured."""
    rule = next(r for r in resolve_alert_rules("ewi@3").rules if r.rule_id == "EWI_NEW_LENDER")
    rules = alert_rules_from_dict(
        {"rule_set_id": "ewi_nl", "version": "1", "feature_set": "behaviour@1", "cooldown_days": 90, "rules": [
            {"rule_id": rule.rule_id, "feature": rule.condition.indicator, "op": "ge", "threshold": 1,
             "severity": "low"}]},
        FS,
    )  # fmt: skip
    doc = {**POLICY_DOC, "rule_set": "ewi_nl@1", "actions": [POLICY_DOC["actions"][2]]}
    policy = action_policy_from_dict(doc, rules)

    def night(on: date, change: float | None) -> EwiRunResult:
        found = {} if change is None else {"L-good": {"other_lenders": 3.0, "other_lenders_change_3m": change}}
        return run_ewi(
            bus, on, rules, policy, lambda rows, keep: ledger_features(rows, FS, None, keep),
            lambda customers, month, day: (found, _Asked()),
        )  # fmt: skip

    build_book(bus)
    assert night(date(2024, 4, 30), 2.0).raised == {("EWI_NEW_LENDER", "low"): 1}
    for m, end in ((7, 31), (8, 31)):  # three, then four quiet month ends at dpd 0, and no count in any of them
        bus.handle(c.RunDayEnd(date(2024, m, end)))
        assert night(date(2024, m, end), None).closed == {}
    (nl,) = [a for a in alerts(bus).values() if a.rule_id == "EWI_NEW_LENDER"]
    assert nl.line_id == "L-good" and nl.status != "closed"
    bus.handle(c.RunDayEnd(date(2024, 9, 30)))
    assert night(date(2024, 9, 30), 0.0).closed == {"cured": 1}  # a real count shows no new lender
    assert alerts(bus)[("L-good", "EWI_NEW_LENDER")].outcome == "cured"
