"""The customer index (issue 16, item 2's customer report): a customer's lines by the ``customer_id`` index, not a
scan of the book, on the memory fake, SQLite and PostgreSQL — stored lines and lines opened in the same unit of
work alike."""

from __future__ import annotations

from datetime import date

from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.dispute_handlers import customer_lines
from creditloop.app.ports import UnitOfWork
from creditloop.bootstrap import default_policies
from creditloop.servicing.credit_line import CreditLine


def test_a_customers_lines_come_from_the_index(any_uow: UnitOfWork) -> None:
    bus = MessageBus(any_uow, default_policies())
    for line_id, customer in (("L2", "C1"), ("L1", "C1"), ("L3", "C2")):
        bus.handle(c.OpenLine(line_id, customer, 100_000, date(2024, 1, 5)))
    with any_uow:
        assert any_uow.lines.customer_line_ids("C1") == ["L1", "L2"]
        assert any_uow.lines.customer_line_ids("C9") == []
        any_uow.lines.add(CreditLine.open("L4", "C1", default_policies().product, 100_000, date(2024, 2, 1)))
        assert any_uow.lines.customer_line_ids("C1") == ["L1", "L2", "L4"]  # opened, not yet committed
        assert [line.line_id for line in customer_lines(any_uow, "C2")] == ["L3"]
