"""``limit`` and an opaque ``cursor`` on every list: ``{"items": [...], "next_cursor": ... | null}``.

The cursor encodes a position in the list's stable order (ids, or the queue's working order); it is opaque to
clients so that it can become a keyset position later without breaking them.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Query

from creditloop.entrypoints.api.problems import Problem

Limit = Annotated[int, Query(ge=1, le=200, description="Items per page (1..200).")]
Cursor = Annotated[str | None, Query(max_length=64, description="next_cursor of the previous page.")]


def _decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii") + b"==").decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        text = ""
    if not text.startswith("o:") or not text[2:].isdigit():
        raise Problem(422, "invalid_input", "cursor: not a cursor this API returned", field="cursor")
    return int(text[2:])


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode("ascii")).decode("ascii").rstrip("=")


def page(items: Sequence[Any], limit: int, cursor: str | None) -> dict[str, Any]:
    start = 0 if cursor is None else _decode(cursor)
    chunk = list(items[start : start + limit])
    more = start + limit < len(items)
    return {"items": chunk, "next_cursor": _encode(start + limit) if more else None}
