# Overture: `make demo` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: install browser demo serve test test-fast bench chaos lint format clean

# The dashboard's htmx, from the npm registry, served by the app itself (never a CDN); git-ignored.
HTMX_VERSION := 2.0.11
HTMX := src/overture/ui/static/vendor/htmx.min.js

$(HTMX):
	@command -v npm >/dev/null || { echo "npm is needed to fetch htmx for the dashboard (apt-get install npm)"; exit 1; }
	tmp=$$(mktemp -d) && (cd $$tmp && npm pack --silent htmx.org@$(HTMX_VERSION) >/dev/null && tar xzf htmx.org-$(HTMX_VERSION).tgz) \
		&& mkdir -p $(dir $(HTMX)) && cp $$tmp/package/dist/htmx.min.js $(HTMX) && rm -rf $$tmp

# Swagger UI (/docs) and ReDoc (/redoc), fetched and served the same way (ui/docs.py), so the API's
# documentation works without internet and under the CSP (no CDN, no inline script).
SWAGGER_UI_VERSION := 5.36.0
# ReDoc 2.x, as FastAPI uses: 3.x sends telemetry to redocly.com and is an ES module.
REDOC_VERSION := 2.5.4
VENDOR := src/overture/ui/static/vendor
SWAGGER_UI := $(VENDOR)/swagger-ui-bundle.js
REDOC := $(VENDOR)/redoc.standalone.js

$(SWAGGER_UI):
	@command -v npm >/dev/null || { echo "npm is needed to fetch Swagger UI for /docs (apt-get install npm)"; exit 1; }
	tmp=$$(mktemp -d) && (cd $$tmp && npm pack --silent swagger-ui-dist@$(SWAGGER_UI_VERSION) >/dev/null && tar xzf swagger-ui-dist-$(SWAGGER_UI_VERSION).tgz) \
		&& mkdir -p $(VENDOR) && cp $$tmp/package/swagger-ui.css $(VENDOR)/ && cp $$tmp/package/swagger-ui-bundle.js $(SWAGGER_UI) && rm -rf $$tmp

$(REDOC):
	@command -v npm >/dev/null || { echo "npm is needed to fetch ReDoc for /redoc (apt-get install npm)"; exit 1; }
	tmp=$$(mktemp -d) && (cd $$tmp && npm pack --silent redoc@$(REDOC_VERSION) >/dev/null && tar xzf redoc-$(REDOC_VERSION).tgz) \
		&& mkdir -p $(VENDOR) && cp $$tmp/package/bundles/redoc.standalone.js $(REDOC) && rm -rf $$tmp

# The order-only vendor files are fetched when missing without forcing a reinstall of the venv.
$(STAMP): pyproject.toml | $(HTMX) $(SWAGGER_UI) $(REDOC)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The browser tests drive Debian's Chromium headless through the playwright package (a dev dependency,
# installed with the venv; its driver is bundled, no `playwright install` download). Installing
# Chromium needs root (as here and in CI); without it tests/browser skips and says why.
BROWSER_STAMP := $(VENV)/.browser

$(BROWSER_STAMP): $(STAMP)
	@command -v chromium >/dev/null || { apt-get update && apt-get install -y --no-install-recommends chromium; }
	$(BIN)/python -c "import playwright.sync_api"
	touch $(BROWSER_STAMP)

browser: $(BROWSER_STAMP)  ## Debian's Chromium and the playwright package, for tests/browser

demo: $(STAMP)  ## seed sample data, place orders through the API, print a summary, keep serving
	$(BIN)/overture demo

serve: $(STAMP)  ## run the hub on 127.0.0.1:8000 (SQLite under ./.overture/)
	$(BIN)/overture serve

# PostgreSQL tests run against the local server by default, as in CI; OVERTURE_TEST_PG_URL= (empty) skips them.
test: $(STAMP) $(BROWSER_STAMP)  ## lint, types, then the whole suite on SQLite and PostgreSQL
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	OVERTURE_TEST_PG_URL=$${OVERTURE_TEST_PG_URL-$(PG_URL)} $(BIN)/pytest -q -n 2 --dist loadfile

bench: $(STAMP)  ## figures beside baselines and targets: capture, orchestration, X12 (read; validate vs pyx12), backlog, routing, availability lag, orders list, taxonomy mapping, the marketplace's books at 5,000 orders
	OVERTURE_BENCH_PG_URL=$${OVERTURE_BENCH_PG_URL-$(PG_URL)} $(BIN)/python benchmarks/bench_capture.py
	$(BIN)/python benchmarks/bench_orchestration.py
	$(BIN)/python benchmarks/bench_x12.py
	$(BIN)/python benchmarks/bench_x12_validate.py
	$(BIN)/python benchmarks/bench_backlog.py
	$(BIN)/python benchmarks/bench_routing.py
	$(BIN)/python benchmarks/bench_availability.py
	OVERTURE_BENCH_PG_URL=$${OVERTURE_BENCH_PG_URL-$(PG_URL)} $(BIN)/python benchmarks/bench_dashboard.py
	OVERTURE_BENCH_PG_URL=$${OVERTURE_BENCH_PG_URL-$(PG_URL)} $(BIN)/python benchmarks/bench_availability_query.py
	OVERTURE_BENCH_PG_URL=$${OVERTURE_BENCH_PG_URL-$(PG_URL)} $(BIN)/python benchmarks/bench_order_list.py
	$(BIN)/python benchmarks/bench_taxonomy.py
	OVERTURE_BENCH_PG_URL=$${OVERTURE_BENCH_PG_URL-$(PG_URL)} $(BIN)/python benchmarks/bench_marketplace.py

# 2 API + 2 worker processes and a dispatcher on a throwaway PostgreSQL cluster (initdb/pg_ctl, its own
# port) and one Temporal dev server, under load, through random kills, restarts and vendor faults; then
# the audit (src/overture/chaos/audit.py), exit 1 unless every figure is 0. tests/chaos is its short form.
CHAOS_ARGS ?= --minutes 10 --faults 30
chaos: $(STAMP)  ## the chaos run: 10 minutes of load, 30 faults, then the audit (lost, duplicated, oversold: all 0)
	$(BIN)/python -m overture.chaos $(CHAOS_ARGS)

lint: $(STAMP)  ## ruff, mypy strict and the layer contracts (pyproject.toml [tool.importlinter])
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

clean:
	rm -rf $(VENV) .overture .pytest_cache .mypy_cache .ruff_cache
