"""Bands as data: outstanding balances (fen) and arrears buckets, shared by contributions and answers."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Final

from creditloop.core.errors import ValidationError


@dataclass(frozen=True, slots=True)
class Band:
    """Amounts in (above, up_to] fen; ``up_to`` None = open-ended. The first band is exactly zero."""

    label: str
    above: int  # exclusive lower edge; -1 for the zero band
    up_to: int | None  # inclusive upper edge

    def contains(self, amount: int) -> bool:
        return amount > self.above and (self.up_to is None or amount <= self.up_to)

    @property
    def floor(self) -> int:
        """The smallest amount in the band."""
        return self.above + 1


def bands_from_edges(edges_fen: tuple[int, ...]) -> tuple[Band, ...]:
    """Bands 0, (0, e1], (e1, e2], ..., (en, inf) from strictly increasing positive edges (fen)."""
    if not edges_fen or edges_fen[0] <= 0 or any(b <= a for a, b in pairwise(edges_fen)):
        raise ValidationError("edges must be positive and strictly increasing", field="edges_fen")
    bands = [Band("0", -1, 0)]
    for low, high in pairwise((0, *edges_fen)):
        bands.append(Band(f"{low // 100}-{high // 100}", low, high))
    bands.append(Band(f"{edges_fen[-1] // 100}+", edges_fen[-1], None))
    return tuple(bands)


# Yuan edges 5k, 20k, 50k, 100k, 200k (200k: the internet-loan cap per borrower, DOMAIN.md §2.6).
BALANCE_BANDS: Final = bands_from_edges((500_000, 2_000_000, 5_000_000, 10_000_000, 20_000_000))

# Worst current arrears, best first (days past due).
BUCKETS: Final = ("current", "1-30", "31-60", "61-90", "91+")


def band_of(amount_fen: int, bands: tuple[Band, ...] = BALANCE_BANDS) -> Band:
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen < 0:
        raise ValidationError("balance must be a non-negative integer amount in fen", field="balance_fen")
    for band in bands:
        if band.contains(amount_fen):
            return band
    raise ValidationError("bands do not cover the amount", field="bands")  # only with a gapped custom table


def band_named(label: str, bands: tuple[Band, ...] = BALANCE_BANDS) -> Band:
    for band in bands:
        if band.label == label:
            return band
    raise ValidationError("balance_band is not one of the defined bands", field="balance_band")


def bucket_of(days_past_due: int) -> str:
    if isinstance(days_past_due, bool) or not isinstance(days_past_due, int) or days_past_due < 0:
        raise ValidationError("days_past_due must be a non-negative integer", field="days_past_due")
    for limit, bucket in ((0, "current"), (30, "1-30"), (60, "31-60"), (90, "61-90")):
        if days_past_due <= limit:
            return bucket
    return "91+"


def worst_bucket(buckets: list[str]) -> str:
    return max(buckets, key=BUCKETS.index)
