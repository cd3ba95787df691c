"""The authorisation matrix, as data (``authz.json``: operation id -> roles allowed), and the roles."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

ROLES = ("checkout", "customer", "collector", "analyst", "supervisor", "auditor", "admin")
# Reached without a key: readiness and the published OpenAPI document.
PUBLIC = frozenset({"health"})


@cache
def matrix() -> dict[str, frozenset[str]]:
    raw = json.loads(files(__package__).joinpath("authz.json").read_text(encoding="utf-8"))
    out = {op: frozenset(roles) for op, roles in raw.items() if not op.startswith("_")}
    unknown = {role for roles in out.values() for role in roles} - set(ROLES)
    if unknown:  # a typo in the matrix must not silently grant or deny
        raise ValueError(f"authz.json: unknown roles {sorted(unknown)}")
    return out


def allowed(operation_id: str | None, role: str) -> bool:
    """Fail closed: an operation missing from the matrix is refused to every role."""
    return operation_id is not None and role in matrix().get(operation_id, frozenset())
