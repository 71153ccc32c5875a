# Keywork: `make run` serves the demo, `make test` runs every test. See README.md.
# Not Debian's /usr/bin/python3.11, though it serves pages 15-25 % faster (built with PGO
# and LTO; docs/PERFORMANCE.md, 5 Dec 2026): it is 3.11.2, whose tarfile lacks the
# extraction filter (3.11.4) that `manage.py restore` relies on to refuse a backup's paths
# outside its folder. PYTHON=... names another interpreter.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Development values only; production reads the real ones from the environment.
DEV_ENV := DEBUG=true
# Two test processes: the machines here have two cores (pytest-xdist).
PYTEST_ARGS ?= -n 2

.PHONY: run test test-load lint audit bench icons install install-test browser-deps a11y-deps bench-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-test: $(VENV)/.installed-test browser-deps a11y-deps

# Debian's Chromium for the browser tests (Playwright drives it; nothing is downloaded
# by Playwright itself), and the tools the tests use to look at PDFs.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! command -v pdftoppm >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq chromium poppler-utils fonts-dejavu-core; \
	fi

# The Nu HTML Checker for tests/browser/test_accessibility.py: npm's vnu-jar (the jar only, pinned; its
# install script, which fetches a Java, is skipped) run on Debian's Java.
VNU_JAR := $(VENV)/vnu/node_modules/vnu-jar/build/dist/vnu.jar
a11y-deps: $(VNU_JAR)

$(VNU_JAR):
	@if ! command -v java >/dev/null || ! command -v npm >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq default-jre-headless npm; \
	fi
	npm install --silent --prefix $(VENV)/vnu --ignore-scripts vnu-jar@26.9.27

run: install
	mkdir -p var
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input
	$(DEV_ENV) $(BIN)/python manage.py seed_demo --if-empty
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install-test
	SECRET_KEY=check DATABASE_URL= $(BIN)/python manage.py makemigrations --check --dry-run > /dev/null \
		|| { echo "Model changes without a migration: run manage.py makemigrations"; exit 1; }
	$(BIN)/pytest $(PYTEST_ARGS)

# Load and faults against gunicorn, on SQLite then PostgreSQL (tests/load, README
# "Security and reliability"): about 5 minutes, and it restarts PostgreSQL, so `make test`
# leaves it out. Needs root (pg_ctlcluster, a small tmpfs to fill).
test-load: install-test
	$(BIN)/pytest tests/load

lint: install-test
	$(BIN)/ruff check .

# Known vulnerabilities in the installed dependencies (PyPI's advisory database, so it
# needs the internet: reported here, not part of CI). --strict: a package that could not be
# looked up fails the audit, so an offline run never looks like a clean one.
audit: install-test
	$(BIN)/pip install --quiet -e '.[audit]'
	$(BIN)/pip-audit --progress-spinner off --skip-editable --strict

# The Bootstrap Icons the pages use, cut from the vendored font: run after a template
# names a new icon (tests/test_icons.py says so).
icons: install
	$(BIN)/python -m bench.icons

# wrk drives the load for `make bench` (Debian's package).
bench-deps:
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }

# The large site under load, served as in production: every page each role reaches,
# found by crawling it (bench/crawl.py); see docs/PERFORMANCE.md. BENCH_DB=postgres,
# BENCH_INSTANCES=2 (with REDIS_URL), BENCH_PAGES=a,b for some pages only, BENCH_PORT,
# CHECK=1 to fail naming each missed budget.
# BENCH_REPLICA=1 (with BENCH_DB=postgres): the keyworkers' pages while a year's report runs
# on a streaming replica, then on the primary (bench/replica.py).
bench: install bench-deps
	$(if $(filter 1,$(BENCH_REPLICA)),$(BIN)/python -m bench.replica,$(BIN)/python -m bench.run)
