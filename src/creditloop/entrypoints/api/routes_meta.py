"""``/health`` (public: readiness) and ``/me`` (who the key belongs to)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from creditloop.entrypoints.api.authz import matrix
from creditloop.entrypoints.api.deps import Caller

router = APIRouter(tags=["meta"])


@router.get("/health", operation_id="health", summary="Readiness")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/me", operation_id="whoami", summary="The calling key's role and what it may call")
def whoami(who: Caller) -> dict[str, Any]:
    ops = sorted(op for op, roles in matrix().items() if who.role in roles)
    return {"key_id": who.key_id, "role": who.role, "customer_id": who.customer_id, "operations": ops}
