"""Guards found by review: holds on lines that stop lending, refund targets, atomic re-amortise, hardship retries."""

from __future__ import annotations

from datetime import date

import pytest

from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.memory import MemoryUnitOfWork
from creditloop.bootstrap import default_policies
from creditloop.core.errors import DomainError, IdempotencyConflict, NotFound, ValidationError
from creditloop.products.terms import default_product
from creditloop.servicing import restructure
from creditloop.servicing.credit_line import CreditLine, LineStatus
from creditloop.servicing.serialization import line_to_dict


def line() -> CreditLine:
    return CreditLine.open("L", "C", default_product(), 100_000, date(2024, 1, 5))


def test_a_frozen_line_releases_its_holds_and_refuses_captures() -> None:
    ln = line()
    ln.authorise("h1", 20_000, date(2024, 1, 6), date(2024, 1, 20))
    assert ln.open_to_buy_minor == 80_000
    ln.freeze("f1", date(2024, 1, 7))
    assert ln.holds["h1"].status == "VOIDED"
    with pytest.raises(DomainError) as e:
        ln.capture("c1", "h1", 10_000, 1, date(2024, 1, 8))
    assert e.value.code == "hold_not_active"
    ln.unfreeze("u1", date(2024, 1, 8))
    ln.authorise("h2", 20_000, date(2024, 1, 9), date(2024, 1, 20))
    ln.change_limit("l1", 100_000, date(2024, 1, 9))
    ln.freeze("f2", date(2024, 1, 10))
    with pytest.raises(DomainError):
        ln.capture("c2", "h2", 10_000, 1, date(2024, 1, 10))
    assert ln.principal_minor == 0


def test_a_charged_off_line_releases_its_holds() -> None:
    ln = line()
    ln.purchase("b", 10_000, 1, date(2024, 1, 6))
    ln.authorise("h1", 20_000, date(2024, 1, 6), date(2025, 1, 1))
    ln.close_through(date(2024, 8, 8))
    assert ln.status is LineStatus.CHARGED_OFF and ln.holds["h1"].status == "VOIDED"


def test_only_purchases_can_be_refunded() -> None:
    ln = line()
    ln.purchase("b", 30_000, 3, date(2024, 1, 6))
    ln.close_through(date(2024, 3, 20))
    restructure.term_extension(ln, "h1", date(2024, 3, 21), 6)
    with pytest.raises(NotFound):
        ln.refund("r", "h1", 1_000, date(2024, 3, 22))  # the restructure plan is not a merchant's purchase


def test_a_refused_reamortise_leaves_every_plan_as_it_was() -> None:
    ln = CreditLine.open("L", "C", default_product(), 500_000, date(2024, 1, 5))
    ln.purchase("a", 30_000, 3, date(2024, 1, 6))
    ln.purchase("b", 10_000, 1, date(2024, 1, 6))  # pay next month: no future installment to spread over
    ln.close_through(date(2024, 2, 20))
    before = line_to_dict(ln)
    with pytest.raises(DomainError) as e:
        restructure.reamortise(ln, "ra", date(2024, 2, 21))
    assert e.value.code == "nothing_to_restructure"
    assert line_to_dict(ln) == before


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"periods": 3, "start_on": "2024-13-01"}, "start_on"),
        ({"periods": "x", "start_on": "2024-04-01"}, "periods"),
        ({"periods": 3, "start_on": "2024-04-01", "multiple_minor": 0}, "multiple_minor"),
        ({"periods": 3, "start_on": "2024-04-01", "unit": "weeks"}, "unit"),
        ({"periods": 3, "start_on": "2024-04-01", "bogus": 1}, "bogus"),
    ],
)
def test_restructure_parameters_are_checked_and_named(params: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as e:
        restructure.event("reage", "r", date(2024, 3, 1), params)
    assert e.value.field == field


def test_a_hardship_request_is_idempotent_and_its_audit_row_is_never_rewritten() -> None:
    policies = default_policies()
    bus = MessageBus(MemoryUnitOfWork({policies.product.key: policies.product}.__getitem__), policies)
    bus.handle(c.OpenLine("L", "C", 1_000_000, date(2024, 1, 5)))
    bus.handle(c.Purchase("b", "L", 300_000, 12, date(2024, 1, 6)))
    bus.handle(c.RunDayEnd(date(2024, 4, 20)))
    request = c.RequestHardship("hr1", "L", date(2024, 4, 21), 800_000, 0)
    first = bus.handle(request)
    assert first.assessment.eligible and first.applied is not None
    again = bus.handle(request)
    assert again.assessment.eligible and again.assessment.offer == first.assessment.offer
    assert again.applied is None  # nothing applied twice
    with pytest.raises(IdempotencyConflict):
        bus.handle(c.RequestHardship("hr1", "L", date(2024, 4, 21), 1, 0))
