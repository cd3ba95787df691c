"""A database error's text reaches the server log (the API's 500 logs it with a reference): it must not carry the
statement's values, which can be personal data (a hardship request's free text, a customer id, a form)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from creditloop.adapters.sqlalchemy.db import make_engine


def test_a_failed_statement_names_no_value(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'e.sqlite'}")
    secret = "我失业了，电话13912345678"
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE notes (body TEXT NOT NULL UNIQUE)"))
        conn.execute(sa.text("INSERT INTO notes VALUES (:b)"), {"b": secret})
    with pytest.raises(IntegrityError) as exc, engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO notes VALUES (:b)"), {"b": secret})
    assert "UNIQUE" in str(exc.value)  # the error still says what failed
    assert secret not in str(exc.value) and "13912345678" not in str(exc.value)
    engine.dispose()
