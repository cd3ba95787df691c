"""Members' contributions per pseudonym, consent records, and the in-memory registry that holds them.

A contribution is minimal by construction (PIPL Art. 6): counts, a balance band and a bucket, keyed by a
pseudonym; no name, no ID, no amount. Consent (征信业管理条例 Art. 13/18/29, PIPL Art. 14/23) is purpose-bound,
dated and revocable; the registry checks it on every query, never once at storage time only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Final

from creditloop.consortium.bands import BALANCE_BANDS, BUCKETS, band_named, band_of, bucket_of
from creditloop.consortium.pseudonym import check_pseudonym
from creditloop.core.errors import DomainError, ValidationError, require

SHARING: Final = "sharing"  # the subject agrees that a member contributes their signals
PURPOSES: Final = ("credit_application", "limit_review", "early_warning")  # what a query may be for
CONSENT_PURPOSES: Final = (SHARING, *PURPOSES)
MAX_COUNT: Final = 10_000


class ConsentRefused(DomainError):
    """No consent in force for this member, pseudonym and purpose on this date."""

    code = "consent_refused"


@dataclass(frozen=True, slots=True)
class Contribution:
    """One member's signals for one pseudonym under one key, as of a date."""

    member_id: str
    key_id: str
    pseudonym: str
    open_lines: int
    balance_band: str  # a label of BALANCE_BANDS
    worst_bucket: str  # one of BUCKETS
    applications_30d: int
    as_of: date

    def __post_init__(self) -> None:
        check_pseudonym(self.pseudonym)
        for name in ("open_lines", "applications_30d"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
                raise ValidationError(f"{name} must be an integer 0..{MAX_COUNT}", field=name)
        band_named(self.balance_band, BALANCE_BANDS)
        if self.worst_bucket not in BUCKETS:
            raise ValidationError(f"worst_bucket must be one of {', '.join(BUCKETS)}", field="worst_bucket")
        if self.open_lines == 0 and (self.balance_band != "0" or self.worst_bucket != "current"):
            raise ValidationError("no open line means balance band 0 and bucket current", field="open_lines")


def contribution(
    member_id: str,
    key_id: str,
    pseudonym: str,
    *,
    open_lines: int,
    balance_fen: int,
    days_past_due: int,
    applications_30d: int,
    as_of: date,
) -> Contribution:
    """Build a contribution from a member's own figures: the amount and days become a band and a bucket here,
    so neither leaves the member."""
    return Contribution(
        member_id,
        key_id,
        pseudonym,
        open_lines,
        band_of(balance_fen).label,
        bucket_of(days_past_due),
        applications_30d,
        as_of,
    )


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """The subject's consent to ``member_id`` for ``purpose``, in force from ``granted_on`` until revoked."""

    member_id: str
    key_id: str
    pseudonym: str
    purpose: str
    granted_on: date
    revoked_on: date | None = None

    def in_force(self, on: date) -> bool:
        return self.granted_on <= on and (self.revoked_on is None or on < self.revoked_on)


class Registry:
    """Contributions (latest per member, key and pseudonym) and consent records, in memory."""

    def __init__(self, members: frozenset[str]) -> None:
        self._members = set(members)
        # (key_id, pseudonym) -> member_id -> latest contribution: a query reads one or two buckets.
        self._contributions: dict[tuple[str, str], dict[str, Contribution]] = {}
        # Every grant is kept, revoked ones too: the history is what an audit of consent asks for.
        self._consents: dict[tuple[str, str, str, str], list[ConsentRecord]] = {}

    def admit(self, member_id: str) -> None:
        """A new member (the service admits one when its first key is issued)."""
        self._members.add(member_id)

    @property
    def members(self) -> frozenset[str]:
        return frozenset(self._members)

    def is_member(self, member_id: str) -> bool:
        return member_id in self._members

    def check_member(self, member_id: str) -> str:
        if member_id not in self._members:
            raise ValidationError("member_id is not a consortium member", field="member_id")
        return member_id

    def grant(self, member_id: str, key_id: str, pseudonym: str, purpose: str, on: date) -> ConsentRecord:
        self.check_member(member_id)
        history = self._consents.setdefault(_consent_key(member_id, key_id, pseudonym, purpose), [])
        record = _granted(history, member_id, key_id, pseudonym, purpose, on)
        history.append(record)
        return record

    def revoke(self, member_id: str, key_id: str, pseudonym: str, purpose: str, on: date) -> ConsentRecord:
        history = self._consents.get((member_id, key_id, pseudonym, purpose), [])
        history[-1] = _revoked(history, on)
        return history[-1]

    def draft(self, member_id: str) -> ConsentDraft:
        """Consent changes checked as ``grant``/``revoke`` check them, applied only by ``apply`` (a batch)."""
        self.check_member(member_id)
        return ConsentDraft(self, member_id)

    def apply(self, draft: ConsentDraft) -> None:
        """The draft's changes, all at once (after the store committed them)."""
        require(draft.registry is self, "a consent draft is applied to the registry it was drawn from")
        self._consents.update(draft.histories)

    def consent_history(self, member_id: str, key_id: str, pseudonym: str, purpose: str) -> tuple[ConsentRecord, ...]:
        return tuple(self._consents.get((member_id, key_id, pseudonym, purpose), ()))

    def consented(self, member_id: str, pseudonyms: Mapping[str, str], purpose: str, on: date) -> bool:
        """Consent in force under any of the supplied keys (a rotation does not void a consent)."""
        for key_id, value in pseudonyms.items():
            if any(r.in_force(on) for r in self._consents.get((member_id, key_id, value, purpose), ())):
                return True
        return False

    def contribute(self, contribution: Contribution) -> None:
        """Store (replace) a member's signals unless it holds a later ``as_of`` already; refused unless the
        subject's sharing consent is in force."""
        c = contribution
        self.check_member(c.member_id)
        if not self.consented(c.member_id, {c.key_id: c.pseudonym}, SHARING, c.as_of):
            raise ConsentRefused("no sharing consent in force for this pseudonym", field="consent")
        held = self._contributions.setdefault((c.key_id, c.pseudonym), {})
        known = held.get(c.member_id)
        if known is not None and known.as_of > c.as_of:
            return  # an older report arriving late (a delayed retry) never replaces a newer one; same day: it does
        held[c.member_id] = c

    def contributions(self, pseudonyms: Mapping[str, str], on: date) -> dict[str, Contribution]:
        """member_id -> its latest contribution under any supplied key, sharing consent in force on ``on``."""
        found: dict[str, Contribution] = {}
        for key_id, value in pseudonyms.items():
            for member_id, c in self._contributions.get((key_id, value), {}).items():
                if c.as_of > on or not self.consented(member_id, {key_id: value}, SHARING, on):
                    continue
                best = found.get(member_id)
                if best is None or c.as_of > best.as_of:
                    found[member_id] = c
        return found


ConsentKey = tuple[str, str, str, str]  # member, key id, pseudonym, purpose


def _consent_key(member_id: str, key_id: str, pseudonym: str, purpose: str) -> ConsentKey:
    check_pseudonym(pseudonym)
    if purpose not in CONSENT_PURPOSES:
        raise ValidationError(f"purpose must be one of {', '.join(CONSENT_PURPOSES)}", field="purpose")
    return member_id, key_id, pseudonym, purpose


def _granted(
    history: list[ConsentRecord], member_id: str, key_id: str, pseudonym: str, purpose: str, on: date
) -> ConsentRecord:
    """The record a grant appends to ``history``, or ValidationError (a repeat, or a grant before the revocation)."""
    if history and history[-1].revoked_on is None:
        raise ValidationError("a consent for this purpose is already in force", field="purpose")
    if history and history[-1].revoked_on is not None and on < history[-1].revoked_on:
        raise ValidationError("a new grant cannot precede the last revocation", field="on")
    return ConsentRecord(member_id, key_id, pseudonym, purpose, on)


def _revoked(history: list[ConsentRecord], on: date) -> ConsentRecord:
    """The last record of ``history`` revoked on ``on``, or ValidationError (nothing in force, or before the grant)."""
    if not history or history[-1].revoked_on is not None:
        raise ValidationError("no consent in force to revoke", field="purpose")
    if on < history[-1].granted_on:
        raise ValidationError("revocation cannot precede the grant", field="on")
    return replace(history[-1], revoked_on=on)


class ConsentDraft:
    """One member's consent changes, each checked as ``Registry.grant``/``revoke`` checks it, against the registry
    and the draft's earlier changes (a repeat within the draft is a repeat), on copies of the histories it touches:
    the registry changes only when ``Registry.apply`` takes the draft, after the store committed it."""

    def __init__(self, registry: Registry, member_id: str) -> None:
        self.registry = registry
        self.member_id = member_id
        self.histories: dict[ConsentKey, list[ConsentRecord]] = {}

    def _history(self, key: ConsentKey) -> list[ConsentRecord]:
        if key not in self.histories:
            self.histories[key] = list(self.registry.consent_history(*key))
        return self.histories[key]

    def grant(self, key_id: str, pseudonym: str, purpose: str, on: date) -> ConsentRecord:
        history = self._history(_consent_key(self.member_id, key_id, pseudonym, purpose))
        record = _granted(history, self.member_id, key_id, pseudonym, purpose, on)
        history.append(record)
        return record

    def revoke(self, key_id: str, pseudonym: str, purpose: str, on: date) -> ConsentRecord:
        history = self._history((self.member_id, key_id, pseudonym, purpose))
        history[-1] = _revoked(history, on)
        return history[-1]
