"""Hardship options: the cost of generating, valuing and ranking the offer, against its baseline — the previews
it runs (one ``Restructure(preview=True)`` per option), side by side on the same lines.

    PYTHONPATH=src .venv/bin/python bench/bench_hardship_options.py [--lines 50]

Memory bus; each line holds a 12-month and a 6-month plan and is 71 days past due on the request date. Times are
CPU seconds of this process (``time.process_time``), so a loaded shared machine inflates them less than wall time.
"""

from __future__ import annotations

import argparse
import platform
import time
from datetime import date

from creditloop.app import commands as c
from creditloop.app import hardship_commands as h
from creditloop.app.bus import MessageBus
from creditloop.app.memory import MemoryUnitOfWork
from creditloop.bootstrap import default_policies
from creditloop.collections.options import candidates
from creditloop.collections.options_policy import default_options_policy

ON = date(2024, 4, 21)


def book(n: int) -> MessageBus:
    p = default_policies()
    bus = MessageBus(MemoryUnitOfWork({p.product.key: p.product}.__getitem__), p)
    for k in range(n):
        bus.handle(c.OpenLine(f"L{k}", f"C{k}", 1_000_000, date(2024, 1, 5)))
        bus.handle(c.Purchase(f"b{k}", f"L{k}", 300_000, 12, date(2024, 1, 6)))
        bus.handle(c.Purchase(f"d{k}", f"L{k}", 100_000, 6, date(2024, 2, 15)))
    bus.handle(c.RunDayEnd(date(2024, 4, 20)))
    for k in range(n):
        bus.handle(h.SubmitHardshipRequest(f"r{k}", f"L{k}", ON, "customer", "other", 500_000, 350_000, False))
    return bus


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=50)
    n = parser.parse_args().lines
    policy = default_options_policy()
    baseline_bus, bus = book(n), book(n)
    with baseline_bus.uow:  # the candidates the generator previews on these lines (same for every line)
        from creditloop.app.hardship_options import options_case

        line = baseline_bus.uow.lines.get("L0")
        request = baseline_bus.uow.hardship.get_request("r0")  # type: ignore[attr-defined]
        todo, _ = candidates(options_case(line, request, ON), policy)
    t = time.process_time()
    for k in range(n):
        for cand in todo:
            baseline_bus.handle(c.Restructure(f"v{k}{cand.option_id}", f"L{k}", cand.kind, ON, cand.params, True))
    baseline = (time.process_time() - t) / n
    t = time.process_time()
    for k in range(n):
        bus.handle(h.GenerateHardshipOptions(f"r{k}", ON))
    generate = (time.process_time() - t) / n
    t = time.process_time()
    for k in range(n):
        bus.handle(h.AcceptHardshipOption(f"r{k}", "TE24", "agent", ON))
    accept = (time.process_time() - t) / n
    t = time.process_time()
    bus.handle(h.TrackHardshipPlans(date(2024, 6, 16)))
    track = (time.process_time() - t) / n
    print(f"{platform.processor() or platform.machine()}, {n} lines, {len(todo)} options previewed per request")
    print(f"baseline: {len(todo)} Restructure previews   {baseline * 1000:8.1f} ms CPU per request")
    print(f"options: generate + value + rank + store  {generate * 1000:8.1f} ms CPU per request  "
          f"(x{generate / baseline:.2f} the previews)")  # fmt: skip
    print(f"accept (preview, authority, apply, store)  {accept * 1000:8.1f} ms CPU per plan")
    print(f"track (payments vs schedule)              {track * 1000:8.2f} ms CPU per plan")


if __name__ == "__main__":
    main()
