"""The day-end's month-end behaviour-panel write (issue 14), measured at scale, next to the replay it replaces.

Run: ``PYTHONPATH=src .venv/bin/python bench/bench_ewi_monthend.py [--lines 100000] [--base 500] [--chunk 2000]``

1. Not timed: a SQLite ledger built through the bus (``bench_ewi_run.book``: ``--base`` lines opened 5 Jan 2024,
   six months of purchases and payments, day-end to 31 Jul 2024), then its ``credit_lines`` rows copied with new
   line and customer ids until the ledger holds ``--lines`` lines. Every copy is a real line document with its
   whole command log (seven month ends of history), so loading and re-deriving it costs what a real line costs.
2. Timed, on every line: the day-end's month-end write for 31 Jul (``jobs.day_end._month_rows``: each chunk of
   ``--chunk`` lines loaded, its rows built by ``panel_row`` and replaced, the chunk committed), then the month marked.
3. Timed, on the first ``--replay-lines`` of the same lines (all by default) in the same chunks: the replay
   ``ewi run`` needs without the stored rows (``jobs.ewi_panel.line_panel``: every line re-derived to each of its
   month ends), the baseline; its ms per line are over the lines it replayed.

Wall and CPU seconds of this process are printed for both (the machine is shared: CPU time is the steadier
figure), with ms per line and the ratio.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

from bench_ewi_run import ON, book
from creditloop.adapters.sqlalchemy.tables import behaviour_panel, credit_lines
from creditloop.app.panel_rows import mark_month
from creditloop.jobs.day_end import _month_rows
from creditloop.jobs.ewi_panel import line_panel


def clone(bus: Any, lines: int) -> int:
    """Copy the book's lines (new line and customer ids in the row and the document) up to ``lines`` lines."""
    with bus.uow:
        conn = bus.uow.connection
        base = [dict(r._mapping) for r in conn.execute(sa.select(credit_lines))]
        made = len(base)
        copy = 0
        while made < lines:
            copy += 1
            batch = []
            for row in base[: lines - made]:
                doc = orjson.loads(row["doc"])
                doc["line_id"] = f"{row['line_id']}-c{copy:03d}"
                doc["customer_id"] = f"{row['customer_id']}-c{copy:03d}"
                batch.append({**row, "line_id": doc["line_id"], "customer_id": doc["customer_id"],
                              "doc": orjson.dumps(doc).decode()})  # fmt: skip
            conn.execute(credit_lines.insert(), batch)
            made += len(batch)
        bus.uow.commit()
    return made


def timed(fn: Any) -> tuple[Any, float, float]:
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def replay(bus: Any, chunk: int, limit: int | None) -> int:
    rows = 0
    with bus.uow:
        ids = bus.uow.lines.ids()[:limit]
    for start in range(0, len(ids), chunk):
        with bus.uow:
            part = ids[start : start + chunk]
            bus.uow.lines.load_many(part)
            for line_id in part:
                rows += len(line_panel(bus.uow.lines.get(line_id), ON)[0])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--base", type=int, default=500)
    parser.add_argument("--chunk", type=int, default=2_000)
    parser.add_argument("--replay-lines", type=int, default=None)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="ewi-monthend-"))
    t0 = time.perf_counter()
    bus = book(data_dir, args.base)
    lines = clone(bus, args.lines)
    built = time.perf_counter() - t0
    with bus.uow:  # the write is measured from scratch: July's rows are gone, as before the month's close
        bus.uow.connection.execute(behaviour_panel.delete().where(behaviour_panel.c.month_end_on == ON))
        bus.uow.commit()

    def write() -> int:
        marked = _month_rows(bus.uow, ON, args.chunk)
        assert marked is not None
        with bus.uow:
            mark_month(*marked)
            bus.uow.commit()
        return marked[2]

    written, write_wall, write_cpu = timed(write)
    replayed, replay_wall, replay_cpu = timed(lambda: replay(bus, args.chunk, args.replay_lines))
    per, replay_per = 1000 / lines, 1000 / min(lines, args.replay_lines or lines)
    print(json.dumps({
        "lines": lines, "base_lines": args.base, "chunk": args.chunk, "build_s": round(built, 1),
        "month_end_write": {"rows": written, "wall_s": round(write_wall, 1), "cpu_s": round(write_cpu, 1),
                            "ms_per_line_wall": round(write_wall * per, 3), "ms_per_line_cpu": round(write_cpu * per, 3)},
        "replay": {"lines": min(lines, args.replay_lines or lines), "rows": replayed, "wall_s": round(replay_wall, 1),
                   "cpu_s": round(replay_cpu, 1), "ms_per_line_wall": round(replay_wall * replay_per, 3),
                   "ms_per_line_cpu": round(replay_cpu * replay_per, 3)},
        "replay_over_write_per_line_cpu": round(replay_cpu * replay_per / (write_cpu * per), 1),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
