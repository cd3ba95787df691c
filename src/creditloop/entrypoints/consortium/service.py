"""The service's state: the registry (in memory, rebuilt from the store on start), the store, the key cache, the
audit writer, rate limits and the clock; and the operations the routes call.

Writes (consents, contributions) are serialised by one lock and applied to the registry first (which validates and
refuses bad input before anything is written), then to the store; should the store fail, the registry is reloaded
from it (or, when the store cannot even be read, marked stale and reloaded before anything else is answered or
written), so memory never holds what the database does not. A consent batch is checked on a draft instead and
reaches the registry only after its one transaction committed. Queries read the registry in the event loop and wait
for their audit row's group commit."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import date

from anyio.to_thread import run_sync

from creditloop.adapters.clock import SystemClock
from creditloop.adapters.sqlalchemy.consortium_store import GRANT, REVOKE, ConsortiumStore, open_store
from creditloop.consortium.answers import Answer, AuditLog, Policy, query
from creditloop.consortium.pseudonym import check_pseudonym
from creditloop.consortium.signals import PURPOSES, ConsentRefused, Contribution
from creditloop.core.clock import Clock
from creditloop.core.errors import ValidationError
from creditloop.entrypoints.api.ratelimit import TokenBuckets
from creditloop.entrypoints.consortium.audit_writer import AuditWriter
from creditloop.entrypoints.consortium.keys import KeyCache
from creditloop.entrypoints.consortium.settings import ConsortiumSettings


class ConsortiumService:
    def __init__(
        self, settings: ConsortiumSettings, clock: Clock | None = None, store: ConsortiumStore | None = None
    ) -> None:
        if settings.database_url is None:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = store or open_store(settings.url(), full_sync=settings.full_sync)
        self.registry = self.store.load_registry()
        self.clock: Clock = clock or SystemClock(settings.business_timezone)
        self.policy = Policy(settings.min_members, settings.max_age_days)
        self.keys = KeyCache(self.store.get_key, marker=settings.revocation_marker())
        self.buckets = TokenBuckets(settings.rate_per_second, settings.rate_burst)
        self.audit = AuditWriter(self.store.append_audit)
        self.write_lock = asyncio.Lock()
        self.stale = False  # a failed write could not be undone in memory: reload before answering anything

    def knows(self, member_id: str) -> bool:
        """A member not in the registry (admitted after start?) is looked up once in the store."""
        if self.registry.is_member(member_id):
            return True
        if member_id in self.store.member_ids():
            self.registry.admit(member_id)
            return True
        return False

    def not_future(self, on: date | None, field: str) -> date:
        today = self.clock.today()
        if on is None:
            return today
        if on > today:
            raise ValidationError(f"{field} is in the future (today is {today})", field=field)
        return on

    async def _undo(self) -> None:
        """After a failed write: memory back to the store's state; if the store cannot even be read, memory is
        marked stale (it holds the refused write) and nothing is answered or written until it is reloaded."""
        try:
            self.registry = await run_sync(self.store.load_registry)
        except Exception:
            self.stale = True

    async def _fresh(self) -> None:
        if self.stale:
            self.registry = await run_sync(self.store.load_registry)  # raises while the store is down: 503
            self.stale = False

    async def consent(self, kind: str, member_id: str, key_id: str, pseudonym: str, purpose: str, on: date) -> None:
        async with self.write_lock:
            await self._fresh()
            change = self.registry.grant if kind == GRANT else self.registry.revoke
            change(member_id, key_id, pseudonym, purpose, on)  # validates; raises before any change
            try:
                await run_sync(self.store.record_consent, kind, member_id, key_id, pseudonym, purpose, on,
                               self.clock.now())  # fmt: skip
            except Exception:
                await self._undo()
                raise

    async def consent_many(
        self, kind: str, member_id: str, items: Sequence[tuple[str, str, str, date | None]]
    ) -> list[date]:
        """A batch of ``(key_id, pseudonym, purpose, on)``, all recorded or none: each item checked in order as
        ``consent`` checks it (``on`` not in the future, the pseudonym, then the registry's rules against the
        registry and the items before it), the first refusal naming ``items[i].<field>``; then one store
        transaction; the registry takes the batch only after the commit. The dates recorded, in order."""
        async with self.write_lock:
            await self._fresh()
            draft = self.registry.draft(member_id)
            change = draft.grant if kind == GRANT else draft.revoke
            dates: list[date] = []
            for i, (key_id, value, purpose, on) in enumerate(items):
                try:
                    day = self.not_future(on, "on")
                    change(key_id, check_pseudonym(value), purpose, day)
                except ValidationError as exc:
                    raise ValidationError(f"items[{i}]: {exc.message}", field=f"items[{i}].{exc.field}") from None
                dates.append(day)
            rows = [(k, p, purpose, day) for (k, p, purpose, _), day in zip(items, dates, strict=True)]
            try:
                await run_sync(self.store.record_consents, kind, member_id, rows, self.clock.now())
            except Exception:
                await self._undo()  # a commit whose acknowledgement was lost: memory follows the store
                raise
            self.registry.apply(draft)
            return dates

    async def contribute(self, c: Contribution) -> None:
        async with self.write_lock:
            await self._fresh()
            self.registry.contribute(c)  # checks member and sharing consent
            try:
                await run_sync(self.store.record_contribution, c, self.clock.now())
            except Exception:
                await self._undo()
                raise

    async def ask(self, member_id: str, purpose: str, pseudonyms: Mapping[str, str]) -> Answer:
        """The thresholded answer; the audit row (refused queries' too) is committed before this returns."""
        if self.stale:  # checked here: the query is the hot path (no coroutine when nothing is stale)
            await self._fresh()
        log = AuditLog()
        at = self.clock.now()
        try:
            return query(self.registry, log, member_id, purpose, pseudonyms, self.clock.today(), self.policy)
        finally:
            if log.records:
                await self.audit.append([(at, r) for r in log.records])

    async def ask_many(
        self, member_id: str, purpose: str, subjects: Sequence[Mapping[str, str]]
    ) -> list[Answer | ConsentRefused]:
        """``ask`` for each subject, in order: each answer thresholded on its own, each consent checked on its own
        (a refusal is that subject's ``ConsentRefused``, audited as refused), one audit row per subject, all in one
        group commit before any answer leaves. Every subject is checked first: a malformed one refuses the whole
        batch before any question is asked (nothing audited), as a malformed single query."""
        self.registry.check_member(member_id)
        if purpose not in PURPOSES:
            raise ValidationError(f"purpose must be one of {', '.join(PURPOSES)}", field="purpose")
        for i, pseudonyms in enumerate(subjects):
            for value in pseudonyms.values():
                check_pseudonym(value, f"subjects[{i}]")
        log = AuditLog()
        at, today = self.clock.now(), self.clock.today()
        out: list[Answer | ConsentRefused] = []
        try:
            for pseudonyms in subjects:
                try:
                    out.append(query(self.registry, log, member_id, purpose, pseudonyms, today, self.policy))
                except ConsentRefused as refused:
                    out.append(refused)
        finally:
            if log.records:
                await self.audit.append([(at, r) for r in log.records])
        return out


__all__ = ["GRANT", "REVOKE", "ConsortiumService"]
