"""Migration 0015: application forms stored in clear (by the CLI, or before 0015) get their name, ID number and
phone encrypted in place, approved applicants' data lands in ``customer_pii`` with its blind index; the key comes
from CREDITLOOP_PII_KEY or, on SQLite without it, a key file made next to the database; the downgrade restores the
forms byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("cryptography")

import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine

from creditloop.adapters.pii_crypto import PiiCipher, new_key
from creditloop.adapters.sqlalchemy.db import alembic_config, current_revision
from creditloop.adapters.sqlalchemy.decisions import SqlDecisionStore, canonical
from creditloop.app import commands as c
from creditloop.bootstrap import build
from creditloop.config import Settings
from creditloop.strategy.application import ApplicationForm
from creditloop.strategy.idcard import check_char

BODY = "33010619850301042"
FORM = {
    "application_id": "APP-M-1", "applied_at": "2026-06-15T10:00:00+08:00", "channel": "app", "name": "赵六",
    "id_number": BODY + check_char(BODY), "birth_date": "1985-03-01", "phone": "13911112222",
    "device_id": "device-m", "city": "杭州", "city_tier": 2, "employer": "杭州某某科技有限公司M",
    "sector": "technology", "monthly_income": "40000.00", "monthly_debt_payments": "0.00", "other_lenders": 0,
    "requested_limit": "6000.00", "consent_bureau": True, "consent_sharing": True, "verified_income": "40000.00",
}  # fmt: skip
SECRETS = (FORM["name"], FORM["id_number"], FORM["phone"])


def _to(engine: Engine, revision: str, down: bool) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def _dump(engine: Engine, table: str) -> str:
    with engine.connect() as conn:
        return "\n".join("|".join(str(v) for v in r) for r in conn.execute(sa.text(f"SELECT * FROM {table}")))


def _ledger(tmp_path: Path) -> tuple[Engine, str]:
    """A ledger with one approved application written in clear (the CLI has no cipher)."""
    system = build(Settings(data_dir=tmp_path, database_url=None))
    decision = system.bus.handle(c.DecideApplication(ApplicationForm.model_validate(FORM), customer_id="C-M-1"))
    assert decision.decision == "approve"
    engine: Engine = system.bus.uow.engine
    with engine.connect() as conn:
        clear = conn.execute(sa.text("SELECT inputs_json FROM underwriting_decisions")).scalar_one()
    assert all(s in clear for s in SECRETS)
    _to(engine, "0012_api_keys", down=True)  # as it was before 0015
    return engine, clear


def test_0015_encrypts_stored_forms_fills_customer_pii_and_goes_down_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, clear = _ledger(tmp_path)
    key = new_key()
    monkeypatch.setenv("CREDITLOOP_PII_KEY", key)
    _to(engine, "0015_pii_encryption", down=False)
    sealed, customers = _dump(engine, "underwriting_decisions"), _dump(engine, "customer_pii")
    assert not any(s in sealed or s in customers for s in SECRETS)
    assert sealed.count("pii1:") == 3 and customers.startswith("C-M-1|APP-M-1|pii1:")
    cipher = PiiCipher.from_text(key)
    assert cipher.index(FORM["id_number"]) in customers
    with engine.connect() as conn:  # read through the store with the key: the form as submitted
        stored = SqlDecisionStore(lambda: conn, cipher).get("underwriting/APP-M-1")
        assert stored is not None and stored.inputs_json == clear
        with pytest.raises(Exception, match="CREDITLOOP_PII_KEY"):
            SqlDecisionStore(lambda: conn).get("underwriting/APP-M-1")  # no key: a clear error, never tokens
    _to(engine, "0012_api_keys", down=True)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT inputs_json FROM underwriting_decisions")).scalar_one() == clear
    assert current_revision(engine) == "0012_api_keys"


def test_0015_on_sqlite_without_a_key_makes_the_key_file_next_to_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine, _ = _ledger(tmp_path)
    monkeypatch.delenv("CREDITLOOP_PII_KEY", raising=False)
    _to(engine, "0015_pii_encryption", down=False)
    assert (tmp_path / "pii.key").is_file() and "generated a PII key" in capsys.readouterr().err
    assert not any(s in _dump(engine, "underwriting_decisions") for s in SECRETS)


def test_0015_on_each_backend_refuses_without_a_key_on_postgresql_and_round_trips_with_one(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _to(engine, "0012_api_keys", down=True)
    person = {"application_id": "APP-B", "id_number": FORM["id_number"], "name": FORM["name"], "phone": FORM["phone"]}
    clear = canonical({"arm": "champion", "form": person, "velocity": {}})
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO underwriting_decisions VALUES ('underwriting/APP-B', 'APP-B', '2026-06-15T02:00:00.000000Z', "
            "'2026-06-15', 'p', '1', NULL, NULL, 'champion', 'decline', 0, NULL, 'h', :inputs, '{}', NULL)"
        ), {"inputs": clear})  # fmt: skip
    monkeypatch.delenv("CREDITLOOP_PII_KEY", raising=False)
    if engine.dialect.name == "postgresql":
        with pytest.raises(RuntimeError, match="CREDITLOOP_PII_KEY"):
            _to(engine, "0015_pii_encryption", down=False)
        assert current_revision(engine) == "0012_api_keys"  # nothing half-written: the DDL rolled back too
    key = new_key()
    monkeypatch.setenv("CREDITLOOP_PII_KEY", key)
    _to(engine, "0015_pii_encryption", down=False)
    sealed = _dump(engine, "underwriting_decisions")
    assert sealed.count("pii1:") == 3 and not any(s in sealed for s in SECRETS)
    assert _dump(engine, "customer_pii") == ""  # a declined applicant is not a customer
    with engine.connect() as conn:
        stored = SqlDecisionStore(lambda: conn, PiiCipher.from_text(key)).get("underwriting/APP-B")
    assert stored is not None and stored.inputs_json == clear
    _to(engine, "0012_api_keys", down=True)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT inputs_json FROM underwriting_decisions")).scalar_one() == clear
    _to(engine, "0015_pii_encryption", down=False)
