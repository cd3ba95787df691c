"""The member client of the consortium service (issue #19): httpx, pseudonyms computed here, short timeouts.

Every identifier is hashed on this side with the member's ``KeyRing`` before a request is built: a request holds
pseudonyms, purposes, bands, buckets and counts, never a resident ID (tests capture every request with an
``httpx.MockTransport``). ``lookup`` never raises and never hangs: a connection refused, a timeout
(``timeout_s``, 0.3 s by default) or an unexpected reply returns ``unavailable`` at once and opens a short circuit
(``cooldown_s``) during which lookups return ``unavailable`` without trying, so a consortium outage costs
decisions no time. Needs the ``service`` extra (httpx).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from creditloop.app.consortium import ANSWER, INSUFFICIENT, NOT_ASKED, REFUSED, UNAVAILABLE, ConsortiumSignal
from creditloop.consortium.bands import band_of, bucket_of
from creditloop.consortium.pseudonym import ConsortiumKey, KeyRing
from creditloop.core.errors import ValidationError

logger = logging.getLogger(__name__)
PREFIX = "/consortium/v1"
BATCH_SIZE = 50  # subjects per POST /queries/batch: the route's limit (entrypoints/consortium/batch.MAX_BATCH)
# Items per POST /consents/batch: the service's limit is min(1,000, the member's rate burst), 200 by default.
CONSENT_BATCH_SIZE = 200
BULK_TIMEOUT_S = 10.0
_ALREADY = "already in force"


class ConsortiumClient:
    def __init__(
        self,
        base_url: str,
        member_key: str,
        keyring: KeyRing,
        *,
        timeout_s: float = 0.3,
        cooldown_s: float = 5.0,
        transport: httpx.BaseTransport | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.keyring = keyring
        self.timeout_s = timeout_s
        self.cooldown_s = cooldown_s
        self.monotonic = monotonic
        self.down_until = 0.0
        self.http = httpx.Client(
            base_url=base_url.rstrip("/") + PREFIX,
            headers={"Authorization": f"Bearer {member_key}"},
            timeout=httpx.Timeout(timeout_s),
            transport=transport,
            trust_env=False,  # no proxy from the environment: the consortium is reached directly or not at all
        )

    def close(self) -> None:
        self.http.close()

    # ----------------------------------------------------------------------------------------- the port

    def lookup(self, resident_id: str, purpose: str, on: date) -> ConsortiumSignal:
        """Record the subject's consent for ``purpose`` (kept by the member; idempotent), then ask."""
        try:
            pseudonyms = self.keyring.pseudonyms(resident_id, on)
        except ValidationError:
            return ConsortiumSignal(NOT_ASKED)  # an invalid ID: the checks refuse it; nothing to hash
        return self.ask(pseudonyms, purpose, on)

    def ask(self, pseudonyms: Mapping[str, str], purpose: str, on: date) -> ConsortiumSignal:
        """The same with the pseudonyms already computed (``{key_id: pseudonym}``, current key first), as the
        nightly early-warning run holds them (``adapters/consortium_member_file.py``); never raises, never hangs."""
        refused = self._consent(pseudonyms, purpose, on)
        if refused is not None:
            return refused
        reply = self._post("/queries", {"purpose": purpose, "pseudonyms": dict(pseudonyms)})
        if reply is None:
            return ConsortiumSignal(UNAVAILABLE)
        return self._signal(reply)

    def ask_many(
        self, subjects: Sequence[Mapping[str, str]], purpose: str, on: date, stop: Callable[[], bool] | None = None
    ) -> list[ConsortiumSignal | None]:
        """``ask`` for many subjects, the questions ``BATCH_SIZE`` at a time on ``POST /queries/batch``: each
        subject's signal, in order, equal to what ``ask`` gives it alone. The consent is still recorded per subject
        (there is no batch consent route). ``stop`` (the caller's budget) is checked before each subject: None for
        those not asked. Never raises, never hangs: each request has the client's timeout and circuit."""
        out: list[ConsortiumSignal | None] = [None] * len(subjects)
        stopped = False
        for start in range(0, len(subjects), BATCH_SIZE):
            cleared: list[int] = []
            for i in range(start, min(start + BATCH_SIZE, len(subjects))):
                stopped = stopped or (stop is not None and stop())
                if stopped:
                    break
                out[i] = self._consent(subjects[i], purpose, on)
                if out[i] is None:
                    cleared.append(i)
            if cleared:
                for i, signal in zip(cleared, self._ask_batch([subjects[i] for i in cleared], purpose), strict=True):
                    out[i] = signal
            if stopped:
                break
        return out

    def _consent(self, pseudonyms: Mapping[str, str], purpose: str, on: date) -> ConsortiumSignal | None:
        """Record the subject's consent (one already on file is fine): None when the question may be asked, else
        the signal that ends it."""
        if self.monotonic() < self.down_until:
            return ConsortiumSignal(UNAVAILABLE)
        if not pseudonyms:
            return ConsortiumSignal(NOT_ASKED)
        key_id, value = next(iter(pseudonyms.items()))
        granted = self._post("/consents", {"key_id": key_id, "pseudonym": value, "purpose": purpose,
                                           "on": on.isoformat()})  # fmt: skip
        if granted is None:
            return ConsortiumSignal(UNAVAILABLE)
        if granted.status_code not in (201, 422) or (granted.status_code == 422 and _ALREADY not in granted.text):
            return ConsortiumSignal(REFUSED)
        return None

    def _ask_batch(self, subjects: list[Mapping[str, str]], purpose: str) -> list[ConsortiumSignal]:
        """One ``POST /queries/batch``: a subject refused there (its consent not in force) is ``refused``, as the
        single query's 403; a whole refusal or an unexpected reply applies to every subject of the request."""
        if self.monotonic() < self.down_until:
            return [ConsortiumSignal(UNAVAILABLE)] * len(subjects)
        reply = self._post("/queries/batch", {"purpose": purpose, "subjects": [dict(p) for p in subjects]})
        if reply is None or reply.status_code in (401, 403, 429):
            return [ConsortiumSignal(UNAVAILABLE if reply is None else REFUSED)] * len(subjects)
        try:
            items = reply.json()["answers"] if reply.status_code == 200 else None
            if not isinstance(items, list) or len(items) != len(subjects):
                raise ValueError(f"status {reply.status_code}")
            return [ConsortiumSignal(REFUSED) if item.get("kind") == REFUSED else _parsed(item) for item in items]
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            logger.warning("consortium: unexpected batch reply (%s); deciding without it", type(exc).__name__)
            return [ConsortiumSignal(UNAVAILABLE)] * len(subjects)

    def _signal(self, reply: httpx.Response) -> ConsortiumSignal:
        if reply.status_code in (401, 403, 429):
            return ConsortiumSignal(REFUSED)
        try:
            if reply.status_code != 200:
                raise ValueError(f"status {reply.status_code}")
            return _parsed(reply.json())
        except (ValueError, TypeError, AttributeError) as exc:
            logger.warning("consortium: unexpected reply (%s); deciding without it", type(exc).__name__)
            return ConsortiumSignal(UNAVAILABLE)

    def _post(self, path: str, body: dict[str, Any]) -> httpx.Response | None:
        """The reply, or None when the consortium cannot be reached in time (the circuit then opens). httpx's
        timeout bounds each read, not the reply: a body still arriving ``timeout_s`` after its headers is
        abandoned (a peer dripping bytes, each within the read timeout, would otherwise hold the decision)."""
        try:
            with self.http.stream("POST", path, json=body) as reply:
                started = time.monotonic()
                data = bytearray()
                for chunk in reply.iter_bytes():  # decoded: the copy below drops the encoding headers
                    data += chunk
                    if time.monotonic() - started > self.timeout_s:
                        raise httpx.ReadTimeout("the reply took longer than the timeout", request=reply.request)
            plain = [(k, v) for k, v in reply.headers.items() if k not in ("content-encoding", "content-length")]
            return httpx.Response(reply.status_code, headers=plain, content=bytes(data), request=reply.request)
        except httpx.HTTPError as exc:
            self.down_until = self.monotonic() + self.cooldown_s
            logger.warning("consortium unreachable (%s); deciding without it", type(exc).__name__)
            return None

    # ------------------------------------------------------------------------- what a member sends in

    def grant(self, resident_id: str, purpose: str, on: date) -> httpx.Response:
        key_id, value = next(iter(self.keyring.pseudonyms(resident_id, on).items()))
        return self.http.post("/consents", json={"key_id": key_id, "pseudonym": value, "purpose": purpose,
                                                 "on": on.isoformat()})  # fmt: skip

    def grant_consents(
        self, items: Sequence[tuple[Mapping[str, str], str, date]], batch_size: int = CONSENT_BATCH_SIZE
    ) -> list[httpx.Response]:
        """Record many consents, ``(pseudonyms, purpose, on)`` each (``{key_id: pseudonym}``, current key first, as
        ``ask_many``'s subjects; the current key's is recorded, as ``grant`` does), ``batch_size`` items to a
        ``POST /consents/batch``. Each request is all or nothing; the replies in order, stopping after the first that
        is not 201 (its items and the later ones are not recorded; a 422 names ``items[i].<field>`` within it).
        An item without a pseudonym is refused here, naming it, before anything is sent."""
        if not 1 <= batch_size <= 1_000:
            raise ValidationError("batch_size must be 1..1000", field="batch_size")
        bodies = []
        for i, (pseudonyms, purpose, on) in enumerate(items):
            if not pseudonyms:
                raise ValidationError(f"items[{i}]: no pseudonym", field=f"items[{i}]")
            key_id, value = next(iter(pseudonyms.items()))
            bodies.append({"key_id": key_id, "pseudonym": value, "purpose": purpose, "on": on.isoformat()})
        replies = []
        for start in range(0, len(bodies), batch_size):
            body = {"items": bodies[start : start + batch_size]}
            # Not a decision's 0.3 s: a batch job, whose timeout mid-commit would leave it unsure what was recorded.
            replies.append(self.http.post("/consents/batch", json=body, timeout=max(self.timeout_s, BULK_TIMEOUT_S)))
            if replies[-1].status_code != 201:
                break
        return replies

    def revoke(self, resident_id: str, purpose: str, on: date) -> httpx.Response:
        key_id, value = next(iter(self.keyring.pseudonyms(resident_id, on).items()))
        return self.http.post("/consents/revoke", json={"key_id": key_id, "pseudonym": value, "purpose": purpose,
                                                        "on": on.isoformat()})  # fmt: skip

    def contribute(
        self, resident_id: str, *, open_lines: int, balance_fen: int, days_past_due: int, applications_30d: int,
        as_of: date,
    ) -> httpx.Response:  # fmt: skip
        """The member's own figures become a band and a bucket here; neither the amount nor the ID is sent."""
        key_id, value = next(iter(self.keyring.pseudonyms(resident_id, as_of).items()))
        body = {
            "key_id": key_id, "pseudonym": value, "open_lines": open_lines, "balance_band": band_of(balance_fen).label,
            "worst_bucket": bucket_of(days_past_due), "applications_30d": applications_30d,
            "as_of": as_of.isoformat(),
        }  # fmt: skip
        return self.http.post("/contributions", json=body)


