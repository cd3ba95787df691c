"""``/simulations``: start a small synthetic-portfolio run as a background job (202 with the job's URL) and read
its progress and result."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from creditloop._extras import MissingExtra, require_extra
from creditloop.core.errors import ValidationError
from creditloop.entrypoints.api.deps import Be, Caller, caller
from creditloop.entrypoints.api.problems import Problem
from creditloop.entrypoints.api.schemas_more import SimulationBody
from creditloop.entrypoints.api.sim_jobs import SimulationJobs, config

router = APIRouter(prefix="/simulations", tags=["simulations"], dependencies=[Depends(caller)])
JobId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")]


def jobs_of(app: Any, be: Any) -> SimulationJobs:
    """The app's job runner, made on first use."""
    state = app.state
    with be.lock:
        if getattr(state, "simulations", None) is None:
            state.simulations = SimulationJobs(be.clock)
    found: SimulationJobs = state.simulations
    return found


@router.post("", status_code=202, operation_id="start_simulation", summary="Start a small simulation (a job)")
def start(body: SimulationBody, who: Caller, be: Be, request: Request, response: Response) -> dict[str, Any]:
    """One worker runs the jobs in turn; with four waiting or running, a new one is refused (429)."""
    try:
        require_extra("sim")
    except MissingExtra:
        raise Problem(409, "extra_missing", "simulations need the sim extra on the server "
                      "(pip install 'creditloop[sim]')") from None  # fmt: skip
    params = {**body.model_dump(), "start": body.start.isoformat()}
    try:
        config(params)
    except ValidationError as exc:  # the config names its own fields: start_on is the body's start
        field = {"start_on": "start", "shock_month": "months"}.get(exc.field or "", exc.field)
        raise Problem(422, "invalid_input", exc.message.replace("start_on", "start"), field=field) from None
    job = jobs_of(request.app, be).submit(params)
    if job is None:
        raise Problem(429, "rate_limited", "the simulation queue is full; retry later", headers={"Retry-After": "30"})
    url = f"/api/v1/simulations/{job.job_id}"
    response.headers["Location"] = url
    return {**job.view(), "url": url}


@router.get("/{job_id}", operation_id="get_simulation", summary="A simulation job: progress, then its result")
def get(job_id: JobId, who: Caller, be: Be, request: Request) -> dict[str, Any]:
    job = jobs_of(request.app, be).get(job_id)
    if job is None:
        raise Problem(404, "not_found", "no such simulation job")
    return job.view()
