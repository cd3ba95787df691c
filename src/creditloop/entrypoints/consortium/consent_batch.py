"""``POST /consortium/v1/consents/batch`` and ``/consents/revoke/batch``: a member's consents (or revocations) in one
request and one store transaction, all or nothing (docs/consortium.md, "Batch consents").

Each item is checked exactly as the single route checks its body (``ConsentBody``, then ``on`` not in the future, the
pseudonym, the registry's rules), in order and against the items before it (a repeat within the batch is a repeat);
the first refusal is a 422 naming ``items[i].<field>`` and nothing is stored. Authentication, the consent event rows
(the consent audit) and the refusals are the single route's. Rate: one token per item, as ``/queries/batch`` (a
batch saves round trips and transactions, not rate), so a batch holds at most the member's rate burst as well."""

from __future__ import annotations

from typing import Any, Final

import orjson
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as SchemaError

from creditloop.entrypoints.api.problems import Problem
from creditloop.entrypoints.consortium.routes import Member, Svc
from creditloop.entrypoints.consortium.schemas import ConsentBody
from creditloop.entrypoints.consortium.service import GRANT, REVOKE, ConsortiumService

MAX_ITEMS: Final = 1_000
# The 16 KiB body limit holds about 100 items; a full batch of the longest items the schema admits fits this.
BODY_BYTES: Final = 1_024 + 256 * MAX_ITEMS
router = APIRouter(tags=["consortium"])


class ConsentBatchBody(BaseModel):
    """1 to 1,000 single-consent bodies (and never more than the member's rate burst)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    items: list[ConsentBody] = Field(min_length=1, max_length=MAX_ITEMS)


_DOC = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": ConsentBatchBody.model_json_schema()}},
    }
}


@router.post("/consents/batch", status_code=201, operation_id="consent_grant_batch", openapi_extra=_DOC,
             summary="Record many subjects' consents, all or none")  # fmt: skip
async def grant_batch(request: Request, who: Member, svc: Svc) -> dict[str, Any]:
    """``{"status": "granted", "count": n, "items": [{"status": "granted", "purpose", "on"}, ...]}`` in item order.
    A consent already in force is refused as the single route refuses it (422), and with it the batch."""
    return await _batch(request, who, svc, GRANT)


@router.post("/consents/revoke/batch", operation_id="consent_revoke_batch", openapi_extra=_DOC,
             summary="Record many revocations of consent, all or none")  # fmt: skip
async def revoke_batch(request: Request, who: Member, svc: Svc) -> dict[str, Any]:
    """``{"status": "revoked", "count": n, "items": [{"status": "revoked", "purpose", "on"}, ...]}`` in item order."""
    return await _batch(request, who, svc, REVOKE)


async def _batch(request: Request, who: str, svc: ConsortiumService, kind: str) -> dict[str, Any]:
    limit = max(1, min(MAX_ITEMS, int(svc.buckets.burst)))
    items = parse_items(await request.body(), limit)
    wait = svc.buckets.take(who, len(items) - 1) if len(items) > 1 else None  # one token per item in all
    if wait is not None:
        raise Problem(429, "rate_limited", f"too many requests from this member; retry in {wait} s",
                      headers={"Retry-After": str(wait)})  # fmt: skip
    dates = await svc.consent_many(kind, who, [(b.key_id, b.pseudonym, b.purpose, b.on) for b in items])
    status = "granted" if kind == GRANT else "revoked"
    done = [{"status": status, "purpose": b.purpose, "on": on.isoformat()} for b, on in zip(items, dates, strict=True)]
    return {"status": status, "count": len(done), "items": done}


def parse_items(raw: bytes, limit: int) -> list[ConsentBody]:
    """``ConsentBatchBody`` with the error named as the rest of the service names it: 422 ``items[i].<field>`` for
    the first bad item, ``items`` for a count outside 1 to ``limit``. Decoded first, then validated as FastAPI
    validates the single route's body (python mode), so an item passes here exactly when it passes there."""
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise Problem(422, "invalid_input", "the body is not valid JSON", field="body") from None
    items = doc.get("items") if isinstance(doc, dict) else None
    if isinstance(items, list) and not 1 <= len(items) <= limit:
        raise Problem(422, "invalid_input", f"items: 1 to {limit} items per batch are allowed (got {len(items)})",
                      field="items")  # fmt: skip
    try:
        return list(ConsentBatchBody.model_validate(doc).items)
    except SchemaError as exc:
        first = exc.errors()[0]
        field = located(first["loc"]) or "body"
        raise Problem(422, "invalid_input", f"{field}: {first['msg']}", field=field) from None


def located(loc: tuple[int | str, ...]) -> str:
    """``("items", 3, "on")`` -> ``items[3].on``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
