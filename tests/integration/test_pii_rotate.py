"""``creditloop pii rotate-key`` (issue 18): stored personal data re-encrypted under a new key in batches, resumable,
audited, blind index recomputed; on SQLite and on PostgreSQL (``CREDITLOOP_TEST_POSTGRES_URL``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

pytest.importorskip("cryptography")

import sqlalchemy as sa
from sqlalchemy import Engine
from typer.testing import CliRunner

from creditloop.adapters.pii_crypto import PiiCipher, new_key
from creditloop.adapters.sqlalchemy import SqlUnitOfWork
from creditloop.adapters.sqlalchemy.pii_rotate import rotate_pii_key
from creditloop.adapters.sqlalchemy.pii_store import SealedPii, SqlPiiStore
from creditloop.adapters.sqlalchemy.tables import customer_pii, pii_reads, underwriting_decisions
from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.handlers import Policies
from creditloop.collections.hardship import default_hardship_policy
from creditloop.core.errors import ValidationError
from creditloop.products.terms import Product, default_product
from creditloop.strategy.application import ApplicationForm
from creditloop.strategy.idcard import check_char
from creditloop.strategy.origination import default_policy

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
OLD, NEW = new_key(), new_key()
PRODUCT = default_product()


def _form(k: int) -> dict[str, object]:
    body = f"3301061985030{k:04d}"
    return {
        "application_id": f"APP-R-{k}", "applied_at": "2026-06-15T10:00:00+08:00", "channel": "app", "name": f"赵{k}",
        "id_number": body + check_char(body), "birth_date": "1985-03-01", "phone": f"1391111{k:04d}",
        "device_id": f"device-{k}", "city": "杭州", "city_tier": 2, "employer": f"杭州某某科技有限公司{k}",
        "sector": "technology", "monthly_income": "40000.00", "monthly_debt_payments": "0.00", "other_lenders": 0,
        "requested_limit": "6000.00", "consent_bureau": True, "consent_sharing": True, "verified_income": "40000.00",
    }  # fmt: skip


def _book(engine: Engine, n: int) -> list[dict[str, object]]:
    """``n`` decided applications (forms encrypted under OLD) and their customers' ``customer_pii`` rows."""

    def products(_key: str) -> Product:
        return PRODUCT

    uow = SqlUnitOfWork(engine, products)
    old = PiiCipher.from_text(OLD)
    uow.decisions.cipher = old
    bus = MessageBus(uow, Policies(PRODUCT, default_policy(), default_hardship_policy()))
    forms = [_form(k) for k in range(n)]
    store = SqlPiiStore(engine)
    for k, form in enumerate(forms):
        bus.handle(c.DecideApplication(ApplicationForm.model_validate(form), customer_id=f"C-R-{k}"))
        sealed = {f: old.encrypt(f, str(form[f])) for f in ("name", "id_number", "phone")}
        store.put(SealedPii(f"C-R-{k}", str(form["application_id"]), sealed["name"], sealed["id_number"],
                            sealed["phone"], old.index(str(form["id_number"])), NOW))  # fmt: skip
    return forms


def _assert_all_under(engine: Engine, key: str, forms: list[dict[str, object]]) -> None:
    cipher, other = PiiCipher.from_text(key), PiiCipher.from_text(OLD if key == NEW else NEW)
    with engine.connect() as conn:
        stored = [
            json.loads(t)["form"] for t in conn.execute(sa.select(underwriting_decisions.c.inputs_json)).scalars()
        ]
        rows = conn.execute(sa.select(customer_pii).order_by(customer_pii.c.customer_id)).mappings().all()
    by_app = {f["application_id"]: f for f in stored}
    for form in forms:
        sealed = by_app[form["application_id"]]
        for f in ("name", "id_number", "phone"):
            assert cipher.decrypt(f, sealed[f]) == form[f]
            with pytest.raises(ValidationError):
                other.decrypt(f, sealed[f])
    assert len(rows) == len(forms)
    for row, form in zip(rows, forms, strict=True):
        assert cipher.decrypt("id_number", row["id_number_enc"]) == form["id_number"]
        assert cipher.decrypt("phone", row["phone_enc"]) == form["phone"]
        assert row["id_number_index"] == cipher.index(str(form["id_number"]))


