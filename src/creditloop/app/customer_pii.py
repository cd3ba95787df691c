"""Customers' encrypted personal data as part of the unit of work: the record, the port, the memory fake, and the
service that decides an application and keeps an approved applicant's data in one transaction.

Deciding an application and storing the applicant's encrypted name, ID number and phone (``customer_pii``) used to
be two transactions: a crash between them left a decision (and an open line) without the customer's data. Here both
are written through the same unit of work and commit together, or not at all. Values arrive already encrypted (the
entrypoint holds the key); nothing here sees clear personal data or logs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, cast

from creditloop.app.ports import UnitOfWork
from creditloop.app.staged_memory import StagedMemory

if TYPE_CHECKING:  # the memory unit of work imports this module; the bus imports every handler
    from creditloop.app import commands as c
    from creditloop.app.bus import MessageBus


@dataclass(frozen=True, slots=True)
class SealedPii:
    customer_id: str
    application_id: str
    name_enc: str
    id_number_enc: str
    phone_enc: str
    id_number_index: str
    updated_at: datetime


class CustomerPiiStore(Protocol):
    def put(self, row: SealedPii) -> None:
        """The customer's latest application's data (a later application replaces it); no commit of its own."""
        ...

    def get(self, customer_id: str) -> SealedPii | None: ...


class CustomerPiiUnitOfWork(UnitOfWork, Protocol):
    @property
    def customer_pii(self) -> CustomerPiiStore: ...


class MemoryCustomerPii(StagedMemory):
    """The fake: writes are staged until commit and dropped on rollback, like the SQL store's."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[str, SealedPii] = {}

    def put(self, row: SealedPii) -> None:
        self._stage(self._rows, row.customer_id)
        self._rows[row.customer_id] = row

    def get(self, customer_id: str) -> SealedPii | None:
        return self._rows.get(customer_id)


def customer_pii(uow: UnitOfWork) -> CustomerPiiStore:
    if not hasattr(uow, "customer_pii"):
        raise TypeError(f"{type(uow).__name__} has no customer PII store")
    return cast(CustomerPiiUnitOfWork, uow).customer_pii


def submit_application(bus: MessageBus, cmd: c.DecideApplication, seal: Callable[[], SealedPii]) -> Any:
    """Decide ``cmd`` and, on an approval, store the applicant's sealed data, in one transaction. ``seal`` is
    called only for an approval: a declined or referred applicant is not a customer (the encrypted form in the
    decision record is all that is kept). A retry returns the recorded decision and rewrites the same data."""
    with bus.batch():
        decision = bus.handle(cmd)
        if decision.decision == "approve":
            customer_pii(bus.uow).put(seal())
    return decision
