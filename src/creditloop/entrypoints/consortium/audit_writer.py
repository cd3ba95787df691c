"""Group commit of query audit rows: each query waits until its row is committed, then its answer is sent.

Queries arriving while a batch is being written join the next batch (at most ``MAX_BATCH`` queries a batch), so
at 500 queries/s the store sees a few dozen transactions per second, not 500, and still no answer leaves before its
audit row is durable. If a write fails, every query of that batch fails (503): an unaudited answer is never sent.
The window is adaptive, not timed: a batch waits for nothing but the commit before it, so an idle service commits
a lone query at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime

import anyio.to_thread

from creditloop.consortium.answers import AuditRecord

Row = tuple[datetime, AuditRecord]


MAX_BATCH = 256  # queries per transaction at most: bounds one commit's duration under a backlog


class AuditWriter:
    def __init__(self, write: Callable[[Sequence[Row]], None], max_batch: int = MAX_BATCH) -> None:
        self.write = write
        self.max_batch = max_batch
        self.pending: list[tuple[Sequence[Row], asyncio.Future[None]]] = []
        self.task: asyncio.Task[None] | None = None
        self.batches = 0  # transactions written (the bench reports rows per batch)

    async def append(self, rows: Sequence[Row]) -> None:
        """Return once ``rows`` are committed; raise what the write raised otherwise."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self.pending.append((rows, done))
        task = self.task
        if task is None or task.done() or task.get_loop() is not loop:
            self.task = loop.create_task(self.flush())
        await done

    async def flush(self) -> None:
        while self.pending:
            batch, self.pending = self.pending[: self.max_batch], self.pending[self.max_batch :]
            rows = [row for part, _ in batch for row in part]
            try:
                await anyio.to_thread.run_sync(self.write, rows)
            except Exception as exc:  # every waiter of the batch fails: none of them is audited
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            self.batches += 1
            for _, done in batch:
                if not done.done():
                    done.set_result(None)
