"""``limit`` and an opaque ``cursor`` on every list: ``{"items": [...], "next_cursor": ... | null}``.

The cursor encodes a position in the list's stable order: an offset (``o:``) where the order is computed over the
whole list (the collections queue's working order), or the last key of the page (``k:``, keyset) where the store
reads the page itself with ``key > cursor ORDER BY key LIMIT limit + 1``. It is opaque to clients, so a list can
move from one to the other without breaking them.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Query

from creditloop.entrypoints.api.problems import Problem

MAX_LIMIT = 200
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page (1..200).")]
# A keyset cursor carries an id (up to 100 characters): base64 of it is at most 140.
Cursor = Annotated[str | None, Query(max_length=160, description="next_cursor of the previous page.")]


def _text(cursor: str, kind: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor.encode("ascii") + b"==").decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        text = ""
    if not text.startswith(kind) or len(text) == len(kind):
        raise Problem(422, "invalid_input", "cursor: not a cursor this API returned", field="cursor")
    return text[len(kind) :]


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def _decode(cursor: str) -> int:
    offset = _text(cursor, "o:")
    if not offset.isdigit():
        raise Problem(422, "invalid_input", "cursor: not a cursor this API returned", field="cursor")
    return int(offset)


def page(items: Sequence[Any], limit: int, cursor: str | None) -> dict[str, Any]:
    """An offset page of a list computed whole (its order needs every item)."""
    start = 0 if cursor is None else _decode(cursor)
    chunk = list(items[start : start + limit])
    more = start + limit < len(items)
    return {"items": chunk, "next_cursor": _encode(f"o:{start + limit}") if more else None}


def after_key(cursor: str | None) -> str | None:
    """The last key of the previous page of a keyset list (``None``: the first page)."""
    return None if cursor is None else _text(cursor, "k:")


def key_cursor(key: str) -> str:
    """The cursor of the page after the one that ended with ``key``."""
    return _encode(f"k:{key}")


def keyset_page(rows: Sequence[dict[str, Any]], limit: int, key: str) -> dict[str, Any]:
    """``rows``: up to ``limit + 1`` rows after the cursor in ``key`` order; the extra row only says "more"."""
    chunk = list(rows[:limit])
    more = len(rows) > limit
    return {"items": chunk, "next_cursor": key_cursor(str(chunk[-1][key])) if more else None}
