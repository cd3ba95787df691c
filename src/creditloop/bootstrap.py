"""The only place that builds adapters and wires handlers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from creditloop.app.bus import MessageBus, Subscriber
from creditloop.app.handlers import Policies
from creditloop.app.memory import MemoryEventLog, MemoryUnitOfWork
from creditloop.collections.hardship import default_hardship_policy
from creditloop.config import Settings
from creditloop.core.errors import NotFound, ValidationError
from creditloop.products.caps import check_product
from creditloop.products.terms import Product, default_product, load_catalog
from creditloop.servicing.events import ALL_EVENTS, DomainEvent
from creditloop.strategy.origination import default_policy


@cache
def default_policies(cap_regime: str | None = "cn_licensed", on: date | None = None) -> Policies:
    """The packaged product and policies; the product is checked against the pricing cap when it is defined.

    Cached (``Policies`` is frozen): checking every option on every day of a cycle takes a fifth of a second, and
    a simulation builds a system per block."""
    product = default_product()
    if cap_regime is not None:
        check_product_cycle(product, on or date(2024, 1, 1), cap_regime)
    return Policies(product, default_policy(), default_hardship_policy(), cap_regime)


def check_product_cycle(product: Product, month: date, cap_regime: str) -> None:
    """Every option, bought on every day of a 31-day cycle: the rate depends on the day of purchase."""
    start = month.replace(day=1)
    for offset in range(31):
        check_product(product, start + timedelta(days=offset), cap_regime)


class ProductCatalog(dict[str, Product]):
    """Products by ``id@version``; an unknown version is a clear error, not a KeyError."""

    def __missing__(self, key: str) -> Product:
        # A line opened on an underwriting price tier (a catalog product with the tier's fees) reloads on it.
        from creditloop.app.underwriting_setup import tier_product

        product = tier_product(key)
        if product is None:
            raise NotFound(f"product {key!r} is not in the catalog", field="product")
        self[key] = product
        return product


def product_lookup(policies: Policies) -> ProductCatalog:
    return ProductCatalog({**load_catalog(), policies.product.key: policies.product})


Subscribers = dict[type[DomainEvent], list[Subscriber]]


def subscribe_event_log(log: MemoryEventLog, subscribers: Subscribers | None = None) -> Subscribers:
    """Every domain event to an in-memory event log (what jobs and tests read to see what happened)."""
    out: Subscribers = {kind: list(subs) for kind, subs in (subscribers or {}).items()}
    for kind in ALL_EVENTS:
        out.setdefault(kind, []).append(log)
    return out


@dataclass
class System:
    bus: MessageBus
    data_dir: Path | None
    database_url: str | None


def build_memory(policies: Policies | None = None, subscribers: Subscribers | None = None) -> System:
    """A bus over the in-memory unit of work; ``subscribers``: domain event type -> handlers (none by default:
    lines then record no events at all)."""
    policies = policies or default_policies()
    products = product_lookup(policies)
    return System(MessageBus(MemoryUnitOfWork(products.__getitem__), policies, subscribers=subscribers), None, None)


def with_consortium(policies: Policies, settings: Settings) -> Policies:
    """Underwriting asks the consortium when ``CREDITLOOP_CONSORTIUM_URL`` is set (issue #19); else unchanged."""
    if settings.consortium_url is None:
        return policies
    from dataclasses import replace

    from creditloop._extras import require_extra

    require_extra("service", "httpx")
    from creditloop.adapters.consortium_client import ConsortiumClient, load_keyring
    from creditloop.app.underwriting_setup import default_underwriting

    if settings.consortium_member_key is None or settings.consortium_key_file is None:
        raise ValidationError("a consortium needs its URL, a member key and a key file together",
                              field="consortium_member_key")  # fmt: skip
    ring = load_keyring(settings.consortium_key_file)
    key, timeout = settings.consortium_member_key, settings.consortium_timeout_s
    client = ConsortiumClient(settings.consortium_url, key, ring, timeout_s=timeout)
    underwriting = policies.underwriting or default_underwriting()
    return replace(policies, underwriting=replace(underwriting, consortium=client))


def ewi_consortium(settings: Settings, data_dir: Path, budget_s: float) -> Any:
    """The nightly early-warning run's consortium (``ewi run --consortium``): the client of the settings and the
    member's pseudonym file in ``data_dir``; all three settings or a clear error naming the field."""
    from creditloop._extras import require_extra

    require_extra("service", "httpx")
    from creditloop.adapters.consortium_client import ConsortiumClient, load_keyring
    from creditloop.adapters.consortium_member_file import FILE_NAME, MemberFile
    from creditloop.app.consortium_ewi import EarlyWarningConsortium

    names = ("consortium_url", "consortium_member_key", "consortium_key_file")
    missing = [n for n in names if getattr(settings, n) is None]
    if missing or settings.consortium_url is None or settings.consortium_member_key is None:
        raise ValidationError(f"{missing[0]} is not set: a consortium needs its URL, a member key and a key file",
                              field=missing[0])  # fmt: skip
    assert settings.consortium_key_file is not None
    ring = load_keyring(settings.consortium_key_file)
    client = ConsortiumClient(settings.consortium_url, settings.consortium_member_key, ring,
                              timeout_s=settings.consortium_timeout_s)  # fmt: skip
    return EarlyWarningConsortium(client, MemberFile(data_dir / FILE_NAME, ring), budget_s)


def build(
    settings: Settings,
    policies: Policies | None = None,
    *,
    fresh: bool = False,
    single_writer: bool = False,
    subscribers: Subscribers | None = None,
) -> System:
    """A bus over the SQL ledger named by the settings (SQLite file in the data directory by default).

    ``single_writer``: the caller is the database's only writer (a simulation's own file), so committed
    lines stay in memory between units of work."""
    from creditloop.adapters.sqlalchemy.db import make_engine, migrate, sqlite_url
    from creditloop.adapters.sqlalchemy.uow import SqlUnitOfWork

    policies = policies or default_policies()
    if not fresh:  # a simulation's synthetic world never asks the real consortium
        policies = with_consortium(policies, settings)
    products = product_lookup(policies)
    data_dir = settings.data_dir
    url = settings.database_url or sqlite_url(data_dir.resolve())
    if fresh and url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            (data_dir / f"ledger.sqlite{suffix}").unlink(missing_ok=True)
    # A single writer here is a simulation writing its own file, rebuilt from the seed after any crash.
    engine = make_engine(url, durable=not (single_writer and url.startswith("sqlite")))
    migrate(engine)
    if fresh:  # only a simulation starts its file afresh: mark the ledger as synthetic, inside the database
        from creditloop.adapters.sqlalchemy.purpose import SIMULATION, stamp_purpose

        with engine.begin() as connection:
            stamp_purpose(connection, SIMULATION)
    uow = SqlUnitOfWork(engine, products.__getitem__, single_writer=single_writer, total_slots=settings.total_slots)
    return System(MessageBus(uow, policies, subscribers=subscribers), data_dir, url)
