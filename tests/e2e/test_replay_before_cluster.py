"""Decisions stored before EMPLOYER_APPLICATION_CLUSTER existed replay byte for byte (issue #13).

``tests/data/replay/decisions_before_cluster.json`` holds the rows ``creditloop origination decide`` stored at
8d874e1 (schema 0004, snapshots without the cluster counts) for an agency ring of four on one SIM block and two
other applicants. They are put into a ledger at schema 0004; ``origination replay`` (which upgrades it to 0005)
must re-derive each one exactly: no cluster result appears in an old decision. The same forms decided afresh are
referred from the ring's second member."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from alembic import command
from typer.testing import CliRunner

from creditloop.adapters.sqlalchemy import make_engine, migrate, sqlite_url
from creditloop.adapters.sqlalchemy.db import alembic_config, current_revision
from creditloop.entrypoints.cli.main import app

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "replay" / "decisions_before_cluster.json"


def cli(*args: str) -> Any:
    res = CliRunner().invoke(app, list(args))
    assert res.exit_code == 0, (res.stdout, res.stderr)
    return json.loads(res.stdout) if "--json" in args else res


def old_ledger(data_dir: Path, doc: dict[str, Any]) -> None:
    """A ledger at schema 0004 holding the stored rows as the old code wrote them."""
    data_dir.mkdir()
    engine = make_engine(sqlite_url(data_dir))
    try:
        migrate(engine)
        config = alembic_config()
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, doc["alembic_version"])
        with engine.begin() as conn:
            for table in ("underwriting_decisions", "application_history"):
                for row in doc[table]:
                    names = ", ".join(row)
                    conn.exec_driver_sql(
                        f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(row))})", tuple(row.values())
                    )
        assert current_revision(engine) == "0004_applications"
    finally:
        engine.dispose()


def test_decisions_stored_before_the_cluster_check_replay_byte_for_byte(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    ledger = tmp_path / "ledger"
    old_ledger(ledger, doc)
    for stored in doc["underwriting_decisions"]:
        replayed = cli(
            "origination", "replay", "--decision-id", stored["application_id"], "--data-dir", str(ledger), "--json"
        )
        assert replayed["identical"] is True, stored["application_id"]
        assert replayed["replayed"] == replayed["stored"] == json.loads(stored["decision_json"])
        assert "EMPLOYER_APPLICATION_CLUSTER" not in json.dumps(replayed)
        assert json.loads(stored["inputs_json"])["velocity"]["extra"] == {}


def test_the_same_forms_decided_now_refer_the_ring(tmp_path: Path) -> None:
    doc = json.loads(FIXTURE.read_text(encoding="utf-8"))
    forms = [json.loads(d["inputs_json"])["form"] for d in doc["underwriting_decisions"]]
    src = tmp_path / "forms.jsonl"
    src.write_text("".join(json.dumps(f, ensure_ascii=False) + "\n" for f in forms), encoding="utf-8")
    out = tmp_path / "out.csv"
    cli("origination", "decide", "--input", str(src), "--out", str(out), "--data-dir", str(tmp_path / "new"))
    with out.open(encoding="utf-8") as fh:
        flags = {r["application_id"]: r["check_flags"] for r in csv.DictReader(fh)}
    cluster = {a for a, f in flags.items() if "EMPLOYER_APPLICATION_CLUSTER" in f.split(",")}
    assert cluster == {"OLD-01", "OLD-02", "OLD-03"}  # the ring's first member has nothing before it
    for app_id in ("OLD-01", "OLD-04"):  # new decisions replay too
        assert cli("origination", "replay", "--decision-id", app_id, "--data-dir", str(tmp_path / "new"), "--json")[
            "identical"
        ]
