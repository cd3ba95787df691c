"""API role -> the hardship policy's approval role it acts as, read from ``approval_roles.json`` (the one source:
the dashboard's queue and the acceptance route both read it)."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

from creditloop.entrypoints.api.problems import Problem


@cache
def approval_roles() -> dict[str, str]:
    """API role -> approval role (keys starting with ``_`` are comments)."""
    raw = json.loads(files(__package__).joinpath("approval_roles.json").read_text(encoding="utf-8"))
    return {k: str(v) for k, v in raw.items() if not k.startswith("_")}


def approval_role_of(role: str) -> str:
    """The approval role an API role acts as; a role the file does not list approves nothing (403, not a 500)."""
    found = approval_roles().get(role)
    if found is None:
        raise Problem(403, "forbidden", f"the role {role!r} has no approval role (approval_roles.json)")
    return found
