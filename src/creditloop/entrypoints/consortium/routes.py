"""``/consortium/v1``: consents, contributions and queries; every route authenticates a member key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from creditloop.consortium.pseudonym import check_pseudonym
from creditloop.consortium.signals import Contribution
from creditloop.entrypoints.api.problems import Problem
from creditloop.entrypoints.consortium.keys import check_secret, key_id_of
from creditloop.entrypoints.consortium.schemas import ConsentBody, ContributionBody, QueryBody
from creditloop.entrypoints.consortium.service import GRANT, REVOKE, ConsortiumService

_bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer <member key>")
_UNAUTHORISED = {"WWW-Authenticate": 'Bearer realm="creditloop-consortium"'}


def service(request: Request) -> ConsortiumService:
    svc: ConsortiumService = request.app.state.service
    return svc


Svc = Annotated[ConsortiumService, Depends(service)]


async def member(svc: Svc, bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    """The calling member: 401 without a live key, 403 for a key of a member the registry does not know, 429
    past the member's rate (one bucket per member, whatever number of keys it holds)."""
    presented = "" if bearer is None else bearer.credentials
    key_id = key_id_of(presented)
    stored = None if key_id is None else svc.keys.cached(key_id)
    if key_id is not None and stored is None:
        stored = await run_in_threadpool(svc.keys.load, key_id)
    member_id = check_secret(stored, presented)
    if member_id is None:
        raise Problem(401, "unauthorised", "a valid member key is required (Authorization: Bearer <key>)",
                      headers=_UNAUTHORISED)  # fmt: skip
    if member_id not in svc.registry.members and not await run_in_threadpool(svc.knows, member_id):
        raise Problem(403, "unknown_member", "this key's member is not a consortium member", field="member_id")
    wait = svc.buckets.take(member_id)
    if wait is not None:
        raise Problem(429, "rate_limited", f"too many requests from this member; retry in {wait} s",
                      headers={"Retry-After": str(wait)})  # fmt: skip
    return member_id


Member = Annotated[str, Depends(member)]
router = APIRouter(tags=["consortium"])


@router.post("/consents", status_code=201, operation_id="consent_grant", summary="Record a subject's consent")
async def grant(body: ConsentBody, who: Member, svc: Svc) -> dict[str, str]:
    on = svc.not_future(body.on, "on")
    await svc.consent(GRANT, who, body.key_id, check_pseudonym(body.pseudonym), body.purpose, on)
    return {"status": "granted", "purpose": body.purpose, "on": on.isoformat()}


@router.post("/consents/revoke", operation_id="consent_revoke", summary="Record a revocation of consent")
async def revoke(body: ConsentBody, who: Member, svc: Svc) -> dict[str, str]:
    on = svc.not_future(body.on, "on")
    await svc.consent(REVOKE, who, body.key_id, check_pseudonym(body.pseudonym), body.purpose, on)
    return {"status": "revoked", "purpose": body.purpose, "on": on.isoformat()}


@router.post("/contributions", status_code=201, operation_id="contribute", summary="Contribute one subject's signals")
async def contribute(body: ContributionBody, who: Member, svc: Svc) -> dict[str, str]:
    as_of = svc.not_future(body.as_of, "as_of")
    c = Contribution(who, body.key_id, body.pseudonym, body.open_lines, body.balance_band, body.worst_bucket,
                     body.applications_30d, as_of)  # fmt: skip
    await svc.contribute(c)
    return {"status": "stored", "as_of": as_of.isoformat()}


@router.post("/queries", operation_id="query", summary="Counts and bands about other members' lines")
async def ask(body: QueryBody, who: Member, svc: Svc) -> Response:
    """``{"kind": "answer" | "insufficient", ...}``: below the threshold every field but ``kind`` is null."""
    answer = await svc.ask(who, body.purpose, body.pseudonyms)
    return Response(answer.to_json(), media_type="application/json")


@router.get("/health", operation_id="health", summary="Liveness (no key needed)")
async def health() -> dict[str, str]:
    return {"status": "ok"}
