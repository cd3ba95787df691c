"""The CLI with a PII key (issue 18): ``origination decide`` stores the forms' name, ID number and phone encrypted,
``replay`` reads them back (byte for byte) with the key and names the variable without it."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("cryptography")

import json
from typing import Any

import sqlalchemy as sa
from typer.testing import CliRunner

from creditloop.adapters.pii_crypto import new_key
from creditloop.entrypoints.cli.main import app

from .walk_more import form


def cli(*args: str, code: int = 0) -> Any:
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == code, (res.stdout, res.stderr)
    return json.loads(res.stdout) if "--json" in args and code == 0 else res


def test_decide_encrypts_the_forms_and_replay_needs_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger = tmp_path / "ledger"
    rows = [form(1)]
    monkeypatch.setenv("CREDITLOOP_PII_KEY", new_key())
    src = tmp_path / "apps.jsonl"
    src.write_text(json.dumps(rows[0], ensure_ascii=False) + "\n", encoding="utf-8")
    cli("origination", "decide", "--input", str(src), "--out", str(tmp_path / "out.csv"), "--data-dir", str(ledger))
    engine = sa.create_engine(f"sqlite:///{ledger / 'ledger.sqlite'}")
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT inputs_json FROM underwriting_decisions")).scalar_one()
    engine.dispose()
    assert stored.count("pii1:") == 3
    assert not any(rows[0][k] in stored for k in ("name", "id_number", "phone"))
    app_id = rows[0]["application_id"]
    assert cli("origination", "replay", "--decision-id", app_id, "--data-dir", str(ledger), "--json")["identical"]
    monkeypatch.delenv("CREDITLOOP_PII_KEY")
    refused = cli("origination", "replay", "--decision-id", app_id, "--data-dir", str(ledger), code=2)
    assert "CREDITLOOP_PII_KEY" in refused.stderr
