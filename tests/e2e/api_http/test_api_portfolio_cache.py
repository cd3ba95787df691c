"""``GET /portfolio/ecl?source=data_dir`` is computed once per snapshots file version, reporting date and
parameter versions: a repeat is served from the cache, a rewritten snapshots file or another month is recomputed
(docs/api.md "Portfolio analytics and ECL")."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from creditloop.config import Settings
from creditloop.entrypoints.api import routes_portfolio
from creditloop.entrypoints.api.app import create_app
from creditloop.entrypoints.api.backend import Backend
from creditloop.entrypoints.api.demo import issue_keys
from creditloop.entrypoints.api.settings import ApiSettings

from .conftest import FixedClock
from .test_api_portfolio import _simulation_dir


def test_the_ecl_of_a_data_directory_is_cached_until_its_snapshots_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    sim = _simulation_dir(tmp_path)
    calls: list[Any] = []
    real = routes_portfolio.ecl_view

    def counted(inputs: Any, source: str, on: Any = None, **options: Any) -> dict[str, Any]:
        calls.append(on)
        return real(inputs, source, on, **options)

    monkeypatch.setattr(routes_portfolio, "ecl_view", counted)
    be = Backend(Settings(data_dir=tmp_path / "ledger", database_url=None), FixedClock())
    app = create_app(api=ApiSettings(rate_burst=100_000, portfolio_dir=sim), backend=be)
    headers = {"X-API-Key": issue_keys(be)["analyst"]}

    def total(query: str = "") -> int:
        res = client.get(f"/api/v1/portfolio/ecl?source=data_dir{query}", headers=headers)
        assert res.status_code == 200, res.text
        return int(next(r for r in res.json()["stages"] if r["stage"] == "total")["ecl_minor"])

    with TestClient(app) as client:
        first = total()
        assert total() == first and len(calls) == 1  # the repeat is not recomputed
        march = total("&on=2024-03-31")
        assert len(calls) == 2 and total("&on=2024-03-31") == march and len(calls) == 2
        # Rewrite the snapshots with every balance doubled: a new file version, recomputed, and the ECL follows.
        path = sim / "snapshots.parquet"
        table = pq.read_table(path)
        balances = pa.array([2 * b for b in table.column("balance_minor").to_pylist()], pa.int64())
        doubled = table.set_column(table.schema.get_field_index("balance_minor"), "balance_minor", balances)
        before = os.stat(path).st_mtime_ns
        pq.write_table(doubled, path)
        os.utime(path, ns=(before + 10**9, before + 10**9))  # a coarse-clock filesystem could keep the mtime
        again = total()
        assert len(calls) == 3 and again != first and again > 0
        assert total() == again and len(calls) == 3
    assert app.state.ecl_cache.hits == 3 and len(app.state.ecl_cache) == 3
