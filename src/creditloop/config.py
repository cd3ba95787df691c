"""Settings from the environment (prefix CREDITLOOP_) or arguments. Nothing connects at import time."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CREDITLOOP_", extra="ignore")

    data_dir: Path = Path("creditloop-data")
    database_url: str | None = None  # default: SQLite file ledger.sqlite in data_dir
    log_level: str = "WARNING"
    # Rows per account's running total on PostgreSQL (issue 18; default 64, 1 = one hot row per account as before).
    total_slots: int | None = Field(default=None, ge=1, le=1000)
    business_timezone: str = "Asia/Shanghai"  # business dates are this zone's calendar days
    # The consortium of multi-lending signals (issue #19, docs/consortium.md): off unless a URL is given. The
    # member key authenticates this lender; the key file holds the consortium's HMAC key ring (never logged).
    consortium_url: str | None = None
    consortium_member_key: str | None = Field(default=None, repr=False)
    consortium_key_file: Path | None = None
    consortium_timeout_s: float = Field(default=0.3, gt=0, le=5)
