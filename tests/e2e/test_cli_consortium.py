"""``creditloop consortium member-key create`` and ``consortium serve`` as a user runs them (subprocesses)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")


def cli(*args: str, data_dir: Path) -> Any:
    """In process (the command is about what it writes); ``serve`` below runs as a subprocess."""
    from typer.testing import CliRunner

    from creditloop.entrypoints.cli.main import app

    return CliRunner().invoke(app, ["consortium", *args, "--data-dir", str(data_dir)])


@pytest.mark.slow
def test_member_key_then_serve(tmp_path: Path) -> None:
    made = cli("member-key", "create", "--member", "BANK-A", "--json", data_dir=tmp_path)
    assert made.exit_code == 0, made.output
    key = json.loads(made.stdout)["key"]
    assert key.startswith("ckm_") and key not in (tmp_path / "consortium.sqlite").read_bytes().decode("latin-1")
    bad = cli("member-key", "create", "--member", "bank a!", data_dir=tmp_path)
    assert bad.exit_code == 2 and "member_id" in bad.output and "Traceback" not in bad.output
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    cmd = [sys.executable, "-m", "creditloop", "consortium", "serve", "--port", str(port), "--data-dir", str(tmp_path)]
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}/consortium/v1"
        for _ in range(200):
            try:
                assert httpx.get(base + "/health", timeout=1).json() == {"status": "ok"}
                break
            except httpx.TransportError:
                time.sleep(0.05)
        body = {"purpose": "credit_application", "pseudonyms": {"k1": "ab" * 32}}
        r = httpx.post(base + "/queries", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=5)
        assert r.status_code == 403 and r.json()["code"] == "consent_refused"
        assert httpx.post(base + "/queries", json=body, timeout=5).status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert b"Traceback" not in (server.stderr.read() if server.stderr else b"")


def test_purge_key(tmp_path: Path) -> None:
    from datetime import UTC, date, datetime

    from creditloop.adapters.sqlalchemy.consortium_store import GRANT, open_store
    from creditloop.consortium.signals import Contribution

    store = open_store(f"sqlite:///{tmp_path / 'consortium.sqlite'}", full_sync=False)
    at, on = datetime(2026, 6, 1, tzinfo=UTC), date(2026, 6, 1)
    store.add_member("A", "a", at)
    for key_id in ("k1", "k2"):
        store.record_consent(GRANT, "A", key_id, "ab" * 32, "sharing", on, at)
        store.record_contribution(Contribution("A", key_id, "ab" * 32, 1, "0-5000", "current", 0, on), at)
    assert cli("purge-key", "--key-id", "k1", data_dir=tmp_path).exit_code == 2  # no --yes
    assert cli("purge-key", "--key-id", "bad key", "--yes", data_dir=tmp_path).exit_code == 2
    done = cli("purge-key", "--key-id", "k1", "--yes", "--json", data_dir=tmp_path)
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["deleted"] == {"consortium_contributions": 1, "consortium_consent_events": 1}
    registry = store.load_registry()
    assert registry.contributions({"k1": "ab" * 32}, on) == {}
    assert set(registry.contributions({"k2": "ab" * 32}, on)) == {"A"}
