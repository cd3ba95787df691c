"""The message bus: routes a command to its handler inside a unit of work. Errors always propagate."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from creditloop.app.handlers import HANDLERS, Policies
from creditloop.app.ports import UnitOfWork
from creditloop.app.validation import check_command


class MessageBus:
    def __init__(
        self, uow: UnitOfWork, policies: Policies, handlers: dict[type, Callable[..., Any]] | None = None
    ) -> None:
        self.uow = uow
        self.policies = policies
        self._handlers = dict(HANDLERS if handlers is None else handlers)
        self._in_batch = False

    def handle(self, command: object) -> Any:
        handler = self._handlers.get(type(command))
        if handler is None:
            raise TypeError(f"no handler for {type(command).__name__}")
        check_command(command)  # ids, amounts and dates at the boundary, before anything is loaded
        if self._in_batch:
            return handler(command, self.uow, self.policies)
        with self.uow:
            result = handler(command, self.uow, self.policies)
            self.uow.commit()
            return result

    @contextmanager
    def batch(self) -> Iterator[MessageBus]:
        """Many commands in one transaction (the simulator submits a month at a time)."""
        with self.uow:
            self._in_batch = True
            try:
                yield self
                self.uow.commit()
            finally:
                self._in_batch = False
