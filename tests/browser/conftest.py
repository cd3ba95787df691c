"""Real Chromium (Debian's ``chromium``, driven by Playwright for Python; no browser download) against
``creditloop serve``'s app under uvicorn on a free port, over a fresh SQLite ledger with the demo book (the
dashboard's part included) and a fixed clock.

Without Chromium or Playwright the tests skip, saying why; with ``CREDITLOOP_REQUIRE_BROWSER=1`` (CI: ``.ci/run``)
they fail instead. ``CREDITLOOP_CHROMIUM`` names another binary. ``CREDITLOOP_DASHBOARD_SCREENSHOTS=DIR`` saves the
pages as PNGs (docs/img/dashboard-*.png are made so).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

REQUIRED = os.environ.get("CREDITLOOP_REQUIRE_BROWSER") == "1"
CHROMIUM = os.environ.get("CREDITLOOP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"CREDITLOOP_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


class FixedClock:
    """12:00 in Shanghai on 2026-06-15."""

    def now(self) -> datetime:
        return datetime(2026, 6, 15, 4, 0, tzinfo=UTC)

    def today(self) -> date:
        return date(2026, 6, 15)


@dataclass
class Server:
    base: str
    keys: dict[str, str]
    backend: Any


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    try:
        import uvicorn

        from creditloop.config import Settings
        from creditloop.entrypoints.api.app import create_app
        from creditloop.entrypoints.api.backend import Backend
        from creditloop.entrypoints.api.demo import issue_keys
        from creditloop.entrypoints.api.demo_dashboard import seed_all
        from creditloop.entrypoints.api.settings import ApiSettings
    except ImportError as exc:
        _unavailable(f"the service extra is not installed ({exc.name})")
    data = tmp_path_factory.mktemp("dashboard")
    be = Backend(Settings(data_dir=data, database_url=None), FixedClock())
    seed_all(be)
    keys = issue_keys(be)
    port = _free_port()
    config = uvicorn.Config(create_app(api=ApiSettings(rate_burst=100_000), backend=be), host="127.0.0.1",
                            port=port, log_level="warning", access_log=False)  # fmt: skip
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start within 15 s")
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{port}", keys, be)
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install 'creditloop[browser]')")
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium; `make setup` does it)")
    with sync_playwright() as p:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    """A fresh context (empty sessionStorage) per test; console errors and CSP violations fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True,
                                  timezone_id="Asia/Shanghai")  # fmt: skip
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    unexpected = [e for e in errors if "status of 40" not in e]  # 4xx answers the page handles are logged too
    assert not unexpected, unexpected


def log_in(page: Any, server: Server, role: str) -> None:
    page.goto(f"{server.base}/dashboard")
    page.fill("#key", server.keys[role])
    page.click("#login-submit")
    page.wait_for_selector("#nav:not([hidden])")


def screenshot(page: Any, name: str) -> None:
    target = os.environ.get("CREDITLOOP_DASHBOARD_SCREENSHOTS")
    if target:
        page.screenshot(path=str(Path(target) / f"dashboard-{name}.png"), full_page=False)
