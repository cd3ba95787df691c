"""``POST /consortium/v1/queries/batch``: several subjects in one request, each answered exactly as ``POST /queries``
would answer it alone (docs/consortium.md, "Batch queries").

The single query's guarantees hold per subject: the same member key and authentication; one rate token per subject
(a batch of n costs what n queries cost, so batching does not widen fishing); the consent checked per subject and
purpose; the threshold per subject; one audit row per subject, committed before the answers leave; and every
answer padded to the single answer's size, so a batch's size says nothing about which subjects were answered."""

from __future__ import annotations

from typing import Final

import orjson
from fastapi import APIRouter, Request, Response

from creditloop.consortium.answers import Answer
from creditloop.entrypoints.api.problems import Problem
from creditloop.entrypoints.consortium.asgi import padded
from creditloop.entrypoints.consortium.routes import authenticate, purpose_and, valid_pseudonyms
from creditloop.entrypoints.consortium.schemas import BatchQueryBody
from creditloop.entrypoints.consortium.service import ConsortiumService

MAX_BATCH: Final = 50  # subjects per request (and never more than the member's rate burst); 50 fit the body limit
router = APIRouter(tags=["consortium"])
_DOC = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": BatchQueryBody.model_json_schema()}}}
}


@router.post("/queries/batch", operation_id="query_batch", openapi_extra=_DOC,
             summary="Several subjects' counts and bands, each as a single query")  # fmt: skip
async def ask_batch(request: Request) -> Response:
    """``{"answers": [...]}`` in the order of ``subjects``: each the single query's answer (``answer`` or
    ``insufficient``), or ``{"kind": "refused", "code": "consent_refused", ...}`` for a subject without consent in
    force; each padded with JSON whitespace to the single answer's size."""
    svc: ConsortiumService = request.app.state.service
    who = await authenticate(svc, request.headers.get("authorization"))  # the request's own token
    limit = max(1, min(MAX_BATCH, int(svc.buckets.burst)))
    purpose, subjects = parse_batch(await request.body(), limit)
    wait = svc.buckets.take(who, len(subjects) - 1) if len(subjects) > 1 else None  # one token per subject in all
    if wait is not None:
        raise Problem(429, "rate_limited", f"too many requests from this member; retry in {wait} s",
                      headers={"Retry-After": str(wait)})  # fmt: skip
    results = await svc.ask_many(who, purpose, subjects)
    items = [padded(r.to_json() if isinstance(r, Answer) else _refused(r.code, r.message, r.field)) for r in results]
    return Response(b'{"answers":[' + b",".join(items) + b"]}", media_type="application/json")


def _refused(code: str, detail: str, field: str | None) -> bytes:
    return orjson.dumps({"kind": "refused", "code": code, "detail": detail, "field": field})


def parse_batch(raw: bytes, limit: int) -> tuple[str, list[dict[str, str]]]:
    """``BatchQueryBody``'s rules by hand, as ``parse_query``: exactly ``purpose`` (text) and ``subjects`` (1 to
    ``limit`` objects, each 1-2 pseudonyms by key id, as a single query's ``pseudonyms``); else 422 naming the field."""
    purpose, subjects = purpose_and(raw, "subjects")
    if not isinstance(subjects, list) or not 1 <= len(subjects) <= limit:
        got = f"got {len(subjects)}" if isinstance(subjects, list) else "not a list"
        raise Problem(422, "invalid_input", f"subjects: 1 to {limit} subjects per batch are allowed ({got})",
                      field="subjects")  # fmt: skip
    for i, pseudonyms in enumerate(subjects):
        if not valid_pseudonyms(pseudonyms):
            raise Problem(422, "invalid_input", f"subjects[{i}]: 1 or 2 texts by key id are required",
                          field=f"subjects[{i}]")  # fmt: skip
    return purpose, subjects