def _parsed(doc: Any) -> ConsortiumSignal:
    """An answer document (single, or an item of a batch) as a signal; ValueError when it is not one."""
    if doc.get("kind") not in (ANSWER, INSUFFICIENT):
        raise ValueError("not an answer")
    return ConsortiumSignal(
        doc["kind"], doc.get("lenders_with_open_lines"), doc.get("total_balance_band"),
        doc.get("worst_bucket"), doc.get("applications_30d"),
    )  # fmt: skip


def load_keyring(path: Path) -> KeyRing:
    """The key ring from a JSON file: ``{"current": {"key_id", "secret_hex"}, "previous": {...},
    "previous_until": "YYYY-MM-DD"}`` (the last two optional). Errors name the field, never a secret."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        current = ConsortiumKey(doc["current"]["key_id"], bytes.fromhex(doc["current"]["secret_hex"]))
        previous = doc.get("previous")
        old = None if previous is None else ConsortiumKey(previous["key_id"], bytes.fromhex(previous["secret_hex"]))
        until = doc.get("previous_until")
        return KeyRing(current, old, None if until is None else date.fromisoformat(until))
    except (OSError, ValueError, KeyError, TypeError, ValidationError) as exc:
        raise ValidationError(f"consortium key file is unreadable or malformed ({type(exc).__name__})",
                              field="consortium_key_file") from None  # fmt: skip