def _audits(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        q = sa.select(pii_reads.c.customer_id, pii_reads.c.operation).where(pii_reads.c.operation.like("rotate_key%"))
        return sorted((a, b) for a, b in conn.execute(q))


def test_rotation_in_batches_resumes_after_a_stop_and_audits_each_customer(engine: Engine) -> None:
    forms = _book(engine, 5)
    old, new = PiiCipher.from_text(OLD), PiiCipher.from_text(NEW)

    class Stop(Exception):
        pass

    def crash(report: object) -> None:
        raise Stop  # the process dies after the first committed batch

    with pytest.raises(Stop):
        rotate_pii_key(engine, old, new, lambda: NOW, batch=2, progress=crash)
    first = rotate_pii_key(engine, old, new, lambda: NOW, batch=2)
    assert (first.forms_rotated, first.forms_current) == (3, 2)  # the first batch was kept
    assert (first.customers_rotated, first.customers_current) == (5, 0)
    _assert_all_under(engine, NEW, forms)
    again = rotate_pii_key(engine, old, new, lambda: NOW, batch=2)
    assert (again.forms_rotated, again.customers_rotated, again.customers_current) == (0, 0, 5)
    audits = _audits(engine)
    assert [a for a in audits if a[0] != "*"] == [(f"C-R-{k}", "rotate_key") for k in range(5)]
    assert sorted(a[1] for a in audits if a[0] == "*") == [
        "rotate_key forms (1)",
        "rotate_key forms (2)",
        "rotate_key forms (2)",
    ]
    with engine.connect() as conn:
        logged = " ".join(str(v) for r in conn.execute(sa.select(pii_reads)) for v in r)
    assert all(str(form[f]) not in logged for form in forms for f in ("name", "id_number", "phone"))


def test_a_value_neither_key_opens_stops_the_batch_and_writes_nothing_of_it(engine: Engine) -> None:
    forms = _book(engine, 2)
    stranger = PiiCipher.from_text(new_key())
    with engine.begin() as conn:
        conn.execute(customer_pii.update().where(customer_pii.c.customer_id == "C-R-1")
                     .values(phone_enc=stranger.encrypt("phone", "13900000000")))  # fmt: skip
    old, new = PiiCipher.from_text(OLD), PiiCipher.from_text(NEW)
    with pytest.raises(ValidationError, match="customer_pii C-R-1, field phone: opened by neither") as err:
        rotate_pii_key(engine, old, new, lambda: NOW, batch=10)
    assert err.value.field == "phone"
    with engine.connect() as conn:  # the customers' batch was rolled back: C-R-0 is still under the old key
        row = conn.execute(sa.select(customer_pii).where(customer_pii.c.customer_id == "C-R-0")).mappings().one()
    assert old.decrypt("name", row["name_enc"]) == forms[0]["name"]
    assert [a for a in _audits(engine) if a[0] != "*"] == []


def test_cli_rotates_the_embedded_ledger_and_replaces_its_key_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from creditloop.adapters.sqlalchemy.db import make_engine, migrate, sqlite_url
    from creditloop.entrypoints.cli.main import app

    data = tmp_path / "data"
    data.mkdir()
    engine = make_engine(sqlite_url(data.resolve()))
    migrate(engine)
    forms = _book(engine, 3)
    (data / "pii.key").write_text(OLD + "\n", encoding="ascii")
    runner = CliRunner()
    monkeypatch.delenv("CREDITLOOP_DATABASE_URL", raising=False)
    monkeypatch.setenv("CREDITLOOP_PII_KEY", NEW)
    monkeypatch.delenv("CREDITLOOP_PII_KEY_OLD", raising=False)
    missing = runner.invoke(app, ["pii", "rotate-key", "--data-dir", str(data)])
    assert missing.exit_code == 2 and "CREDITLOOP_PII_KEY_OLD is not set" in missing.output
    monkeypatch.setenv("CREDITLOOP_PII_KEY_OLD", OLD)
    done = runner.invoke(app, ["pii", "rotate-key", "--data-dir", str(data), "--batch", "2", "--json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    assert (report["forms_rotated"], report["customers_rotated"], report["key_file_replaced"]) == (3, 3, True)
    assert (data / "pii.key").read_text(encoding="ascii").strip() == NEW
    _assert_all_under(engine, NEW, forms)
    engine.dispose()
