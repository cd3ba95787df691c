"""The message bus: routes a command to its handler inside a unit of work, then hands the domain events the
lines recorded to their subscribers (``bootstrap.py`` registers them). Errors always propagate.

Event flow: a handler calls the aggregate; the aggregate records events (``servicing/events.py``) on the lines
the unit of work handed out; after the handler returns, the bus collects them (``uow.collect_new_events``) and
calls every subscriber of each event's type, inside the same transaction, before the commit. With no
subscriber, lines record nothing and the bus does no work per command.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, cast

from creditloop.app.checkout import CHECKOUT_HANDLERS
from creditloop.app.collections_records import COLLECTIONS_HANDLERS
from creditloop.app.dispute_handlers import DISPUTE_HANDLERS
from creditloop.app.ecl_allowance import ECL_HANDLERS
from creditloop.app.ewi_handlers import EWI_HANDLERS
from creditloop.app.handlers import HANDLERS, Policies
from creditloop.app.hardship_handlers import HARDSHIP_HANDLERS
from creditloop.app.ports import UnitOfWork
from creditloop.app.validation import check_command
from creditloop.servicing.events import DomainEvent

Subscriber = Callable[[DomainEvent], None]


class EventSource(Protocol):
    """A unit of work whose lines can record domain events (the memory and SQL units of work)."""

    def record_events(self) -> None: ...

    def collect_new_events(self) -> list[DomainEvent]: ...


class MessageBus:
    def __init__(
        self,
        uow: UnitOfWork,
        policies: Policies,
        handlers: dict[type, Callable[..., Any]] | None = None,
        subscribers: Mapping[type[DomainEvent], Sequence[Subscriber]] | None = None,
    ) -> None:
        self.uow = uow
        self.policies = policies
        every = {
            **HANDLERS,
            **EWI_HANDLERS,
            **HARDSHIP_HANDLERS,
            **COLLECTIONS_HANDLERS,
            **DISPUTE_HANDLERS,
            **CHECKOUT_HANDLERS,
            **ECL_HANDLERS,
        }
        self._handlers = dict(every if handlers is None else handlers)
        self._in_batch = False
        self._subscribers = {kind: tuple(subs) for kind, subs in (subscribers or {}).items() if subs}
        self._events: EventSource | None = None
        if self._subscribers:
            if not hasattr(uow, "collect_new_events"):
                raise TypeError(f"{type(uow).__name__} cannot collect domain events for subscribers")
            self._events = cast(EventSource, uow)
            self._events.record_events()

    def handle(self, command: object) -> Any:
        handler = self._handlers.get(type(command))
        if handler is None:
            raise TypeError(f"no handler for {type(command).__name__}")
        check_command(command)  # ids, amounts and dates at the boundary, before anything is loaded
        if self._in_batch:
            result = handler(command, self.uow, self.policies)
            if self._events is not None:
                self._publish(self._events)
            return result
        with self.uow:
            result = handler(command, self.uow, self.policies)
            if self._events is not None:
                self._publish(self._events)
            self.uow.commit()
            return result

    def subscribe(self, kind: type[DomainEvent], subscriber: Subscriber) -> None:
        """Add a subscriber after construction (the simulator subscribes its own views of the book). Lines the
        unit of work hands out from now on record events; call it before any line is loaded."""
        self._subscribers[kind] = (*self._subscribers.get(kind, ()), subscriber)
        if self._events is None:
            if not hasattr(self.uow, "collect_new_events"):
                raise TypeError(f"{type(self.uow).__name__} cannot collect domain events for subscribers")
            self._events = cast(EventSource, self.uow)
            self._events.record_events()

    def publish_pending(self) -> None:
        """Publish what the lines recorded since the last command: for jobs that work on the unit of work
        directly (day-end closes lines in chunks, not through ``handle``); call it before each commit."""
        if self._events is not None:
            self._publish(self._events)

    def _publish(self, source: EventSource) -> None:
        """Every event recorded since the last command, to each subscriber of its type, in order."""
        for event in source.collect_new_events():
            for subscriber in self._subscribers.get(type(event), ()):
                subscriber(event)

    @contextmanager
    def batch(self) -> Iterator[MessageBus]:
        """Many commands in one transaction (the simulator submits a month at a time)."""
        with self.uow:
            self._in_batch = True
            try:
                yield self
                if self._events is not None:
                    self._publish(self._events)  # what the caller did to lines directly (day-end catch-up)
                self.uow.commit()
            finally:
                self._in_batch = False
