"""The consortium service over a fresh SQLite store, a fixed clock and one key per member (in-process HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi import FastAPI
from fastapi.testclient import TestClient

from creditloop.consortium.pseudonym import ConsortiumKey, KeyRing
from creditloop.entrypoints.consortium.app import create_app
from creditloop.entrypoints.consortium.keys import issue_member_key
from creditloop.entrypoints.consortium.service import ConsortiumService
from creditloop.entrypoints.consortium.settings import ConsortiumSettings

TODAY = date(2026, 6, 15)
MEMBERS = ("A", "B", "C", "D", "E")
RING = KeyRing(ConsortiumKey("k1", b"test-consortium-key-0123456789abcdef"))
PREFIX = "/consortium/v1"


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 6, 15, 4, 0, tzinfo=UTC)

    def today(self) -> date:
        return TODAY


def resident_id(seq: int, born: str = "19900101") -> str:
    body = f"110105{born}{seq:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def pseudonym_of(resident: str) -> str:
    return RING.pseudonyms(resident, TODAY)["k1"]


@dataclass
class Consortium:
    app: FastAPI
    client: TestClient
    svc: ConsortiumService
    keys: dict[str, str]

    def auth(self, member: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[member]}"}

    def post(self, member: str, path: str, body: object) -> object:
        return self.client.post(PREFIX + path, json=body, headers=self.auth(member))

    def share(self, member: str, pseudonym: str, **signals: object) -> None:
        """Sharing consent and a contribution, both accepted."""
        r = self.client.post(PREFIX + "/consents", json={"key_id": "k1", "pseudonym": pseudonym, "purpose": "sharing"},
                             headers=self.auth(member))  # fmt: skip
        assert r.status_code == 201, r.text
        body = {"key_id": "k1", "pseudonym": pseudonym, "open_lines": 1, "balance_band": "5000-20000",
                "worst_bucket": "current", "applications_30d": 1, "as_of": TODAY.isoformat(), **signals}  # fmt: skip
        r = self.client.post(PREFIX + "/contributions", json=body, headers=self.auth(member))
        assert r.status_code == 201, r.text

    def ask(self, member: str, pseudonym: str, purpose: str = "credit_application") -> object:
        return self.client.post(PREFIX + "/queries", json={"purpose": purpose, "pseudonyms": {"k1": pseudonym}},
                                headers=self.auth(member))  # fmt: skip


def make_consortium(data_dir: Path, **settings: object) -> Consortium:
    config = ConsortiumSettings(data_dir=data_dir, rate_burst=100_000, full_sync=False, **settings)  # type: ignore[arg-type]
    svc = ConsortiumService(config, FixedClock())
    keys = {m: issue_member_key(svc.store, m, f"test {m}", FixedClock().now()) for m in MEMBERS}
    app = create_app(service=svc)
    return Consortium(app, TestClient(app), svc, keys)


@pytest.fixture
def consortium(tmp_path: Path) -> Iterator[Consortium]:
    made = make_consortium(tmp_path)
    with made.client:
        yield made
    made.svc.store.engine.dispose()
