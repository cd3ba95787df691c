"""The consortium as the lenders of the simulation reach it: in process, through the privacy core only.

Each lender is a member. The clear resident ID never leaves the member: the member computes the pseudonym under
the consortium key (``consortium.pseudonym``) and the registry, the queries and the audit see only that. Consent is
recorded with the application (the form's ``consent_sharing``: sharing and the two query purposes, to that lender
only); a customer who did not consent is decided without the consortium (flagged, as the member client must).
Answers are the core's: counts and bands about *other* members, or the one insufficient answer below the threshold.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from creditloop.consortium.answers import ANSWER, Answer, AuditLog, Policy, query
from creditloop.consortium.pseudonym import ConsortiumKey, KeyRing
from creditloop.consortium.signals import SHARING, ConsentRefused, Registry, contribution
from creditloop.core.errors import ValidationError

CREDIT_APPLICATION = "credit_application"
EARLY_WARNING = "early_warning"
NO_CONSENT = "no_consent"
BAD_ID = "bad_id"


def simulation_key(seed: int) -> ConsortiumKey:
    """The run's consortium key, fixed by the seed so runs reproduce (a real key is random: ``generate``)."""
    return ConsortiumKey("sim-1", hashlib.sha256(f"creditloop-multilender-key-{seed}".encode()).digest())


@dataclass
class ConsortiumStats:
    queries: int = 0
    answered: int = 0
    insufficient: int = 0
    no_consent: int = 0
    contributions: int = 0


@dataclass
class Consortium:
    """The registry, the audit and the key ring; ``members`` are lender indices (member ids ``L1``, ``L2`` ...)."""

    members: int
    seed: int
    min_members: int = 2
    registry: Registry = field(init=False)
    audit: AuditLog = field(default_factory=AuditLog)
    stats: ConsortiumStats = field(default_factory=ConsortiumStats)

    def __post_init__(self) -> None:
        self.registry = Registry(frozenset(member_id(i) for i in range(self.members)))
        self.ring = KeyRing(simulation_key(self.seed))
        self.policy = Policy(min_members=self.min_members)
        self._pseudonyms: dict[int, dict[str, str] | None] = {}
        self._consented: set[tuple[int, int]] = set()
        self._granted: set[tuple[int, str]] = set()  # (lender, pseudonym): a reused identity shares its victim's

    def pseudonyms(self, customer: int, resident_id: str, on: date) -> dict[str, str] | None:
        """key_id -> pseudonym, computed on the member's side; None for an ID that does not validate."""
        if customer not in self._pseudonyms:
            try:
                self._pseudonyms[customer] = self.ring.pseudonyms(resident_id, on)
            except ValidationError:
                self._pseudonyms[customer] = None
        return self._pseudonyms[customer]

    def consent(self, lender: int, customer: int, names: dict[str, str], on: date) -> None:
        """The application's consent to this lender: sharing, and queries for credit and early warning."""
        if (lender, customer) in self._consented:
            return
        self._consented.add((lender, customer))
        key_id, value = next(iter(names.items()))
        if (lender, value) in self._granted:
            return
        self._granted.add((lender, value))
        for purpose in (SHARING, CREDIT_APPLICATION, EARLY_WARNING):
            self.registry.grant(member_id(lender), key_id, value, purpose, on)

    def consented(self, lender: int, customer: int) -> bool:
        return (lender, customer) in self._consented

    def ask(self, lender: int, customer: int, purpose: str, on: date) -> Answer | str:
        """The core's answer, or NO_CONSENT / BAD_ID when the member may not (or cannot) ask."""
        names = self._pseudonyms.get(customer)
        if names is None:
            return BAD_ID
        if (lender, customer) not in self._consented:  # no consent: the member does not ask at all
            self.stats.no_consent += 1
            return NO_CONSENT
        self.stats.queries += 1
        try:
            answer = query(self.registry, self.audit, member_id(lender), purpose, names, on, self.policy)
        except ConsentRefused:
            self.stats.no_consent += 1
            return NO_CONSENT
        if answer.kind == ANSWER:
            self.stats.answered += 1
        else:
            self.stats.insufficient += 1
        return answer

    def report(
        self, lender: int, customer: int, on: date, *, open_lines: int, balance_minor: int, dpd: int, apps_30d: int
    ) -> None:
        """The member's contribution: a band and a bucket are made here, so no amount leaves the member."""
        names = self._pseudonyms.get(customer)
        if names is None or (lender, customer) not in self._consented:
            return
        key_id, value = next(iter(names.items()))
        if not open_lines:
            balance_minor, dpd = 0, 0
        self.registry.contribute(
            contribution(
                member_id(lender),
                key_id,
                value,
                open_lines=open_lines,
                balance_fen=balance_minor,
                days_past_due=dpd,
                applications_30d=apps_30d,
                as_of=on,
            )
        )
        self.stats.contributions += 1


def member_id(lender: int) -> str:
    return f"L{lender + 1}"
