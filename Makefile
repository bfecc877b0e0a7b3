# The two commands: `make run` and `make test`. Both install what they need first.
SHELL := /bin/bash
PORT ?= 8000
export PORT
# Port of the mock payment provider (the Procfile's `payments`); `make run` derives
# PAYMENT_PROVIDER_URL from it. Set it here or in the shell, not in .env (see .env.example).
MOCK_PROVIDER_PORT ?= 8090
export MOCK_PROVIDER_PORT
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
VENV := .venv/bin
# Prometheus multiprocess mode for `make run`: web workers and Celery worker processes
# write their samples here and /metrics adds them up. Set it empty to turn it off.
PROMETHEUS_MULTIPROC_DIR ?= $(CURDIR)/.run/prometheus

.PHONY: install browser wrk run test lint typecheck pytest migrate db demo demo-reset bench-ingest bench-alerts bench-profile bench-invoices bench-revenue bench-export bench-scale client compose-config clean

install:
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --user uv || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen --quiet

# Chromium for the browser tests (Playwright drives it; the Python package is in the lock):
# from the machine's package manager when it is missing (Debian: chromium; sudo unless root).
APT_INSTALL = SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || [ -n "$$CHROMIUM_PATH" ] || \
	  { $(APT_INSTALL) chromium >/dev/null; }

# The HTTP load generator of the ingestion benchmark (Debian package wrk).
wrk:
	@command -v wrk >/dev/null 2>&1 || { $(APT_INSTALL) wrk >/dev/null; }

db: install
	$(VENV)/python manage.py ensure_database
	$(VENV)/python manage.py migrate --noinput
	$(VENV)/python manage.py ensure_periodic_tasks

# `make run` collects payments through the mock provider (the Procfile's `payments`,
# docs/payments.md) unless PAYMENT_PROVIDER_URL is already set in the environment
# (`PAYMENT_PROVIDER_URL= make run` sends nothing; a value in .env wins under honcho).
# honcho gives every process its own PORT, so the mock learns the web port as WEB_PORT.
run: export PAYMENT_PROVIDER_URL ?= http://127.0.0.1:$(MOCK_PROVIDER_PORT)/charges
run: export WEB_PORT = $(PORT)
run: db
	@echo "make run: web on port $(PORT), mock payment provider on port $(MOCK_PROVIDER_PORT), charges to $(or $(PAYMENT_PROVIDER_URL),nowhere (PAYMENT_PROVIDER_URL is empty))"
	@# Start from empty files (the samples of the last run would add up with this one's).
	@if [ -n "$(PROMETHEUS_MULTIPROC_DIR)" ]; then mkdir -p "$(PROMETHEUS_MULTIPROC_DIR)" && rm -f "$(PROMETHEUS_MULTIPROC_DIR)"/*.db; fi
	PROMETHEUS_MULTIPROC_DIR="$(PROMETHEUS_MULTIPROC_DIR)" $(VENV)/honcho start --no-prefix -f Procfile -p $(PORT) || true

lint: install
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .

typecheck: install
	$(VENV)/mypy .

# pytest-xdist workers of `make pytest` (each its own test database, Redis database and
# ports): 2 by default, `auto` one per core, 0 runs the suite in this one process.
PYTEST_WORKERS ?= 2

pytest: install browser
	$(VENV)/python manage.py makemigrations --check --dry-run
	$(VENV)/pytest -n $(PYTEST_WORKERS) --dist worksteal

test: lint typecheck pytest

demo: db
	$(VENV)/python manage.py seed_demo

# Delete the demo tenant and everything it owns, then seed it again (APP_ENV=development).
demo-reset: db
	$(VENV)/python manage.py seed_demo --reset

bench-ingest: db wrk
	$(VENV)/python bench/ingest.py

bench-alerts: db wrk
	$(VENV)/python bench/alerts.py

bench-invoices: db
	$(VENV)/python bench/invoice_run.py

bench-revenue: db wrk
	$(VENV)/python bench/revenue.py

bench-profile: db
	$(VENV)/python bench/profile_ingest.py

bench-export: db
	$(VENV)/python bench/export.py

# Regenerate the typed Python client (clients/python) and the schema it is made from
# (clients/openapi.json) after a change to the API; the suite fails until they are committed.
client: install
	$(VENV)/python clients/generate.py

# 100M events over 24 months for 100,000 subscriptions (~2 h of load on 2 shared cores,
# ~52 GB; docs/scaling.md "Loading 100M events"): scale down with
# BENCH_SCALE_ARGS="--events 10000000 --subscriptions 10000" (the README's run).
bench-scale: db
	$(VENV)/python bench/scale.py $(BENCH_SCALE_ARGS)

# The file's syntax only: compose has no default secrets, so placeholders stand in.
compose-config:
	DJANGO_SECRET_KEY=compose-config-check-only PAYMENT_WEBHOOK_SECRET=whsec_Y2hlY2s= docker compose config --quiet

clean:
	rm -rf .venv .mypy_cache .ruff_cache .pytest_cache
