"""The audit group commit: every query waits for its own batch's commit, batches are bounded, a failed write fails
its whole batch (no answer without its audit row) and the next batch still commits."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, date, datetime

import pytest

pytest.importorskip("anyio")

from creditloop.consortium.answers import AuditRecord
from creditloop.entrypoints.consortium.audit_writer import AuditWriter, Row

AT = datetime(2026, 6, 15, tzinfo=UTC)


def row(n: int) -> Row:
    return (AT, AuditRecord(date(2026, 6, 15), "E", "credit_application", f"{n:08x}", "answer"))


def test_batches_are_bounded_and_every_row_is_committed_before_its_waiter_returns() -> None:
    committed: list[list[str]] = []

    def write(rows: Sequence[Row]) -> None:
        committed.append([r.pseudonym_prefix for _, r in rows])

    async def main() -> list[int]:
        writer = AuditWriter(write, max_batch=4)
        seen: list[int] = []

        async def one(n: int) -> None:
            await writer.append([row(n)])
            assert any(f"{n:08x}" in batch for batch in committed)  # committed before the answer could leave
            seen.append(n)

        await asyncio.gather(*(one(n) for n in range(10)))
        return seen

    seen = asyncio.run(main())
    assert sorted(seen) == list(range(10))
    assert all(len(batch) <= 4 for batch in committed) and sum(map(len, committed)) == 10
    assert len(committed) >= 3


def test_a_failed_write_fails_its_batch_and_the_next_one_commits() -> None:
    calls = []

    def write(rows: Sequence[Row]) -> None:
        calls.append(len(rows))
        if len(calls) == 1:
            raise OSError("disk full")

    async def main() -> tuple[BaseException | None, BaseException | None]:
        writer = AuditWriter(write)
        first = await asyncio.gather(writer.append([row(1)]), return_exceptions=True)
        second = await asyncio.gather(writer.append([row(2)]), return_exceptions=True)
        return first[0], second[0]

    failed, ok = asyncio.run(main())
    assert isinstance(failed, OSError) and ok is None and calls == [1, 1]
