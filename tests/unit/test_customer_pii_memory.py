"""The memory fake of the customer PII store agrees with the SQL one: a row is kept only when the unit of work
commits, and a rollback restores the customer's previous row (or none)."""

from __future__ import annotations

from datetime import UTC, datetime

from creditloop.app.customer_pii import SealedPii, customer_pii
from creditloop.app.memory import MemoryUnitOfWork
from creditloop.products.terms import Product, default_product


def _products(_key: str) -> Product:
    return default_product()


def _row(app: str) -> SealedPii:
    return SealedPii("C1", app, "pii1:n", "pii1:i", "pii1:p", "idx", datetime(2026, 6, 15, tzinfo=UTC))


def test_a_row_is_kept_on_commit_and_a_rollback_restores_the_previous_one() -> None:
    uow = MemoryUnitOfWork(_products)
    with uow:
        customer_pii(uow).put(_row("A-1"))
    assert customer_pii(uow).get("C1") is None  # never committed
    with uow:
        customer_pii(uow).put(_row("A-1"))
        uow.commit()
    with uow:
        customer_pii(uow).put(_row("A-2"))
        assert customer_pii(uow).get("C1") == _row("A-2")  # the transaction sees its own write
    assert customer_pii(uow).get("C1") == _row("A-1")
