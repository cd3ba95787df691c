"""Journal entry ids built from client-supplied ids, unambiguous whatever the client sends.

An entry id is ``<line>/<kind>/<client id>[/<part>]``, a revision appends ``~<n>`` and a reversal ``/rev``
(see ``servicing.corrections``). Every client-supplied component goes through ``escape_id``: a reversible
percent escape of ``%``, ``/`` and ``~``, so a component can never contain a separator, no two distinct
ids escape alike, and the common ids (which contain none of the three) are returned unchanged at the cost
of three substring tests. Existing ledgers built from such ids keep their entry ids.
"""

from __future__ import annotations

import re

from creditloop.core.errors import ValidationError

MAX_CLIENT_ID_CHARS = 64
# Longest entry id: two escaped client ids (3 characters per character at worst), the longest kind and part
# (``/credit-refund/``, ``/down-payment``), a revision and a reversal suffix. The journal's id columns hold it.
MAX_ENTRY_ID_CHARS = 2 * 3 * MAX_CLIENT_ID_CHARS + len("/credit-refund/") + len("/down-payment") + 24 + len("/rev")

_ESCAPES = str.maketrans({"%": "%25", "/": "%2F", "~": "%7E"})
_UNESCAPES = {"%25": "%", "%2F": "/", "%7E": "~"}
_ESCAPED = re.compile("%25|%2F|%7E")


def escape_id(client_id: str) -> str:
    """The one escape of a client-supplied id component (``%`` first in the table, so it is reversible)."""
    if "%" in client_id or "/" in client_id or "~" in client_id:
        return client_id.translate(_ESCAPES)
    return client_id


def unescape_id(component: str) -> str:
    if "%" not in component:
        return component
    return _ESCAPED.sub(lambda m: _UNESCAPES[m.group()], component)  # one left-to-right pass


def check_client_id(value: object, field: str) -> str:
    """A client id: 1..64 characters, printable (no control characters or line breaks), no leading or
    trailing whitespace. The same rule on every backend, checked before anything is written."""
    if not isinstance(value, str) or not value:
        raise ValidationError(f"{field} must be a non-empty string", field=field)
    if len(value) > MAX_CLIENT_ID_CHARS:
        raise ValidationError(
            f"{field} must be at most {MAX_CLIENT_ID_CHARS} characters, got {len(value)}", field=field
        )
    if not value.isprintable():
        raise ValidationError(f"{field} must not contain control characters or line breaks", field=field)
    if value.strip() != value:
        raise ValidationError(f"{field} must not start or end with whitespace", field=field)
    return value
