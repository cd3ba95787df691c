"""Simulations as background jobs: one worker thread, a short queue, progress and result kept in memory.

Small runs only (the request's bounds: at most 200 customers x 6 months); each runs into a temporary directory
that is removed afterwards, so a job leaves nothing but its summary. A full queue is refused (429), never waited on.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from creditloop.core.clock import Clock

logger = logging.getLogger(__name__)
MAX_QUEUED = 4  # waiting or running
KEEP = 50  # finished jobs remembered


@dataclass
class Job:
    job_id: str
    params: dict[str, Any]
    created_at: datetime
    status: str = "queued"  # queued | running | succeeded | failed
    done: int = 0
    total: int = 0
    result: dict[str, Any] | None = None
    error: str | None = None
    finished_at: datetime | None = field(default=None)

    def view(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id, "status": self.status, "params": self.params,
            "progress": {"done": self.done, "total": self.total,
                         "fraction": round(self.done / self.total, 4) if self.total else 0.0},
            "created_at": self.created_at.isoformat(),
            "finished_at": None if self.finished_at is None else self.finished_at.isoformat(),
            "result": self.result, "error": self.error,
        }  # fmt: skip


class SimulationJobs:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="creditloop-sim")
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self.lock = threading.Lock()

    def active(self) -> int:
        return sum(1 for j in self.jobs.values() if j.status in ("queued", "running"))

    def submit(self, params: dict[str, Any]) -> Job | None:
        """The queued job, or None when the queue is full."""
        with self.lock:
            if self.active() >= MAX_QUEUED:
                return None
            job = Job(uuid.uuid4().hex[:16], params, self.clock.now(), total=params["customers"] * params["months"])
            self.jobs[job.job_id] = job
            while len(self.jobs) > KEEP + MAX_QUEUED:
                oldest = next(iter(self.jobs))
                if self.jobs[oldest].status in ("queued", "running"):
                    break
                self.jobs.pop(oldest)
        self.pool.submit(self._run, job)
        return job

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def _run(self, job: Job) -> None:
        job.status = "running"
        out = Path(tempfile.mkdtemp(prefix="creditloop-sim-job-"))
        try:
            job.result = run(job.params, out, lambda done, total: _progress(job, done, total))
            job.status = "succeeded"
        except Exception as exc:  # a job's failure is its status; the server goes on
            reference = uuid.uuid4().hex[:12]
            logger.error("simulation job failed: %s [ref %s]", type(exc).__name__, reference, exc_info=exc)
            job.status, job.error = "failed", f"the simulation failed (reference {reference})"
        finally:
            job.finished_at = self.clock.now()
            shutil.rmtree(out, ignore_errors=True)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


def _progress(job: Job, done: int, total: int) -> None:
    job.done, job.total = done, total


def config(params: dict[str, Any]) -> Any:
    """The run's ``SimConfig``; the route builds it before queueing, so its ``ValidationError`` (a start that is not
    the first of a month, a shock past the horizon) is a 422, not a 202 and a failed job."""
    from creditloop.simulate.runner import SimConfig
    from creditloop.simulate.scenario import load_scenario

    return SimConfig(params["customers"], params["months"], params["seed"], load_scenario(params["scenario"]),
                     datetime.fromisoformat(params["start"]).date())  # fmt: skip


def run(params: dict[str, Any], out: Path, progress: Any) -> dict[str, Any]:
    from creditloop.simulate.parallel import run_simulation

    result = run_simulation(config(params), out, workers=1, progress=progress)
    return {k: v for k, v in dict(result.summary).items() if k != "data_dir"}
