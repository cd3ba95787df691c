"""The API's handle on the system: the bus and read views of ``bootstrap.build``, the key store and the clock.

One unit of work serves every request, so calls take a lock: a unit of work holds one connection at a time. The
lock also makes an ``If-Match`` check and the command it guards one step (no change slips in between).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar, cast

from creditloop.adapters.clock import SystemClock
from creditloop.adapters.sqlalchemy.api_keys import SqlApiKeyStore
from creditloop.adapters.sqlalchemy.pii_store import SqlPiiStore
from creditloop.adapters.sqlalchemy.purpose import OPERATING, SIMULATION, read_purpose, stamp_purpose
from creditloop.bootstrap import build
from creditloop.config import Settings
from creditloop.core.clock import Clock
from creditloop.core.errors import DomainError
from creditloop.entrypoints.api.pii_key import load_cipher

T = TypeVar("T")


class Backend:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        if settings.database_url is None:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        cipher = load_cipher(settings)  # before the ledger is touched: PostgreSQL without a key does not start
        system = build(settings)
        self.bus: Any = system.bus
        self.uow: Any = cast(Any, system.bus.uow)  # the SQL unit of work: it has an engine
        self.engine = self.uow.engine
        self.keys = SqlApiKeyStore(self.engine)
        self.cipher = cipher  # personal data at rest: the application forms' and the customers' (pii.py)
        self.uow.decisions.cipher = cipher
        self.pii_store = SqlPiiStore(self.engine)
        self.settings = settings
        self.clock: Clock = clock or SystemClock(settings.business_timezone)
        self.embedded = settings.database_url is None
        self.data_dir = settings.data_dir if self.embedded else None  # the dashboard's chart marks live there
        self.lock = threading.RLock()
        # A ledger without a purpose yet is an operating one from now on, unless an old simulation's side file
        # (``.creditloop-simulation``, as the CLI reads it) marks it as synthetic.
        legacy = self.embedded and (settings.data_dir / ".creditloop-simulation").exists()
        with self.engine.begin() as connection:
            recorded = read_purpose(connection)
            if recorded is None:
                recorded = SIMULATION if legacy else stamp_purpose(connection, OPERATING)
            self.purpose = recorded

    def today(self) -> date:
        return self.clock.today()

    def send(self, command: object) -> Any:
        if self.purpose != OPERATING:
            raise DomainError(
                "this server runs on a simulation's ledger (synthetic books); it serves reads only",
                code="read_only_ledger",
            )
        with self.lock:
            return self.bus.handle(command)

    def read(self, view: Callable[..., T], *args: Any) -> T:
        with self.lock:
            return view(self.uow, *args)
