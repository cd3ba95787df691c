"""The hardship workflow through the message bus, on the memory fake, SQLite and PostgreSQL (issue 15):
request → options (exact figures) → accept within the role's authority → plan tracking and the broken-plan rule."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from creditloop.app import commands as c
from creditloop.app import hardship_commands as h
from creditloop.app.bus import MessageBus
from creditloop.app.hardship_handlers import (
    ALREADY_ACCEPTED,
    OPTIONS_NOT_GENERATED,
    PAST_AUTHORITY,
    REQUEST_ROUTED,
    UNKNOWN_OPTION,
)
from creditloop.app.hardship_options import original_eir, plan_id_of
from creditloop.app.ports import UnitOfWork
from creditloop.bootstrap import default_policies
from creditloop.core.errors import DomainError, ValidationError
from creditloop.servicing.model import LineStatus

ON = date(2024, 4, 21)


def _bus(uow: UnitOfWork, purchase_minor: int = 300_000) -> MessageBus:
    bus = MessageBus(uow, default_policies())
    bus.handle(c.OpenLine("L", "C", max(1_000_000, purchase_minor), date(2024, 1, 5)))
    bus.handle(c.Purchase("b", "L", purchase_minor, 12, date(2024, 1, 6)))
    bus.handle(c.RunDayEnd(ON - timedelta(days=1)))  # three installments unpaid: 71 DPD
    return bus


def _request(bus: MessageBus, request_id: str = "r1", income: int = 500_000, expenses: int = 350_000) -> None:
    bus.handle(h.SubmitHardshipRequest(request_id, "L", ON, "customer", "job_loss_or_pay_cut", income, expenses, True))


def _line(bus: MessageBus) -> object:
    with bus.uow:
        return bus.uow.lines.get("L")


def test_options_are_previewed_valued_and_ranked_with_exact_figures(any_uow: UnitOfWork) -> None:
    bus = _bus(any_uow)
    _request(bus)
    result = bus.handle(h.GenerateHardshipOptions("r1", ON))
    figures = [
        (v.option_id, v.affordable, v.monthly_payment_minor, v.customer_total_minor, v.npv_minor, v.concession_minor)
        for v in result.ranked
    ]
    assert figures == [
        ("TE12F", True, 32_200, 328_621, 264_880, 0),  # fee 0.6 %/month: the lender's best, penalty kept
        ("TE24", True, 17_900, 305_400, 257_312, 17_821),  # penalty 16.21 waived, 162.00 of fees forgone
        ("TE12", True, 30_400, 305_400, 246_142, 17_821),
        ("TE6", False, 55_400, 305_400, 205_327, 17_821),  # 36.9 % of disposable income: over the 30 % budget
        ("PW", False, 80_400, 321_600, 114_310, 1_621),
        ("FR0", False, 82_021, 307_021, 109_160, 16_200),
    ]
    assert [v.option_id for v in result.presented] == ["TE12F", "TE24", "TE12"]
    assert {v.option_id: v.reason for v in result.unavailable} == {
        "HOL3": "dpd_above_option_limit",
        "HOL3A": "dpd_above_option_limit",
        "RA": "dpd_above_option_limit",
        "SET30": "settlement_only_when_charged_off",
    }
    assert result.status_quo.monthly_payment_minor == 82_021 and not result.status_quo.affordable
    te12f = result.ranked[0]  # shown with exactly the disclosure the Restructure command previews
    shown = bus.handle(c.Restructure("look", "L", "term_extension", ON, te12f.params, preview=True))
    assert te12f.disclosure is not None and te12f.disclosure == shown.disclosure
    with bus.uow:
        stored = bus.uow.hardship.get_request("r1")  # type: ignore[attr-defined]
        assert [o["option_id"] for o in stored.options if o["rank"]] == [v.option_id for v in result.ranked]
        assert bus.uow.audit.get("hardship_options/r1/2024-04-21").reasons == ("TE12F", "TE24", "TE12")
        assert bus.uow.lines.get("L").restructured_on is None  # previews change nothing


def test_accepting_applies_the_restructure_and_stores_the_plan(any_uow: UnitOfWork) -> None:
    bus = _bus(any_uow)
    _request(bus)
    with pytest.raises(DomainError) as e:
        bus.handle(h.AcceptHardshipOption("r1", "TE24", "agent", ON))
    assert e.value.code == OPTIONS_NOT_GENERATED
    bus.handle(h.GenerateHardshipOptions("r1", ON))
    with pytest.raises(ValidationError) as v:
        bus.handle(h.AcceptHardshipOption("r1", "TE99", "agent", ON))
    assert (v.value.code, v.value.field) == (UNKNOWN_OPTION, "option_id")
    with pytest.raises(ValidationError) as v:
        bus.handle(h.AcceptHardshipOption("r1", "TE24", "intern", ON))
    assert v.value.field == "role"
    result = bus.handle(h.AcceptHardshipOption("r1", "TE24", "agent", ON))
    plan = result.plan
    assert (plan.plan_id, plan.kind, plan.approved_by, plan.concession_minor) == (
        plan_id_of("r1", "TE24"),
        "term_extension",
        "agent",
        17_821,
    )
    assert len(plan.schedule) == 24 and sum(a for _, a in plan.schedule) == 305_400
    assert plan.marks["metro2_special_comment"] == "CO" and plan.marks["china"] == "adjusted_schedule"
    # 24 months and the waivers cut the PV by 13.42 % at the line's original effective rate (the 12-period plan's
    # 0.6 %/month fee: an EU APRC of 13.54 %; 8.38 % at the 4.5 % cost of funds): over 1 %, a distressed restructuring
    with bus.uow:
        assert round(original_eir(bus.uow.lines.get("L")), 4) == Decimal("0.1354")
    assert (plan.marks["eu_forborne"], plan.marks["eu_dfo_bps"]) == ("non_performing_forborne", 1342)
    assert bus.handle(h.AcceptHardshipOption("r1", "TE24", "agent", ON)).plan == plan  # a retry
    with pytest.raises(DomainError) as e:
        bus.handle(h.AcceptHardshipOption("r1", "TE12", "agent", ON))
    assert e.value.code == ALREADY_ACCEPTED
    _request(bus, "r2")  # a second request within 12 months: no second re-age
    again = bus.handle(h.GenerateHardshipOptions("r2", ON + timedelta(days=1)))
    reasons = {v.option_id: v.reason for v in again.unavailable}
    assert {reasons[k] for k in ("TE6", "TE12", "TE12F", "TE24", "RA")} == {"reaged_within_limit"}
    with bus.uow:
        line = bus.uow.lines.get("L")
        assert line.restructured_on == ON and line.penalty_minor == 0
        assert plan.plan_id in line.seen_ids  # the Restructure command's request id is the plan id
        assert bus.uow.hardship.get_plan(plan.plan_id) == plan  # type: ignore[attr-defined]
        assert bus.uow.audit.get(f"hardship_accept/{plan.plan_id}").outcome == "accepted"


def test_a_concession_past_the_role_is_refused_and_nothing_is_written(any_uow: UnitOfWork) -> None:
    bus = _bus(any_uow, purchase_minor=3_000_000)  # ten times the balance: ten times the concession
    _request(bus, income=5_000_000, expenses=3_500_000)
    options = {v.option_id: v for v in bus.handle(h.GenerateHardshipOptions("r1", ON)).ranked}
    te24 = options["TE24"]
    assert (te24.concession_minor, te24.required_role) == (178_214, "team_lead")  # 162.14 penalty + 1620.00 fees
    with bus.uow:
        entries_before = len(bus.uow.journal.line_entries("L"))
    with pytest.raises(DomainError) as e:
        bus.handle(h.AcceptHardshipOption("r1", "TE24", "agent", ON))
    assert (e.value.code, e.value.field) == (PAST_AUTHORITY, "role")
    assert "team_lead" in e.value.message
    with bus.uow:
        assert bus.uow.hardship.plans() == []  # type: ignore[attr-defined]
        assert bus.uow.lines.get("L").restructured_on is None
        assert len(bus.uow.journal.line_entries("L")) == entries_before
        assert bus.uow.audit.get(f"hardship_accept/{plan_id_of('r1', 'TE24')}") is None
    assert bus.handle(h.AcceptHardshipOption("r1", "TE24", "team_lead", ON)).plan.approved_by == "team_lead"


def test_a_plan_kept_stays_active_and_a_broken_one_freezes_the_line(any_uow: UnitOfWork) -> None:
    bus = _bus(any_uow)
    _request(bus)
    bus.handle(h.GenerateHardshipOptions("r1", ON))
    plan = bus.handle(h.AcceptHardshipOption("r1", "PW", "agent", ON)).plan  # penalty waived, line stays open
    assert plan.schedule[0] == (ON, 80_400)  # the three past-due installments, owed from the plan's start
    assert _line(bus).status is LineStatus.ACTIVE  # type: ignore[attr-defined]
    bus.handle(c.Repay("p1", "L", 80_400, ON + timedelta(days=2)))
    kept = bus.handle(h.TrackHardshipPlans(date(2024, 5, 15)))  # May's payment is within its 5 days' grace
    assert [(p.status, p.paid_minor, p.missed) for p in kept] == [("active", 80_400, 0)]
    broken = bus.handle(h.TrackHardshipPlans(date(2024, 6, 16)))  # May and June unpaid past grace
    assert [(p.status, p.missed, p.broken_on) for p in broken] == [("broken", 2, date(2024, 6, 16))]
    assert broken[0].marks["china"] == "actual_status" and broken[0].marks["eu_forborne"] == "non_performing_forborne"
    assert _line(bus).status is LineStatus.FROZEN  # type: ignore[attr-defined]
    with bus.uow:
        audit = bus.uow.audit.get(f"hardship_plan/{plan.plan_id}/broken")
        assert audit is not None and audit.trace[0]["line_action"] == "freeze"
    assert bus.handle(h.TrackHardshipPlans(date(2024, 8, 20))) == []  # no active plan left


def test_a_dispute_is_recorded_and_routed_out_of_the_hardship_path(any_uow: UnitOfWork) -> None:
    bus = _bus(any_uow)
    stored = bus.handle(h.SubmitHardshipRequest("d1", "L", ON, "agent", "merchant_dispute", 500_000, 0, False))
    assert stored.outcome == "routed_dispute"
    with pytest.raises(DomainError) as e:
        bus.handle(h.GenerateHardshipOptions("d1", ON))
    assert e.value.code == REQUEST_ROUTED


def test_a_charged_off_balance_is_offered_a_settlement(any_uow: UnitOfWork) -> None:
    bus = MessageBus(any_uow, default_policies())
    bus.handle(c.OpenLine("L", "C", 1_000_000, date(2024, 1, 5)))
    bus.handle(c.Purchase("b", "L", 300_000, 3, date(2024, 1, 6)))
    day = date(2024, 12, 31)
    bus.handle(c.RunDayEnd(day))
    assert _line(bus).status is LineStatus.CHARGED_OFF  # type: ignore[attr-defined]
    on = day + timedelta(days=1)
    bus.handle(h.SubmitHardshipRequest("s1", "L", on, "customer", "job_loss_or_pay_cut", 300_000, 100_000, False))
    result = bus.handle(h.GenerateHardshipOptions("s1", on))
    assert [v.option_id for v in result.ranked] == ["SET30"]
    settle = result.ranked[0]
    memo = _line(bus).charged_off_minor  # type: ignore[attr-defined]
    forgiven = (memo * 3 + 5) // 10  # 30 %, half up
    assert (settle.customer_total_minor, settle.concession_minor) == (memo - forgiven, forgiven)
    assert settle.required_role == "manager"  # 30 % of the balance: past a team lead's 25 %
    with pytest.raises(DomainError) as e:
        bus.handle(h.AcceptHardshipOption("s1", "SET30", "team_lead", on))
    assert e.value.code == PAST_AUTHORITY
    plan = bus.handle(h.AcceptHardshipOption("s1", "SET30", "manager", on)).plan
    assert plan.kind == "settlement" and plan.marks["metro2_special_comment"] == "AU"
    assert plan.schedule == ((on + timedelta(days=30), memo - forgiven),)


def test_interest_on_an_emi_plan_is_in_the_status_quo_and_in_the_options_payments() -> None:
    """An interest-bearing (EMI) plan: what the customer still owes includes the scheduled interest, before and
    after a restructure, so affordability and NPV see the real payments."""
    import json
    from dataclasses import replace
    from importlib import resources

    from creditloop.app.hardship_options import current_payments, options_case
    from creditloop.app.memory import MemoryUnitOfWork
    from creditloop.products.terms import Product

    doc = json.loads(resources.files("creditloop.products").joinpath("catalog/baitiao_installment_v1.json").read_text())
    doc["product_id"] = "emi-test"
    doc["installment_options"] = [
        {"periods": 1, "monthly_fee_bps": 0},
        {"periods": 12, "monthly_fee_bps": 0, "terms": {"method": "emi", "periods": 12, "annual_rate": "0.12"}},
    ]
    doc["waterfall"] = ["PAST_DUE_PENALTY", "PAST_DUE_INTEREST", "PAST_DUE_FEE", "PAST_DUE_PRINCIPAL",
                        "DUE_INTEREST", "DUE_FEE", "DUE_PRINCIPAL", "FUTURE_PRINCIPAL"]  # fmt: skip
    product = Product.from_dict(doc)
    bus = MessageBus(MemoryUnitOfWork({product.key: product}.__getitem__), replace(default_policies(), product=product))
    bus.handle(c.OpenLine("L", "C", 1_000_000, date(2024, 1, 5)))
    bus.handle(c.Purchase("b", "L", 300_000, 12, date(2024, 1, 6)))
    bus.handle(c.RunDayEnd(ON - timedelta(days=1)))
    _request(bus)
    with bus.uow:
        line = bus.uow.lines.get("L")
        interest = sum(i.interest_minor for i in line.installments())
        assert interest > 0
        case = options_case(line, bus.uow.hardship.get_request("r1"), ON)  # type: ignore[attr-defined]
        owed_now = sum(a for _, a in current_payments(line, case))
        assert owed_now == 300_000 + interest + line.penalty_minor  # nothing paid: principal, interest, penalty
    result = bus.handle(h.GenerateHardshipOptions("r1", ON))
    extension = next(v for v in result.ranked if v.kind == "term_extension")
    shown = bus.handle(c.Restructure("look", "L", "term_extension", ON, extension.params, preview=True))
    assert any(r["interest_minor"] for r in shown.after)
    assert extension.customer_total_minor >= sum(r["principal_minor"] + r["fee_minor"] + r["interest_minor"]
                                                 for r in shown.after)  # fmt: skip
