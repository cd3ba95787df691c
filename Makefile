# creditloop — one command to run the demo, one to run the tests. Both set everything up first.
# Installs are pinned by constraints.txt (reproducible CI). `pip install .` alone is the lean ledger service;
# the extras add the simulator (sim), the reports (report), scoring, PostgreSQL (postgres), the portfolio analytics
# (analytics: ibis on DuckDB; spark: ibis on PySpark, Java 17+); `all` is all of them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_STAMP := $(VENV)/.demo-stamp
PIP_INSTALL := $(BIN)/python -m pip install --quiet -c constraints.txt
DATA_DIR ?= creditloop-data
ARGS ?=
PYTEST_ARGS ?=
# The browser tests drive the system's Chromium; Playwright never downloads one.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
CHROMIUM ?= /usr/bin/chromium
APT_BROWSER := chromium chromium-driver fonts-wqy-microhei

.PHONY: demo test lint setup constraints clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Tests and lint: every extra plus the dev tools.
$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP_INSTALL) -e ".[dev,all]"
	@touch $(STAMP)

# The demo needs only the simulator and the report.
$(DEMO_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP_INSTALL) -e ".[demo]"
	@touch $(DEMO_STAMP)

# Debian's Chromium for tests/browser, with apt when it is missing (as root, or through sudo without a password).
# Without apt it says so and goes on: the browser tests then skip, or fail under CREDITLOOP_REQUIRE_BROWSER=1 (CI).
chromium:
	@if command -v chromium >/dev/null 2>&1 || [ -x "$(CHROMIUM)" ]; then :; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
	  echo "make: no apt-get here: install Chromium yourself for tests/browser (CREDITLOOP_CHROMIUM=/path)" >&2; \
	elif [ "$$(id -u)" = 0 ]; then \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_BROWSER); } \
	  || echo "make: apt-get could not install Chromium; tests/browser will skip (or fail in CI)" >&2; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	  { sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_BROWSER); } \
	  || echo "make: apt-get could not install Chromium; tests/browser will skip (or fail in CI)" >&2; \
	else echo "make: Chromium is missing and installing it needs root: sudo apt-get install $(APT_BROWSER)" >&2; fi

setup: $(STAMP) chromium

demo: $(DEMO_STAMP)
	$(BIN)/creditloop demo --data-dir $(DATA_DIR) $(ARGS)

test: $(STAMP) chromium
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests tools $(wildcard bench)
	$(BIN)/ruff format --check src tests tools $(wildcard bench)
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python tools/check_sizes.py

# Re-pin after changing a dependency (run in a venv installed with ".[dev,all]").
constraints: $(STAMP)
	{ sed -n '1,3p' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable | grep -v '^\(pip\|setuptools\|creditloop\)=='; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

clean:
	rm -rf $(VENV) $(DATA_DIR) .pytest_cache .mypy_cache .ruff_cache
