"""Collection conduct rules as data (issue 15): one versioned JSON document per jurisdiction
(``policies/conduct_cn_v1.json``, ``policies/conduct_us_v1.json``), read strictly into a ``ConductPolicy``.

The engine (``conduct.py``) enforces what the document says; the document carries its sources. An absent or
``null`` limit is off (the China "7-day interval" item is such a parameter: DOMAIN.md §2.3 marks it VERIFY, see
``docs/collections.md``). A bad document raises ``ValidationError`` naming the field; nothing else happens.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from importlib import resources
from pathlib import Path
from typing import Any

from creditloop.core.documents import check_keys, get_int, get_str
from creditloop.core.errors import ValidationError

CHANNELS = ("sms", "app", "call", "letter")  # the escalation order of the contact strategy
PARTIES = ("debtor", "third_party", "unrelated")
PURPOSES = ("collect", "locate")
# What an executed attempt came to. ``refused``: the person answered and asked not to be contacted again.
OUTCOMES = ("connected", "unanswered", "delivered", "refused", "wrong_party")
ANSWERED = frozenset({"connected", "refused", "wrong_party"})  # a call that reached someone
MIN_RETENTION_YEARS = 2  # DOMAIN.md §2.3: collection records kept at least two years; no document may shorten it
JURISDICTIONS = {"cn": "conduct_cn_v1.json", "us": "conduct_us_v1.json"}

_KEYS = frozenset(
    {
        "policy_id", "version", "jurisdiction", "description", "sources", "channels", "contact_hours",
        "max_connected_calls_per_day", "max_unanswered_calls_per_contact_per_day", "rolling_call_window_days",
        "rolling_call_max", "after_conversation_days", "contact_interval_days", "third_party",
        "retention_years",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ConductPolicy:
    policy_id: str
    version: str
    jurisdiction: str
    channels: tuple[str, ...]  # channels this lender may use at all
    allowed_from: time  # local wall-clock time, inclusive (08:00)
    allowed_until: time  # local wall-clock time, exclusive (22:00 China, 21:00 US)
    hours_channels: frozenset[str]  # channels the contact hours apply to (a letter is not delivered at night)
    max_connected_calls_per_day: int | None  # per case and local day, lender and agencies combined
    max_unanswered_calls_per_contact_per_day: int | None
    rolling_call_window_days: int | None  # US 7-in-7: at most rolling_call_max calls to a person ...
    rolling_call_max: int | None  # ... within this many consecutive local days
    after_conversation_days: int | None  # US: no call for N days counting the day of a conversation
    contact_interval_days: int | None  # China "7-day interval" (VERIFY): off unless set
    third_party_purposes: frozenset[str]  # what a third party may be contacted for (locate only)
    third_party_unanswered: int  # the debtor is unreachable after this many unanswered calls ...
    third_party_window_days: int  # ... within this many local days, with no answered call
    retention_years: int
    sources: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.policy_id}@{self.version}"


def _clock(value: Any, name: str) -> time:
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        raise ValidationError(f"{name} must be a local time HH:MM, got {value!r}", field=name)
    try:
        return time(int(value[:2]), int(value[3:]))
    except ValueError:
        raise ValidationError(f"{name} must be a local time HH:MM, got {value!r}", field=name) from None


def _names(doc: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    value = doc.get(name)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(f"{name} must be a list of names", field=name)
    for v in value:
        if v not in allowed:
            raise ValidationError(f"{name}: unknown {v!r} (one of {', '.join(allowed)})", field=name)
    if len(set(value)) != len(value):
        raise ValidationError(f"{name} must not repeat names", field=name)
    return tuple(value)


def _optional(doc: Mapping[str, Any], name: str, lo: int, hi: int) -> int | None:
    return None if doc.get(name) is None else get_int(doc, name, lo=lo, hi=hi)


def read_conduct_policy(doc: Mapping[str, Any]) -> ConductPolicy:
    """Build a policy from a decoded document; a malformed one raises ``ValidationError(field=...)``."""
    check_keys(doc, _KEYS)
    hours = doc.get("contact_hours")
    if not isinstance(hours, Mapping):
        raise ValidationError("contact_hours must be a JSON object", field="contact_hours")
    check_keys(hours, frozenset({"from", "until", "channels"}))
    start, end = _clock(hours.get("from"), "contact_hours.from"), _clock(hours.get("until"), "contact_hours.until")
    if not start < end:
        raise ValidationError("contact_hours.from must be before contact_hours.until", field="contact_hours.from")
    third = doc.get("third_party")
    if not isinstance(third, Mapping):
        raise ValidationError("third_party must be a JSON object", field="third_party")
    check_keys(third, frozenset({"purposes", "debtor_unanswered_calls", "within_days"}))
    rolling = (_optional(doc, "rolling_call_window_days", 1, 31), _optional(doc, "rolling_call_max", 1, 100))
    if (rolling[0] is None) != (rolling[1] is None):
        raise ValidationError("rolling_call_window_days and rolling_call_max go together", field="rolling_call_max")
    sources = doc.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise ValidationError("sources must be a list of strings", field="sources")
    return ConductPolicy(
        policy_id=get_str(doc, "policy_id"), version=get_str(doc, "version"), jurisdiction=get_str(doc, "jurisdiction"),
        channels=_names(doc, "channels", CHANNELS), allowed_from=start, allowed_until=end,
        hours_channels=frozenset(_names(hours, "channels", CHANNELS)),
        max_connected_calls_per_day=_optional(doc, "max_connected_calls_per_day", 0, 100),
        max_unanswered_calls_per_contact_per_day=_optional(doc, "max_unanswered_calls_per_contact_per_day", 0, 100),
        rolling_call_window_days=rolling[0], rolling_call_max=rolling[1],
        after_conversation_days=_optional(doc, "after_conversation_days", 1, 31),
        contact_interval_days=_optional(doc, "contact_interval_days", 1, 31),
        third_party_purposes=frozenset(_names(third, "purposes", PURPOSES)),
        third_party_unanswered=get_int(third, "debtor_unanswered_calls", lo=1, hi=100),
        third_party_window_days=get_int(third, "within_days", lo=1, hi=31),
        retention_years=get_int(doc, "retention_years", lo=MIN_RETENTION_YEARS, hi=30), sources=tuple(sources),
    )  # fmt: skip


def load_conduct_policy(path: str | Path) -> ConductPolicy:
    source = Path(path)
    try:
        doc = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"conduct policy file {source}: cannot be read ({exc})", field="<document>") from None
    return read_conduct_policy(doc)


def conduct_policy(jurisdiction: str = "cn") -> ConductPolicy:
    """The packaged policy of a jurisdiction (``cn`` or ``us``)."""
    name = JURISDICTIONS.get(jurisdiction)
    if name is None:
        raise ValidationError(
            f"jurisdiction must be one of {', '.join(JURISDICTIONS)}, got {jurisdiction!r}", field="jurisdiction"
        )
    text = resources.files("creditloop.collections").joinpath(f"policies/{name}").read_text("utf-8")
    return read_conduct_policy(json.loads(text))
