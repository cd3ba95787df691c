"""Deciding a chunk of applications at once, with exactly the outcome of deciding them one by one.

``decide_many`` takes a chunk in time order (the caller sorts by ``applied_at``; the CLI's chunk is 500) inside
the caller's transaction, and pays per chunk what ``decide`` pays per application: one query for the ids already
decided, one for the lines that already exist, the velocity snapshots through the history's
``snapshot_and_record_many`` (each sees every earlier application, the chunk's included), then the pure
decision per application, and one ``executemany`` per table for the decision records, audit rows and lines.

The semantics are ``decide``'s, row for row: a retry returns the recorded decision and writes nothing; another
form under a decided id is a conflict; a refused row writes nothing of its own and later rows do not see it.
Whatever the fast path cannot promise falls back to ``decide`` one by one — a chunk with one application id
twice, arms with different velocity windows, a store without the bulk methods, a line that may already exist —
and so does the rest of a chunk after a row refused *after* its snapshot (the model refused its PD, say): the
history rows of that row and of the ones after it are taken back out (``forget``), then each is decided alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from creditloop.app import commands as c
from creditloop.app.ports import StoredDecision, UnitOfWork
from creditloop.app.underwriting import (
    Prepared,
    Records,
    Underwriting,
    decide,
    decide_pure,
    prepare,
    record_audit,
    recorded,
)
from creditloop.app.validation import check_command
from creditloop.core.errors import CreditloopError
from creditloop.products.terms import Product
from creditloop.strategy.underwriting import UnderwritingDecision
from creditloop.strategy.velocity import VelocitySnapshot

Result = UnderwritingDecision | CreditloopError


def decide_many(
    cmds: Sequence[c.DecideApplication], uow: UnitOfWork, underwriting: Underwriting, default_product: Product
) -> list[Result]:
    """Each command's decision, or the error that refused it (nothing of that row written), in input order."""
    out: list[Result | None] = [None] * len(cmds)
    todo: list[tuple[int, Prepared]] = []
    for i, cmd in enumerate(cmds):
        try:
            check_command(cmd)
            todo.append((i, prepare(cmd, underwriting)))
        except CreditloopError as exc:
            out[i] = exc
    if not _fast_path_possible(todo, uow, underwriting):
        for i, p in todo:
            out[i] = _one(p.cmd, uow, underwriting, default_product)
        return _done(out)
    bulk: Any = uow.decisions  # the bulk methods are checked above (SQL and memory stores have them)
    known: dict[str, StoredDecision] = bulk.get_many([p.decision_id for _, p in todo])
    fresh: list[tuple[int, Prepared]] = []
    for i, p in todo:
        try:
            again = recorded(p, known.get(p.decision_id))
        except CreditloopError as exc:
            out[i] = exc
            continue
        if again is not None:
            out[i] = again
        else:
            fresh.append((i, p))
    _decide_fresh(fresh, out, uow, underwriting, default_product)
    return _done(out)


def _fast_path_possible(todo: list[tuple[int, Prepared]], uow: UnitOfWork, underwriting: Underwriting) -> bool:
    if underwriting.consortium is not None:
        return False  # each row asks the consortium (issue #19) inside ``decide``: one by one
    stores = (uow.decisions, uow.applications, uow.lines, uow.audit)
    needs = (("get_many", "save_many"), ("forget",), ("existing", "add_new"), ())
    if not all(hasattr(s, name) for s, names in zip(stores, needs, strict=True) for name in names):
        return False
    if len({_windows(a.checks) for a in underwriting.arms.values()}) != 1:
        return False
    ids = [p.decision_id for _, p in todo]
    if len(set(ids)) != len(ids):
        return False  # the second sees the first's decision: one by one
    line_ids = [f"L-{p.cmd.customer_id}" for _, p in todo if p.cmd.open_line]
    if len(set(line_ids)) != len(line_ids):
        return False
    return not uow.lines.existing(line_ids)  # type: ignore[attr-defined]


def _windows(checks: Any) -> tuple[tuple[int, ...], int]:
    return (tuple(checks.velocity_windows_days), checks.reuse_window_days)


def _decide_fresh(
    fresh: list[tuple[int, Prepared]],
    out: list[Result | None],
    uow: UnitOfWork,
    underwriting: Underwriting,
    default_product: Product,
) -> None:
    if not fresh:
        return
    windows, reuse = _windows(next(iter(underwriting.arms.values())).checks)
    snapshots = uow.applications.snapshot_and_record_many([p.keys for _, p in fresh], windows, reuse)
    written: list[Records] = []
    for k, ((i, p), snapshot) in enumerate(zip(fresh, snapshots, strict=True)):
        try:
            decision, records = decide_pure(p, snapshot, underwriting, default_product)
        except CreditloopError:
            _take_back(fresh[k:], snapshots[k:], uow)
            _write(written, uow)
            for j, q in fresh[k:]:
                out[j] = _one(q.cmd, uow, underwriting, default_product)
            return
        out[i] = decision
        written.append(records)
    _write(written, uow)


def _take_back(rest: list[tuple[int, Prepared]], snapshots: Sequence[VelocitySnapshot], uow: UnitOfWork) -> None:
    """Remove the history rows this chunk recorded for ``rest`` (not those stored before: a resubmission)."""
    ids = [p.keys.application_id for (_, p), s in zip(rest, snapshots, strict=True) if not s.same_id_earlier]
    uow.applications.forget(ids)  # type: ignore[attr-defined]


def _write(written: list[Records], uow: UnitOfWork) -> None:
    uow.decisions.save_many([r.stored for r in written])  # type: ignore[attr-defined]
    record_audit(uow.audit, [r.audit for r in written])
    for r in written:
        if r.line is not None:
            uow.lines.add_new(r.line)  # type: ignore[attr-defined]


def _one(cmd: c.DecideApplication, uow: UnitOfWork, underwriting: Underwriting, default_product: Product) -> Result:
    try:
        return decide(cmd, uow, underwriting, default_product)
    except CreditloopError as exc:  # refused before anything of this row was written
        return exc


def _done(out: list[Result | None]) -> list[Result]:
    assert all(r is not None for r in out)
    return [r for r in out if r is not None]
