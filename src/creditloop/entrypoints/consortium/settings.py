"""The consortium service's settings (env prefix ``CREDITLOOP_CONSORTIUM_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConsortiumSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CREDITLOOP_CONSORTIUM_", extra="ignore")

    data_dir: Path = Path("consortium-data")
    database_url: str | None = None  # default: SQLite file consortium.sqlite in data_dir; PostgreSQL by URL
    min_members: int = Field(default=3, ge=2)  # other contributing members below which nothing is revealed
    max_age_days: int = Field(default=35, ge=1)
    rate_per_second: float = Field(default=100.0, gt=0)  # each member's token bucket refills this fast ...
    rate_burst: int = Field(default=200, ge=1)  # ... up to this many requests at once
    max_body_bytes: int = Field(default=16_384, ge=1024)
    business_timezone: str = "Asia/Shanghai"
    # SQLite: sync the audit to disk on every (group) commit, surviving a power cut; False: at checkpoints only.
    full_sync: bool = True

    def url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir.resolve() / 'consortium.sqlite'}"

    def revocation_marker(self) -> Path | None:
        """SQLite: the file a key revocation replaces, which a running service on the same file watches (a stat per
        request) to drop its key cache; None on PostgreSQL, where the service reads the key per request instead."""
        return None if self.database_url else self.data_dir.resolve() / "consortium.sqlite.revoked"
