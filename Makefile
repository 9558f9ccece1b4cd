# Overture: `make demo` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: install demo serve test test-fast bench lint format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)  ## seed sample data, place orders through the API, print a summary, keep serving
	$(BIN)/overture demo

serve: $(STAMP)  ## run the hub on 127.0.0.1:8000 (SQLite under ./.overture/)
	$(BIN)/overture serve

test: $(STAMP)  ## lint, types, then the whole suite; PostgreSQL tests run when OVERTURE_TEST_PG_URL answers
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -q

bench: $(STAMP)  ## figures beside baselines and targets: capture, orchestration, X12, backlog, routing, availability lag
	OVERTURE_BENCH_PG_URL=$${OVERTURE_BENCH_PG_URL-$(PG_URL)} $(BIN)/python benchmarks/bench_capture.py
	$(BIN)/python benchmarks/bench_orchestration.py
	$(BIN)/python benchmarks/bench_x12.py
	$(BIN)/python benchmarks/bench_backlog.py
	$(BIN)/python benchmarks/bench_routing.py
	$(BIN)/python benchmarks/bench_availability.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

clean:
	rm -rf $(VENV) .overture .pytest_cache .mypy_cache .ruff_cache
