"""The API's own settings (env prefix ``CREDITLOOP_API_``); the ledger's come from ``creditloop.config``."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CREDITLOOP_API_", extra="ignore")

    rate_per_second: float = 50.0  # each key's token bucket refills this fast ...
    rate_burst: int = 100  # ... up to this many requests at once
    max_body_bytes: int = 65_536  # a command is a few hundred bytes; anything far larger is refused (413)
    cors_origins: list[str] = []  # CORS is off unless origins are named
    # A simulation's data directory (snapshots.parquet) the portfolio endpoints may read as ``source=data_dir``;
    # never named by a client.
    portfolio_dir: Path | None = None
