"""The API's handle on the system: the bus and read views of ``bootstrap.build``, the key store and the clock.

**A unit of work per worker thread** (issue 18, item 4). Every thread of the server's pool gets its own message bus
over its own ``SqlUnitOfWork`` (one connection at a time from the shared engine's pool), so requests on different
lines run in parallel. Correctness comes from the database, not from a lock in the process:

- PostgreSQL: a command (and ``change``: the ``If-Match`` check, the command and the view after it, one
  transaction) locks the line's row from its first read, so concurrent changes of one line queue on the row;
- SQLite: WAL (readers never wait) and a busy timeout; writers of one process take turns on a lock (SQLite admits
  one writer at a time anyway, and this avoids the "read snapshot cannot be upgraded" failure), and writers in
  other processes wait on the busy timeout;
- both: the optimistic version check of a line at commit, and the journal's unique entry ids. A transaction that
  loses a race (``adapters.sqlalchemy.transient``) is run again from scratch, a few times with a short random
  back-off; the ledger's command ids make that safe (a recorded command returns its recorded result).
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from creditloop.adapters.clock import SystemClock
from creditloop.adapters.sqlalchemy.api_keys import SqlApiKeyStore
from creditloop.adapters.sqlalchemy.pii_store import SqlPiiStore
from creditloop.adapters.sqlalchemy.purpose import OPERATING, SIMULATION, read_purpose, stamp_purpose
from creditloop.adapters.sqlalchemy.transient import is_transient
from creditloop.adapters.sqlalchemy.uow import SqlUnitOfWork
from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.customer_pii import SealedPii, submit_application
from creditloop.app.line_change import Guard, change_line
from creditloop.app.views import LineView
from creditloop.bootstrap import build, product_lookup
from creditloop.config import Settings
from creditloop.core.clock import Clock
from creditloop.core.errors import DomainError
from creditloop.entrypoints.api.keys import CachedKeyStore
from creditloop.entrypoints.api.pii_key import load_cipher

T = TypeVar("T")
ATTEMPTS = 12  # a transaction that lost a race is run again up to this many times in all
BACKOFF_S = 0.002  # first back-off; doubles each attempt (with jitter), capped at 0.1 s


class Backend:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        if settings.database_url is None:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        cipher = load_cipher(settings)  # before the ledger is touched: PostgreSQL without a key does not start
        system = build(settings)
        first: SqlUnitOfWork = system.bus.uow  # type: ignore[assignment]  # build() makes the SQL unit of work
        self.engine = first.engine
        self.cipher = cipher  # personal data at rest: the application forms' and the customers' (pii.py)
        first.decisions.cipher = cipher  # type: ignore[attr-defined]  # every thread's unit of work gets it too
        self.pii_store = SqlPiiStore(self.engine)
        self.settings = settings
        self._policies = system.bus.policies
        self._products = product_lookup(self._policies)
        self._local = threading.local()
        self._local.bus = system.bus
        self.keys = CachedKeyStore(SqlApiKeyStore(self.engine))
        self.clock: Clock = clock or SystemClock(settings.business_timezone)
        self.embedded = settings.database_url is None
        self.data_dir = settings.data_dir if self.embedded else None  # the dashboard's chart marks live there
        self.sqlite = self.engine.dialect.name == "sqlite"
        self._write_turn: Any = threading.Lock() if self.sqlite else contextlib.nullcontext()
        # Kept for routes that want several calls as one step in this process; the backend itself never needs it.
        self.lock = threading.RLock()
        # A ledger without a purpose yet is an operating one from now on, unless an old simulation's side file
        # (``.creditloop-simulation``, as the CLI reads it) marks it as synthetic.
        legacy = self.embedded and (settings.data_dir / ".creditloop-simulation").exists()
        with self.engine.begin() as connection:
            recorded = read_purpose(connection)
            if recorded is None:
                recorded = SIMULATION if legacy else stamp_purpose(connection, OPERATING)
            self.purpose = recorded

    @property
    def bus(self) -> MessageBus:
        """This thread's message bus (made on first use; a unit of work is never shared between threads)."""
        bus: MessageBus | None = getattr(self._local, "bus", None)
        if bus is None:
            uow = SqlUnitOfWork(self.engine, self._products.__getitem__, total_slots=self.settings.total_slots)
            uow.decisions.cipher = self.cipher  # type: ignore[attr-defined]
            bus = MessageBus(uow, self._policies)
            self._local.bus = bus
        return bus

    @property
    def uow(self) -> Any:
        return self.bus.uow

    def today(self) -> date:
        return self.clock.today()

    def send(self, command: object) -> Any:
        self._writable()
        return self._retrying(lambda bus: bus.handle(command))

    def change(
        self, line_id: str, command_id: str, guard: Guard, make: Callable[[date], object]
    ) -> tuple[Any, LineView]:
        """``app.line_change.change_line``: check the line, send the command, view it after, in one transaction."""
        self._writable()
        return self._retrying(lambda bus: change_line(bus, line_id, command_id, guard, make))

    def submit_application(self, command: c.DecideApplication, seal: Callable[[], SealedPii]) -> Any:
        """``app.customer_pii.submit_application``: the decision and an approved applicant's data, one transaction."""
        self._writable()
        return self._retrying(lambda bus: submit_application(bus, command, seal))

    def read(self, view: Callable[..., T], *args: Any) -> T:
        for attempt in range(ATTEMPTS):
            try:
                return view(self.uow, *args)
            except Exception as exc:
                if attempt == ATTEMPTS - 1 or not is_transient(exc):
                    raise
                _pause(attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _writable(self) -> None:
        if self.purpose != OPERATING:
            raise DomainError(
                "this server runs on a simulation's ledger (synthetic books); it serves reads only",
                code="read_only_ledger",
            )

    def _retrying(self, step: Callable[[MessageBus], T]) -> T:
        for attempt in range(ATTEMPTS):
            try:
                with self._write_turn:
                    return step(self.bus)
            except Exception as exc:
                if attempt == ATTEMPTS - 1 or not is_transient(exc):
                    raise
            _pause(attempt)
        raise AssertionError("unreachable")  # pragma: no cover


def _pause(attempt: int) -> None:
    time.sleep(random.uniform(0.5, 1.0) * min(0.1, BACKOFF_S * 2**attempt))  # jitter, not a secret
