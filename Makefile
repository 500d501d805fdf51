# reelmint: `make demo` and `make test` work on a fresh machine with no .venv.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean help install

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' Makefile | sed 's/:.*## /\t/'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(UV): $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv>=0.4,<1"

$(STAMP): pyproject.toml $(UV)
	$(UV) pip install --python $(BIN)/python --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) ## create .venv and install reelmint with its dev extras

demo: $(STAMP) ## simulate a month of a 10,000-user platform and write its report
	$(BIN)/reelmint demo

test: $(STAMP) ## run every test (PostgreSQL found, or started, or skipped with a reason)
	scripts/ensure-tools
	scripts/with-postgres $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP) ## ruff, mypy and the import-linter contracts
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP) ## run the benchmarks; JSON lands in benchmarks/results/
	scripts/ensure-tools
	scripts/with-postgres $(BIN)/python -m benchmarks $(BENCH_ARGS)

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .reelmint
