"""The simulation's configuration, its result and the auditor's tally (split from runner.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from creditloop.core.errors import ValidationError
from creditloop.simulate.liquidity import DEFAULT_LIQUIDITY, LiquidityParams
from creditloop.simulate.scenario import Scenario
from creditloop.simulate.strategies import BASELINE, Strategy

MAX_CUSTOMERS = 1_000_000
MAX_MONTHS = 120
BLOCK_SIZE = 5_000  # customers per block: each block has its own random stream and its own ledger file


@dataclass(frozen=True, slots=True)
class PayInFull:
    """The customer pays whatever the app shows as due on the day (penalty to date included)."""

    line_id: str
    ref: str


class Outcome(StrEnum):
    """A hardship case's line at the end of the horizon (hardship.parquet ``outcome``)."""

    CHARGED_OFF = "charged_off"
    REPAID = "repaid"
    DELINQUENT = "delinquent"
    CURRENT = "current"
    NOT_OFFERED = "not_offered"


@dataclass(frozen=True, slots=True)
class SimConfig:
    customers: int
    months: int
    seed: int
    scenario: Scenario
    start_on: date = date(2024, 1, 1)
    strategy: Strategy = BASELINE  # the lender's decisions (simulate/strategies.py)
    hardship_day: int = 15
    limit_review_day: int = 20
    block_size: int = BLOCK_SIZE  # part of the seed's meaning: the same seed and block size give the same run
    # Months per database transaction: each line document is rewritten once per transaction, and documents grow
    # with history, so a year writes a fraction of a month's bytes (the audit still runs monthly, inside the
    # transaction). The outputs do not depend on it (tested).
    months_per_transaction: int = 12
    # Half the inflated-income fraudsters are agency income packaging instead (``population.generate_population``):
    # opt-in, so the default population and everything calibrated on it stay as they were.
    income_packaging: bool = False
    # Savings buffers (simulate/liquidity.py); ``LiquidityParams(buffer_median_months=0)`` is the model before them.
    liquidity: LiquidityParams = DEFAULT_LIQUIDITY

    def __post_init__(self) -> None:
        if not 1 <= self.customers <= MAX_CUSTOMERS:
            raise ValidationError(
                f"customers must be between 1 and {MAX_CUSTOMERS}, got {self.customers}", field="customers"
            )
        if not 1 <= self.months <= MAX_MONTHS:
            raise ValidationError(f"months must be between 1 and {MAX_MONTHS}, got {self.months}", field="months")
        if self.seed < 0:
            raise ValidationError(f"seed must not be negative, got {self.seed}", field="seed")
        shock = self.scenario.shock
        if shock is not None and shock.start_month > self.months:
            raise ValidationError(
                f"the shock starts in month {shock.start_month}, after the {self.months}-month horizon "
                "(choose an earlier --shock-month or more --months)",
                field="shock_month",
            )
        if self.start_on.day != 1:
            raise ValidationError("start_on must be the first day of a month", field="start_on")
        if self.months_per_transaction < 1:
            raise ValidationError(
                f"months_per_transaction must be at least 1, got {self.months_per_transaction}",
                field="months_per_transaction",
            )
        if self.block_size < 1:
            raise ValidationError(f"block_size must be at least 1, got {self.block_size}", field="block_size")

    @property
    def blocks(self) -> int:
        return -(-self.customers // self.block_size)

    def block_customers(self, block: int) -> range:
        """The 0-based customer indices of a block."""
        return range(block * self.block_size, min(self.customers, (block + 1) * self.block_size))


def block_entropy(seed: int, block: int) -> int | list[int]:
    """Block 0 draws from the seed itself (a single-block run is what it always was); block k from (seed, k),
    so every block's streams are fixed by the seed alone, whichever worker runs it and in whatever order."""
    return seed if block == 0 else [seed, block]


@dataclass
class Tally:
    """The simulator's own record of what customers did, for the auditor."""

    purchased_minor: int = 0
    refunded_minor: int = 0
    paid_minor: int = 0
    refused: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@dataclass(frozen=True, slots=True)
class SimResult:
    out_dir: Path
    summary: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)  # seconds by phase; never in the outputs
