"""The line's commands as typed, immutable values, and their stored form in the command log.

A public method of ``CreditLine`` (or a restructure function) builds one of these; the aggregate validates and
applies it through the handler registered for its type (``registry.HANDLERS``) and logs it. The log keeps each
command as the JSON-shaped record it has always been stored as (``record``, exact key order: stored documents and
payload fingerprints depend on it); ``parse`` turns a record back into the typed command for a replay.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any, ClassVar

from creditloop.core.errors import ValidationError

Value = str | int | bool | None
Record = dict[str, Value]


@dataclass(frozen=True, slots=True)
class LineCommand:
    """One command on one line: idempotent by ``id`` (the client's id), applied on business date ``on``."""

    kind: ClassVar[str] = ""
    # The record's keys after ``kind`` and ``id``, in stored order.
    keys: ClassVar[tuple[str, ...]] = ("on",)

    id: str
    on: date

    def record(self, seq: int | None = None) -> Record:
        """The stored form: ``{"kind", "id", <keys>..., "seq"}``, dates as ISO text."""
        out: Record = {"kind": self.kind, "id": self.id}
        for name in self.keys:
            value = getattr(self, name)
            out[name] = value.isoformat() if isinstance(value, date) else value
        if seq is not None:
            out["seq"] = seq
        return out


# The commands the simulator sends millions of times write their record as a literal (no per-field lookups).


@dataclass(frozen=True, slots=True)
class Purchase(LineCommand):
    kind: ClassVar[str] = "purchase"
    keys: ClassVar[tuple[str, ...]] = ("on", "amount_minor", "periods")
    amount_minor: int
    periods: int

    def record(self, seq: int | None = None) -> Record:
        out: Record = {
            "kind": "purchase",
            "id": self.id,
            "on": self.on.isoformat(),
            "amount_minor": self.amount_minor,
            "periods": self.periods,
        }
        if seq is not None:
            out["seq"] = seq
        return out


@dataclass(frozen=True, slots=True)
class Repay(LineCommand):
    """A payment; ``value_on`` is set only on a late payment booked on the open date ``on`` because history after
    its value date could not be re-derived (docs/servicing.md "Back-dated events and reversals")."""

    kind: ClassVar[str] = "repay"
    keys: ClassVar[tuple[str, ...]] = ("on", "amount_minor", "value_on")
    amount_minor: int
    value_on: date | None = None

    def record(self, seq: int | None = None) -> Record:
        out: Record = {"kind": "repay", "id": self.id, "on": self.on.isoformat(), "amount_minor": self.amount_minor}
        if self.value_on is not None:
            out["value_on"] = self.value_on.isoformat()
        if seq is not None:
            out["seq"] = seq
        return out


@dataclass(frozen=True, slots=True)
class Authorise(LineCommand):
    kind: ClassVar[str] = "authorise"
    keys: ClassVar[tuple[str, ...]] = ("on", "amount_minor", "expires_on")
    amount_minor: int
    expires_on: date


@dataclass(frozen=True, slots=True)
class Capture(LineCommand):
    kind: ClassVar[str] = "capture"
    keys: ClassVar[tuple[str, ...]] = ("hold_id", "on", "amount_minor", "periods", "final")
    hold_id: str
    amount_minor: int
    periods: int
    final: bool = True


@dataclass(frozen=True, slots=True)
class Void(LineCommand):
    kind: ClassVar[str] = "void"
    keys: ClassVar[tuple[str, ...]] = ("hold_id", "on")
    hold_id: str


@dataclass(frozen=True, slots=True)
class Refund(LineCommand):
    kind: ClassVar[str] = "refund"
    keys: ClassVar[tuple[str, ...]] = ("purchase_id", "on", "amount_minor")
    purchase_id: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class RefundCredit(LineCommand):
    kind: ClassVar[str] = "credit_refund"
    keys: ClassVar[tuple[str, ...]] = ("on", "amount_minor")
    amount_minor: int


@dataclass(frozen=True, slots=True)
class ChangeLimit(LineCommand):
    kind: ClassVar[str] = "limit"
    keys: ClassVar[tuple[str, ...]] = ("on", "limit_minor")
    limit_minor: int


@dataclass(frozen=True, slots=True)
class Freeze(LineCommand):
    kind: ClassVar[str] = "freeze"


@dataclass(frozen=True, slots=True)
class Unfreeze(LineCommand):
    kind: ClassVar[str] = "unfreeze"


@dataclass(frozen=True, slots=True)
class Close(LineCommand):
    kind: ClassVar[str] = "close"


@dataclass(frozen=True, slots=True)
class ReversePayment(LineCommand):
    """A bounced payment, taking effect through the replay (which skips ``target_id``)."""

    kind: ClassVar[str] = "reverse_payment"
    keys: ClassVar[tuple[str, ...]] = ("target_id", "on")
    target_id: str


@dataclass(frozen=True, slots=True)
class ReturnPayment(LineCommand):
    """A bounced payment whose history cannot be re-derived, booked on ``on`` for the value date ``value_on``."""

    kind: ClassVar[str] = "return_payment"
    keys: ClassVar[tuple[str, ...]] = ("target_id", "on", "value_on")
    target_id: str
    value_on: date


@dataclass(frozen=True, slots=True)
class Undo(LineCommand):
    """Undo a restructure, taking effect through the replay (which skips ``target_id``)."""

    kind: ClassVar[str] = "undo"
    keys: ClassVar[tuple[str, ...]] = ("target_id", "on")
    target_id: str


# ----------------------------------------------------------------------------- restructures
# Their records keep the order ``restructure.event`` always gave them: the optional parameters, then the required.


@dataclass(frozen=True, slots=True)
class TermExtension(LineCommand):
    kind: ClassVar[str] = "term_extension"
    keys: ClassVar[tuple[str, ...]] = (
        "on",
        "monthly_fee_bps",
        "waive_penalty",
        "first_due_on",
        "from_due_on",
        "freeze",
        "periods",
    )
    periods: int
    monthly_fee_bps: int = 0
    waive_penalty: bool = True
    first_due_on: date | None = None
    from_due_on: date | None = None
    freeze: bool = True


@dataclass(frozen=True, slots=True)
class Reage(LineCommand):
    kind: ClassVar[str] = "reage"
    keys: ClassVar[tuple[str, ...]] = ("on", "every", "unit", "multiple_minor", "freeze", "periods", "start_on")
    periods: int
    start_on: date
    every: int = 1
    unit: str = "months"  # months | days
    multiple_minor: int = 1
    freeze: bool = False


@dataclass(frozen=True, slots=True)
class Reamortise(LineCommand):
    kind: ClassVar[str] = "reamortise"
    keys: ClassVar[tuple[str, ...]] = ("on", "multiple_minor")
    multiple_minor: int = 1


@dataclass(frozen=True, slots=True)
class FeeReduction(LineCommand):
    kind: ClassVar[str] = "fee_reduction"
    keys: ClassVar[tuple[str, ...]] = ("on", "include_billed", "monthly_fee_bps")
    monthly_fee_bps: int
    include_billed: bool = False


@dataclass(frozen=True, slots=True)
class PenaltyWaiver(LineCommand):
    kind: ClassVar[str] = "penalty_waiver"
    keys: ClassVar[tuple[str, ...]] = ("on", "amount_minor")
    amount_minor: int | None = None  # None: all accrued penalty


@dataclass(frozen=True, slots=True)
class PaymentHoliday(LineCommand):
    """``accrue``: the plans' monthly fee keeps running through the holiday (billed with the first installment
    after it). Stored only when true, so the records (and retries) of holidays logged before it existed match."""

    kind: ClassVar[str] = "payment_holiday"
    keys: ClassVar[tuple[str, ...]] = ("on", "months", "from_due_on", "accrue")
    from_due_on: date
    months: int = 1
    accrue: bool = False

    def record(self, seq: int | None = None) -> Record:
        out: Record = {"kind": self.kind, "id": self.id, "on": self.on.isoformat(), "months": self.months}
        out["from_due_on"] = self.from_due_on.isoformat()
        if self.accrue:
            out["accrue"] = True
        if seq is not None:
            out["seq"] = seq
        return out


@dataclass(frozen=True, slots=True)
class Settlement(LineCommand):
    """A discounted settlement offer: pay ``amount_minor`` by ``due_on`` and the rest is forgiven
    (``servicing.settlement``)."""

    kind: ClassVar[str] = "settlement"
    keys: ClassVar[tuple[str, ...]] = ("on", "amount_minor", "due_on")
    amount_minor: int
    due_on: date


Restructure = TermExtension | Reage | Reamortise | FeeReduction | PenaltyWaiver | PaymentHoliday | Settlement
RESTRUCTURES: tuple[type[LineCommand], ...] = (
    TermExtension,
    Reage,
    Reamortise,
    FeeReduction,
    PenaltyWaiver,
    PaymentHoliday,
    Settlement,
)
RESTRUCTURE_KINDS = frozenset(c.kind for c in RESTRUCTURES)

_ALL: tuple[type[LineCommand], ...] = (
    Purchase,
    Repay,
    Authorise,
    Capture,
    Void,
    Refund,
    RefundCredit,
    ChangeLimit,
    Freeze,
    Unfreeze,
    Close,
    ReversePayment,
    ReturnPayment,
    Undo,
    *RESTRUCTURES,
)
BY_KIND: dict[str, type[LineCommand]] = {cls.kind: cls for cls in _ALL}
_DATE_FIELDS: dict[type[LineCommand], frozenset[str]] = {
    cls: frozenset(f.name for f in fields(cls) if "date" in str(f.type)) for cls in BY_KIND.values()
}


def parse(record: Record) -> LineCommand:
    """The typed command a stored record holds (its ``seq`` aside); an unknown kind is a clear error."""
    kind = record.get("kind")
    cls = BY_KIND.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValidationError(f"unknown command kind {kind!r}", field="kind")
    dates = _DATE_FIELDS[cls]
    # Stored values are JSON scalars; the dataclass fields say what each one is.
    values: dict[str, Any] = {}
    for name in ("id", *cls.keys):
        if name in record:
            value = record[name]
            values[name] = date.fromisoformat(value) if name in dates and isinstance(value, str) else value
    return cls(**values)


def seq_of(record: Record) -> int:
    seq = record["seq"]
    if not isinstance(seq, int):
        raise ValidationError(f"a logged command needs an integer seq, got {seq!r}", field="seq")
    return seq


def text(record: Record, key: str) -> str:
    """A text field of a stored record (``id``, ``kind``, ``on``, ``target_id``)."""
    return str(record.get(key))
