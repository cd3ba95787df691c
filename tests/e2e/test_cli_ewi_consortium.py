"""``creditloop consortium enrol`` and ``ewi run --consortium`` end to end: an unreachable consortium (nothing
listens on the port) leaves the run to finish without it, quickly, flagged in its summary; missing settings or a
bad ID are one line naming the field, exit 2, nothing written."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from test_cli_ewi_run import book  # tests/e2e is on the path (no __init__.py)
from typer.testing import CliRunner

from creditloop.adapters.consortium_member_file import FILE_NAME
from creditloop.entrypoints.cli.main import app

pytest.importorskip("duckdb")
pytest.importorskip("httpx")
GOOD_ID = "11010519491231002X"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    key_file = tmp_path / "ring.json"
    key_file.write_text(json.dumps({"current": {"key_id": "k1", "secret_hex": "ab" * 32}}), encoding="utf-8")
    monkeypatch.setenv("CREDITLOOP_CONSORTIUM_KEY_FILE", str(key_file))
    return tmp_path


def test_enrol_then_a_run_without_a_reachable_consortium(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = env / "ledger"
    book(data)
    customers = env / "customers.csv"
    customers.write_text(f"customer_id,resident_id\nok,{GOOD_ID}\nlate,{GOOD_ID}\n", encoding="utf-8")
    done = CliRunner().invoke(app, ["consortium", "enrol", "--customers", str(customers), "--data-dir", str(data),
                                    "--on", "2024-04-30", "--json"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert json.loads(done.output) == {"enrolled": 2, "keys": ["k1"]}
    assert GOOD_ID.encode() not in (data / FILE_NAME).read_bytes()
    monkeypatch.setenv("CREDITLOOP_CONSORTIUM_URL", "http://127.0.0.1:9")  # discard port: connection refused
    monkeypatch.setenv("CREDITLOOP_CONSORTIUM_MEMBER_KEY", "ckm_x_y")
    started = time.monotonic()
    ran = CliRunner().invoke(app, ["ewi", "run", "--data-dir", str(data), "--on", "2024-04-30", "--consortium",
                                   "--json"])  # fmt: skip
    assert ran.exit_code == 0, ran.output
    asked = json.loads(ran.output)["consortium"]
    assert asked["flagged"] and asked["statuses"] == {"unavailable": 2} and asked["seconds"] < 2
    assert time.monotonic() - started < 60
    assert json.loads(ran.output)["raised"]  # the run itself went on without the consortium
    again = CliRunner().invoke(app, ["ewi", "run", "--data-dir", str(data), "--on", "2024-04-30", "--consortium"])
    assert again.exit_code == 0 and "FLAGGED" in again.output and "unavailable 2" in again.output


def test_missing_settings_and_bad_ids_are_refused(env: Path) -> None:
    data = env / "ledger"
    book(data)
    ran = CliRunner().invoke(app, ["ewi", "run", "--data-dir", str(data), "--on", "2024-04-30", "--consortium"])
    assert ran.exit_code == 2 and "CREDITLOOP_CONSORTIUM_URL" in ran.output
    customers = env / "customers.csv"
    customers.write_text("customer_id,resident_id\nok,110105199001010000\n", encoding="utf-8")
    bad = CliRunner().invoke(app, ["consortium", "enrol", "--customers", str(customers), "--data-dir", str(data)])
    assert bad.exit_code == 2 and "row 2" in bad.output and "110105199001010000" not in bad.output
    assert not (data / FILE_NAME).exists()
