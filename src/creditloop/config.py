"""Settings from the environment (prefix CREDITLOOP_) or arguments. Nothing connects at import time."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CREDITLOOP_", extra="ignore")

    data_dir: Path = Path("creditloop-data")
    database_url: str | None = None  # default: SQLite file ledger.sqlite in data_dir
    log_level: str = "WARNING"
    business_timezone: str = "Asia/Shanghai"  # business dates are this zone's calendar days
