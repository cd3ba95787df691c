"""``/consortium/v1``: consents, contributions and queries; every route authenticates a member key."""

from __future__ import annotations

import re
from typing import Annotated, Any, Final, TypeGuard

import orjson
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
_KEY_ID: Final = re.compile(r"[A-Za-z0-9._-]{1,32}")
_UNAUTHORISED = {"WWW-Authenticate": 'Bearer realm="creditloop-consortium"'}


def service(request: Request) -> ConsortiumService:
    svc: ConsortiumService = request.app.state.service
    return svc


Svc = Annotated[ConsortiumService, Depends(service)]


async def authenticate(svc: ConsortiumService, authorization: str | None) -> str:
    """The calling member: 401 without a live key, 403 for a key of a member the registry does not know, 429
    past the member's rate (one bucket per member, whatever number of keys it holds)."""
    scheme, _, presented = (authorization or "").partition(" ")
    key_id = key_id_of(presented) if scheme.lower() == "bearer" else None
    known, stored = (True, None) if key_id is None else svc.keys.cached(key_id)
    if not known and key_id is not None:
        stored = await run_in_threadpool(svc.keys.load, key_id)
    member_id = check_secret(stored, presented)
    if member_id is not None and known and key_id is not None and svc.keys.marker is None:  # see keys.py: revoked
        member_id = check_secret(await run_in_threadpool(svc.keys.live, key_id), presented)
    if member_id is None:
        raise Problem(401, "unauthorised", "a valid member key is required (Authorization: Bearer <key>)",
                      headers=_UNAUTHORISED)  # fmt: skip
    if not svc.registry.is_member(member_id) and not await run_in_threadpool(svc.knows, member_id):
        raise Problem(403, "unknown_member", "this key's member is not a consortium member", field="member_id")
    wait = svc.buckets.take(member_id)
    if wait is not None:
        raise Problem(429, "rate_limited", f"too many requests from this member; retry in {wait} s",
                      headers={"Retry-After": str(wait)})  # fmt: skip
    return member_id


async def member(svc: Svc, bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    return await authenticate(svc, None if bearer is None else f"Bearer {bearer.credentials}")


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


_QUERY_DOC = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": QueryBody.model_json_schema()}}}
}


@router.post("/queries", operation_id="query", summary="Counts and bands about other members' lines",
             openapi_extra=_QUERY_DOC)  # fmt: skip
async def ask(request: Request) -> Response:
    """``{"kind": "answer" | "insufficient", ...}``: below the threshold every field but ``kind`` is null.

    The hot path (bench/bench_consortium.py): the body is parsed with orjson and checked here rather than by a
    pydantic model and dependency injection, which were a third of the CPU of a query."""
    svc: ConsortiumService = request.app.state.service
    who = await authenticate(svc, request.headers.get("authorization"))
    purpose, pseudonyms = parse_query(await request.body())
    answer = await svc.ask(who, purpose, pseudonyms)
    return Response(answer.to_json(), media_type="application/json")


def parse_query(raw: bytes) -> tuple[str, dict[str, str]]:
    """``QueryBody``'s rules by hand: a JSON object with exactly ``purpose`` (text) and ``pseudonyms`` (1-2 text
    values by key id); anything else is 422 naming the field. The core checks the purpose and each pseudonym."""
    purpose, pseudonyms = purpose_and(raw, "pseudonyms")
    if not valid_pseudonyms(pseudonyms):
        raise Problem(422, "invalid_input", "pseudonyms: 1 or 2 texts by key id are required", field="pseudonyms")
    return purpose, pseudonyms


def purpose_and(raw: bytes, key: str) -> tuple[str, Any]:
    """A JSON object of exactly ``purpose`` (text) and ``key``: the purpose and the value under ``key`` (the caller
    checks it); anything else is 422 naming the field. Shared by the single and the batch query."""
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise Problem(422, "invalid_input", "the body must be a JSON object", field=None) from None
    if not isinstance(doc, dict):
        raise Problem(422, "invalid_input", "the body must be a JSON object")
    extra = sorted(set(doc) - {"purpose", key})
    if extra:
        raise Problem(422, "invalid_input", f"{extra[0]}: extra inputs are not permitted", field=extra[0])
    purpose = doc.get("purpose")
    if not isinstance(purpose, str):
        raise Problem(422, "invalid_input", "purpose: a text is required", field="purpose")
    return purpose, doc.get(key)


def valid_pseudonyms(value: object) -> TypeGuard[dict[str, str]]:
    """1 or 2 texts by key id (the core then checks each pseudonym's form)."""
    return (isinstance(value, dict) and 1 <= len(value) <= 2) and all(
        isinstance(k, str) and _KEY_ID.fullmatch(k) and isinstance(v, str) for k, v in value.items()
    )


@router.get("/health", operation_id="health", summary="Liveness (no key needed)")
async def health() -> dict[str, str]:
    return {"status": "ok"}
