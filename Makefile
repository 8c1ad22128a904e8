# The one entry point: make dev, make test, make check, make synth, make deploy.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help venv dev test check lint format typecheck clean

help:
	@echo "make dev        run the local platform (API on http://127.0.0.1:8080)"
	@echo "make test       run every test (unit, integration, infra, e2e)"
	@echo "make check      lint, type-check and test"
	@echo "make synth      synthesise the CDK app into cdk.out/"
	@echo "make deploy     deploy the CDK app into the current AWS account"

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

dev: $(STAMP)
	$(BIN)/python -m local.platform

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

clean:
	rm -rf $(VENV) .build cdk.out .mypy_cache .ruff_cache .pytest_cache
