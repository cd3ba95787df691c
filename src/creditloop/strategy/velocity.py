"""What the velocity and identity-reuse checks need to know about earlier applications.

The application-history store (a port of the service layer; SQLite / PostgreSQL / memory adapters) keeps, per
application, keyed hashes of its identifiers — never the identifiers themselves — so a stolen database does
not yield ID numbers or phones, and the counts below can be asked across runs and processes.

The service layer builds a ``VelocitySnapshot`` from the store *before* recording the new application, and
the snapshot is part of the decision's inputs (it is stored with the decision, so a replay re-derives the same
outcome even after later applications changed the counts).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime

# Identifier kinds the store keys on. "employer_address": employer name + address, normalised together;
# "phone_block": the first seven digits of a mobile number (prefix + HLR code: one SIM batch).
KEY_KINDS = ("identity", "phone", "device", "employer", "employer_address", "phone_block")
PHONE_BLOCK_DIGITS = 7
DEFAULT_KEY = b"creditloop-velocity-v1"  # deployments set CREDITLOOP_VELOCITY_KEY; the default is for demos


def normalise(kind: str, value: str) -> str:
    """The canonical text hashed for a key: case, spaces and separators must not split one identity in two."""
    text = "".join(value.split()).upper()
    if kind == "phone":
        text = "".join(ch for ch in text if ch.isdigit())
        if text.startswith("86") and len(text) == 13:  # +86 country code
            text = text[2:]
    return text


def key_hash(kind: str, value: str, key: bytes = DEFAULT_KEY) -> str:
    """HMAC-SHA256 of the normalised identifier, hex; the kind is part of the message so kinds never collide."""
    message = f"{kind}\x1f{normalise(kind, value)}".encode()
    return hmac.digest(key, message, "sha256").hex()  # the one-shot C path: the same bytes as hmac.new


def phone_block(phone: str) -> str:
    """The SIM batch of a CN mobile number: its first seven digits (3-digit prefix + 4-digit HLR code); "" (never
    matches) when the number is not 11 digits starting with 1. Agencies buy SIMs in batches, so one block."""
    digits = normalise("phone", phone)
    if digits.startswith("0086"):
        digits = digits[4:]
    if len(digits) != 11 or digits[0] != "1":
        return ""
    return digits[:PHONE_BLOCK_DIGITS]


def phone_block_hash(phone: str, key: bytes = DEFAULT_KEY) -> str:
    """``key_hash`` of the phone's block, or "" when it has none (the raw block is never stored)."""
    block = phone_block(phone)
    return key_hash("phone_block", block, key) if block else ""


@dataclass(frozen=True, slots=True)
class ApplicationKeys:
    """The hashed identifiers of one application, as stored in the history."""

    application_id: str
    applied_at: datetime  # UTC-aware
    identity: str  # key_hash("identity", id_number)
    phone: str
    device: str
    employer: str  # the employer name alone: peers for the stated-income comparison
    employer_address: str
    inputs_hash: str  # sha256 of the form without id, instant and channel: the same form again is a duplicate
    monthly_income_minor: int = 0  # stated income, for employer peer comparison
    phone_block: str = ""  # phone_block_hash(phone): colleagues whose phones come from one SIM batch


# The employer cluster (EMPLOYER_APPLICATION_CLUSTER): among the latest CLUSTER_ROWS_CAP earlier applications
# naming this employer under other identities within CLUSTER_WINDOW_DAYS, the distinct identities, those whose
# phone comes from this phone's SIM block, and those whose stated income is within CLUSTER_INCOME_NEAR_PCT % of
# this one's. Fixed here (part of what a snapshot means, like the reuse definitions); the policy sets the counts
# that flag. Stored in ``VelocitySnapshot.extra`` under these names.
CLUSTER_WINDOW_DAYS = 7
CLUSTER_INCOME_NEAR_PCT = 3
CLUSTER_ROWS_CAP = 64  # bounds the read for a large employer; an agency's burst is recent, so it is inside
CLUSTER_IDENTITIES = "employer_identities_7d"
CLUSTER_PHONE_BLOCK = "employer_same_phone_block_7d"
CLUSTER_INCOME_NEAR = "employer_income_within_3pct_7d"
CLUSTER_COUNTS = (CLUSTER_IDENTITIES, CLUSTER_PHONE_BLOCK, CLUSTER_INCOME_NEAR)


@dataclass(frozen=True, slots=True)
class WindowCounts:
    """Earlier applications (strictly before this one) within one sliding window, in days."""

    days: int
    by_identity: int  # applications with the same ID number
    by_phone: int
    by_device: int


@dataclass(frozen=True, slots=True)
class VelocitySnapshot:
    """Everything the velocity / reuse / duplicate checks read, as of the new application's instant."""

    windows: tuple[WindowCounts, ...]  # one per window of the check policy, ascending
    identities_per_phone: int  # distinct OTHER identities seen with this phone (within reuse_window_days)
    identities_per_device: int  # distinct OTHER identities seen with this device
    identities_per_employer_address: int  # distinct OTHER identities with this employer + address
    phones_per_identity: int  # distinct OTHER phones seen with this identity
    devices_per_identity: int  # distinct OTHER devices seen with this identity
    employer_peers: int  # earlier applications (other identities) naming the same employer
    employer_median_income_minor: int  # their median stated income; 0 when there are none
    duplicate_of: str | None  # an earlier application id with the same inputs hash, if any
    same_id_earlier: bool = False  # the application id itself was already recorded (a resubmission)
    # Further counts, by name (``app.history.CLUSTER_COUNTS``: the employer cluster of the last 7 days). A
    # snapshot stored before a count existed lacks it, and the check that reads it yields no result: old
    # decisions replay byte for byte.
    extra: dict[str, int] = field(default_factory=dict)

    @classmethod
    def empty(cls, windows: tuple[int, ...]) -> VelocitySnapshot:
        """No earlier application (the cluster counts present, at zero: the snapshot of today's adapters)."""
        counts = dict.fromkeys(CLUSTER_COUNTS, 0)
        return cls(tuple(WindowCounts(d, 0, 0, 0) for d in windows), 0, 0, 0, 0, 0, 0, 0, None, extra=counts)

    def window(self, days: int) -> WindowCounts:
        for w in self.windows:
            if w.days == days:
                return w
        raise KeyError(days)


# Employer labels that name no employer: thousands of unrelated people write them, so they must never make
# applicants peers or "reuse" one employer and address (个体户, 自由职业, 退休, 学生, 无 ...).
GENERIC_EMPLOYERS = frozenset(
    normalise("employer", text)
    for text in (
        "个体工商户",
        "个体户",
        "个体经营",
        "个体",
        "自营",
        "自由职业",
        "自由职业者",
        "无",
        "无业",
        "待业",
        "退休",
        "已退休",
        "学生",
        "在校学生",
        "务农",
        "农民",
        "家庭主妇",
        "none",
        "n/a",
        "na",
        "-",
        "self-employed",
        "self employed",
        "freelance",
        "freelancer",
        "retired",
        "student",
        "unemployed",
        "homemaker",
        "farmer",
    )
)


def employer_texts(employer: str, address: str | None) -> tuple[str, str]:
    """The texts hashed for the employer key and the employer + address key; "" (never matches) when the
    employer is a generic label, and for the combination also when no address was given."""
    if normalise("employer", employer) in GENERIC_EMPLOYERS:
        return "", ""
    if not address or not address.strip():
        return employer, ""
    return employer, f"{employer}|{address}"
