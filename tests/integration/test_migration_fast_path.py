"""``migrate`` on a database already at head answers without importing Alembic (0.1 s of CPU off every ledger
command): the head read from the scripts equals Alembic's, an up-to-date ledger opens without loading Alembic, and
anything else (a fresh file, an older revision, two heads, a script it cannot read) is left to Alembic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from creditloop.adapters.sqlalchemy.db import (
    current_revision,
    head_revision,
    make_engine,
    migrate,
    shipped_head,
    sqlite_url,
)


def test_the_head_read_from_the_scripts_is_alembics() -> None:
    assert shipped_head() == head_revision()


def test_a_second_head_or_an_unreadable_script_leaves_the_answer_to_alembic(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.py").write_text(
            f'revision: str = "{name}"\ndown_revision = {None if name == "a" else repr("a")}\n', encoding="utf-8"
        )
    assert shipped_head(tmp_path) is None  # b and c both continue a
    (tmp_path / "d.py").write_text('revision = "d"\ndown_revision = ("b", "c")\n', encoding="utf-8")
    shipped_head.cache_clear()  # read once per process: the scripts do not change under a running program
    assert shipped_head(tmp_path) == "d"  # a merge revision joins them
    (tmp_path / "e.py").write_text('revision = compute()\ndown_revision = "d"\n', encoding="utf-8")
    shipped_head.cache_clear()
    assert shipped_head(tmp_path) is None


def test_a_ledger_at_head_is_not_upgraded_and_an_older_one_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(sqlite_url(tmp_path))
    migrate(engine)  # a fresh file: Alembic creates every table
    assert current_revision(engine) == head_revision()
    calls: list[str] = []
    monkeypatch.setattr(command, "upgrade", lambda _config, rev: calls.append(rev))
    migrate(engine)
    assert calls == []
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0001_initial'"))
    migrate(engine)
    assert calls == ["head"]  # behind: Alembic upgrades


def test_a_ledger_command_on_an_up_to_date_ledger_loads_no_alembic(tmp_path: Path) -> None:
    engine = make_engine(sqlite_url(tmp_path))
    migrate(engine)
    engine.dispose()
    script = (
        "import sys\n"
        "from creditloop.adapters.sqlalchemy.db import make_engine, migrate, sqlite_url\n"
        f"migrate(make_engine(sqlite_url({str(tmp_path)!r})))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako', 'pygments')))\n"
    )
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert res.stdout.strip() == "[]", res.stdout
