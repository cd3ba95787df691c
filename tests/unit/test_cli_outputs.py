"""The shared output guard: never a ledger or its side files, never an input, no overwrite without --force, and
a failed write leaves the old file (or nothing) behind."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from creditloop.entrypoints.cli.outputs import (
    OutputRefused,
    atomic_output,
    atomic_write,
    check_output,
    is_ledger_path,
)


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    return path


def test_a_ledger_is_refused_even_with_force(ledger: Path) -> None:
    with pytest.raises(OutputRefused, match=r"--out: .*ledger database .*never overwritten"):
        check_output(ledger, force=True)


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
def test_side_files_are_refused_whether_or_not_they_exist(ledger: Path, suffix: str) -> None:
    side = ledger.with_name(ledger.name + suffix)
    assert not side.exists()
    with pytest.raises(OutputRefused, match="ledger database or one of its side files"):
        check_output(side, force=True)


def test_a_not_yet_created_ledger_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputRefused):
        check_output(tmp_path / "new" / "ledger.sqlite")


def test_any_sqlite_file_is_a_ledger_by_its_header(tmp_path: Path) -> None:
    other = tmp_path / "books.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    assert is_ledger_path(other)
    with pytest.raises(OutputRefused, match="--report"):
        check_output(other, "--report", force=True)
    side = tmp_path / "books.db-wal"
    assert is_ledger_path(side)


def test_a_symlink_to_a_ledger_is_refused(ledger: Path, tmp_path: Path) -> None:
    link = tmp_path / "innocent.csv"
    link.symlink_to(ledger)
    with pytest.raises(OutputRefused):
        check_output(link, force=True)


def test_an_input_is_refused_even_with_force(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("a\n1\n")
    with pytest.raises(OutputRefused, match="also this command's input"):
        check_output(tmp_path / "." / "in.csv", force=True, inputs=[source])


def test_an_existing_file_needs_force(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("keep")
    with pytest.raises(OutputRefused, match="exists; pass --force"):
        check_output(target)
    check_output(target, force=True)  # allowed
    assert target.read_text() == "keep"  # checking writes nothing


def test_a_directory_and_a_file_as_parent_are_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputRefused, match="is a directory"):
        check_output(tmp_path, force=True)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputRefused, match="is not a directory"):
        check_output(blocker / "out.csv")


def test_a_new_file_is_allowed(tmp_path: Path) -> None:
    check_output(tmp_path / "sub" / "out.csv")


def test_atomic_output_replaces_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_output(target) as fh:
        fh.write("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no temporary left behind
    with atomic_output(target) as fh:
        fh.write("new")
    assert target.read_text() == "new"


def test_atomic_write_for_path_writers(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "report.html"

    def fails(tmp: Path) -> None:
        tmp.write_text("partial")
        raise OSError("boom")

    with pytest.raises(OSError):
        atomic_write(target, fails)
    assert not target.exists() and list(target.parent.iterdir()) == []
    atomic_write(target, lambda tmp: tmp.write_text("<html>"))
    assert target.read_text() == "<html>"


def test_a_renamed_write_ahead_log_is_recognised_by_its_header(tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    copy = tmp_path / "copy.bin"
    copy.write_bytes((tmp_path / "x.sqlite-wal").read_bytes())
    conn.close()
    assert is_ledger_path(copy)


def test_a_ledger_that_appears_during_the_write_is_not_replaced(tmp_path: Path) -> None:
    target = tmp_path / "out.db"

    def racing(tmp: Path) -> None:
        tmp.write_text("report")
        with sqlite3.connect(target) as conn:  # someone creates a database at the target meanwhile
            conn.execute("CREATE TABLE t (x)")

    with pytest.raises(OutputRefused, match="became a ledger"):
        atomic_write(target, racing)
    assert is_ledger_path(target) and [p.name for p in tmp_path.iterdir()] == ["out.db"]


@pytest.mark.parametrize("device", ["/dev/null", "/dev/full"])
def test_a_device_is_never_replaced_even_with_force(device: str) -> None:
    with pytest.raises(OutputRefused, match="not a regular file"):
        check_output(Path(device), force=True)
    assert not Path(device).is_file()  # still a device


def test_a_fifo_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputRefused, match="not a regular file"):
        check_output(fifo, force=True)
