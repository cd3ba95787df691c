"""``creditloop serve --seed-demo`` in a real uvicorn process: it prints the keys, becomes ready, answers, stops."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("fastapi")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, key: str | None = None) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"} if key else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_serve_starts_seeded_answers_and_stops(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("CREDITLOOP_DATABASE_URL", None)
    args = [sys.executable, "-m", "creditloop", "serve", "--port", str(port), "--data-dir", str(tmp_path / "d"),
            "--seed-demo"]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        keys = {}
        assert proc.stdout is not None
        for line in proc.stdout:  # the keys come before the server starts
            parts = line.split()
            if len(parts) == 2 and parts[1].startswith("clk_"):
                keys[parts[0]] = parts[1]
            if line.startswith("Try:"):
                break
        assert set(keys) == {"checkout", "customer", "collector", "analyst", "supervisor", "auditor", "admin"}
        base = f"http://127.0.0.1:{port}/api/v1"
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(f"{base}/health")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, "the server did not become ready"
            time.sleep(0.2)
        status, line = _get(f"{base}/lines/L-DEMO-1", keys["admin"])
        assert status == 200 and line["customer_id"] == "C-DEMO-1"
        assert _get(f"{base}/lines/L-DEMO-1")[0] == 401
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert "L-DEMO-1" not in (proc.stderr.read() if proc.stderr else "")  # no ids in the server's log


def test_api_key_create_prints_a_key_that_works_once_and_refuses_a_bad_role(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from creditloop.config import Settings
    from creditloop.entrypoints.api.backend import Backend
    from creditloop.entrypoints.api.keys import verify
    from creditloop.entrypoints.cli.main import app

    d = str(tmp_path / "d")
    runner = CliRunner()
    made = runner.invoke(app, ["api-key", "create", "--role", "auditor", "--label", "audit", "--data-dir", d, "--json"])
    assert made.exit_code == 0, made.output
    key = json.loads(made.stdout)["key"]
    who = verify(Backend(Settings(data_dir=Path(d), database_url=None)).keys, key)
    assert who is not None and who.role == "auditor"
    bad = runner.invoke(app, ["api-key", "create", "--role", "root", "--label", "x", "--data-dir", d])
    assert bad.exit_code == 2 and "role" in bad.output
    unbound = runner.invoke(app, ["api-key", "create", "--role", "customer", "--label", "x", "--data-dir", d])
    assert unbound.exit_code == 2 and "customer_id" in unbound.output
