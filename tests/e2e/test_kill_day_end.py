"""kill -9 during day-end: ``creditloop day-end`` on a book of many lines is SIGKILLed mid-way, run again, and
its journal export is byte-identical to an uninterrupted run on a copy of the same book."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from creditloop.app import commands as c
from creditloop.bootstrap import build
from creditloop.config import Settings
from creditloop.jobs.day_end import run_day_end_job

LINES = 60
OPENED = date(2024, 1, 1)
THROUGH = "2024-03-31"
DATES = (date(2024, 3, 31) - OPENED).days + 1  # day-end already ran for the opening date


def _cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "creditloop", *args], capture_output=True, text=True, timeout=timeout, env=_env()
    )


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITLOOP_")}
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def _book(data_dir: Path) -> None:
    """Lines with purchases over the first days: months of statements, fees and penalties to close."""
    system = build(Settings(data_dir=data_dir))
    with system.bus.batch() as bus:
        for i in range(LINES):
            line_id = f"K{i:04d}"
            bus.handle(c.OpenLine(line_id, f"C{i:04d}", 5_000_000, OPENED))
            for k in range(3):
                on = OPENED + timedelta(days=k * 3 + 1 + i % 3)
                bus.handle(c.Purchase(f"p{k}", line_id, 10_000 * (1 + (i + k) % 7), (1, 3, 6)[k], on))
            if i % 2:
                bus.handle(c.Repay("pay1", line_id, 5_000, OPENED + timedelta(days=12)))
    run_day_end_job(system.bus.uow, OPENED)  # the book's first business date is closed; the rest is pending
    system.bus.uow.engine.dispose()  # type: ignore[attr-defined]


def _done_dates(data_dir: Path) -> int:
    try:
        with sqlite3.connect(f"file:{data_dir / 'ledger.sqlite'}?mode=ro", uri=True, timeout=5) as db:
            return int(db.execute("SELECT count(*) FROM day_end_runs WHERE status = 'DONE'").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_day_end_killed_mid_way_then_rerun_gives_the_same_journal(tmp_path: Path) -> None:
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    _book(killed)
    shutil.copytree(killed, clean)

    proc = subprocess.Popen(
        [sys.executable, "-m", "creditloop", "day-end", "--data-dir", str(killed), "--date", THROUGH, "--chunk", "50"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_env(),
    )
    deadline = time.monotonic() + 120
    while _done_dates(killed) < 10 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "day-end finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    done_at_kill = _done_dates(killed)
    assert 10 <= done_at_kill < DATES  # it really stopped part-way

    rerun = _cli("day-end", "--data-dir", str(killed), "--date", THROUGH, "--json")
    assert rerun.returncode == 0, rerun.stderr
    uninterrupted = _cli("day-end", "--data-dir", str(clean), "--date", THROUGH, "--json")
    assert uninterrupted.returncode == 0, uninterrupted.stderr
    assert _done_dates(killed) == _done_dates(clean) == DATES

    a = _cli("journal", "export", "--data-dir", str(killed))
    b = _cli("journal", "export", "--data-dir", str(clean))
    assert a.returncode == b.returncode == 0, a.stderr + b.stderr
    assert a.stdout.count("\n") > LINES * 10  # purchases, fees, penalties: a real journal
    assert a.stdout == b.stdout  # byte-identical
    verify = _cli("journal", "verify", "--data-dir", str(killed))
    assert verify.returncode == 0, verify.stdout + verify.stderr
