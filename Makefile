# Glasshouse: `make run` serves the registry with a worker and beat; `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run serve install test lint format migrations-check smoke clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml tests/browser/package-lock.json | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@if command -v npm >/dev/null; then npm ci --prefix tests/browser --silent --no-audit --no-fund; \
	else echo "npm not found: the browser tests' accessibility checks need it (apt-get install npm)"; fi
	touch $@

install: $(VENV)/.installed

## run: install, migrate, load the seed catalogue, then serve with one worker and beat (Ctrl-C stops all)
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_catalogue registry/catalogue
	$(BIN)/python manage.py seed_snapshots registry/catalogue/upstream
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@$(MAKE) --no-print-directory serve

# Each process stops on Ctrl-C by itself; the trap also stops the others when one of them exits.
serve:
	@trap 'kill $$(jobs -p) 2>/dev/null; wait' EXIT; \
	$(BIN)/celery -A registry worker --beat -Q sources,default --concurrency 1 --loglevel INFO & \
	$(BIN)/gunicorn registry.wsgi --bind $(HOST):$(PORT) --workers 2 --access-logfile - & \
	echo "Glasshouse is serving on http://$(HOST):$(PORT)/ (Ctrl-C stops it)"; \
	wait -n

## test: the whole suite (PostgreSQL and Redis when DATABASE_URL / CELERY_BROKER_URL point at them);
## browser tests need Debian's chromium (CHROMIUM_PATH) and leave screenshots in artifacts/browser/
test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

## smoke: the embedded default (SQLite + filesystem broker) from an empty data folder
smoke: install
	bash .ci/smoke

clean:
	rm -rf $(VENV) data staticfiles
