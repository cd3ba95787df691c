"""Suite-wide fixtures: build an expensive, read-only fixture once per test session, not once per xdist worker.

A module- or session-scoped fixture is set up once per worker that runs a test needing it, and ``pytest -n auto``
spreads a module's tests over every worker: the simulator's calibration runs, the strategy comparison and the
demo were each built on both workers of a 2-core CI box. (``--dist loadgroup`` would keep them on one worker, but
with pytest 9.2 it silently groups nothing: pytest-xdist issue #1386.)"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: every worker builds its own, as before
    fcntl = None  # type: ignore[assignment]

OncePerSession = Callable[[str, Callable[[Path], Any]], Any]


@pytest.fixture(scope="session")
def once_per_session(tmp_path_factory: pytest.TempPathFactory) -> OncePerSession:
    """``once_per_session(name, build)``: ``build(directory)``'s result, built by the first worker that asks, in a
    directory every worker of this run shares; the others wait on a lock and read the pickled result. Tests must
    only read what ``build`` made (as they already must for any shared fixture). A failed build is retried by the
    next worker in a fresh directory."""

    def get(name: str, build: Callable[[Path], Any]) -> Any:
        if os.environ.get("PYTEST_XDIST_WORKER") is None or fcntl is None:
            return build(tmp_path_factory.mktemp(name))
        root = tmp_path_factory.getbasetemp().parent / f"once-{name}"  # pytest-N/: this run's, shared by workers
        root.mkdir(exist_ok=True)
        with (root / "lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            done = root / "result.pickle"
            if done.exists():
                return pickle.loads(done.read_bytes())
            result = build(Path(tempfile.mkdtemp(dir=root)))
            done.write_bytes(pickle.dumps(result))
            return result

    return get
