# The one entry point: make dev, make test, make check, make synth, make deploy.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help venv clamd chromium dev test check lint format typecheck client clean

help:
	@echo "make dev        run the local platform (API on http://127.0.0.1:8080)"
	@echo "make test       run every test (unit, integration, infra, e2e)"
	@echo "make check      lint (ruff, format, import contracts), type-check and test"
	@echo "make client     regenerate the Python client (clients/python) from the OpenAPI document"
	@echo "make synth      synthesise the CDK app into cdk.out/"
	@echo "make deploy     deploy the CDK app into the current AWS account"
	@echo "make bootstrap  prepare the AWS account and region for CDK deployments (once)"
	@echo "make destroy    delete the deployed stack (the bucket and a final DB snapshot stay)"
	@echo "                STAGE=<name> picks a stage of cdk.json; CODE_ONLY=1 synthesises offline"

# The generated client (clients/python) goes in by a path entry, not an import hook, so type
# checkers and editors see it.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml clients/python/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps \
		--config-settings editable_mode=compat -e clients/python
	touch $(STAMP)

venv: $(STAMP)

# ClamAV's daemon: Debian's clamav-daemon, installed where clamd is missing (as root, with
# apt-get; nothing is started: local/clamd.py runs its own). `make test` needs it and fails
# when it cannot be had; `make dev` says so and runs with scanning off.
CLAMD_STAMP := .build/clamd-stamp

$(CLAMD_STAMP): local/install_clamd.sh
	local/install_clamd.sh
	mkdir -p $(dir $@)
	touch $@

clamd: $(CLAMD_STAMP)

# Chromium for the web console's browser tests: Debian's chromium, driven by Playwright
# (never `playwright install`: its own browser download cannot work here). `make test` needs
# it; `make dev` does not.
CHROMIUM_STAMP := .build/chromium-stamp

$(CHROMIUM_STAMP): local/install_chromium.sh
	local/install_chromium.sh
	mkdir -p $(dir $@)
	touch $@

chromium: $(CHROMIUM_STAMP)

dev: $(STAMP)
	@$(MAKE) --no-print-directory $(CLAMD_STAMP) || \
		echo "clamd could not be installed (see above): the local platform runs with virus scanning OFF."
	$(BIN)/python -m local.platform

# One pytest-xdist worker more than there are cores: a test waits on PostgreSQL, a local
# platform or a browser much of its time, and the extra worker keeps the cores busy then.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))

test: $(STAMP) $(CLAMD_STAMP) $(CHROMIUM_STAMP)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PYTHONPATH=shared $(BIN)/lint-imports --no-logo

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

# The typed Python client: the handler's OpenAPI document, and what openapi-python-client
# makes of it (clients/python/generate.py). A test fails while the committed one is stale.
client: $(STAMP)
	$(BIN)/python -m clients.python.generate

# The CDK app: the CLI is pinned in package.json, the layers are built by layers/build.py.
CDK := node_modules/.bin/cdk
NODE_STAMP := node_modules/.installed-stamp
CDK_FLAGS := $(if $(STAGE),--context stage=$(STAGE))
LAYER_FLAGS := $(if $(CODE_ONLY),--code-only)
# jsii (under aws-cdk-lib) warns on every run that the machines' Node.js 20 is old.
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
.PHONY: layers synth bootstrap deploy destroy

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

layers: $(STAMP)
	$(BIN)/python layers/build.py $(LAYER_FLAGS)

synth: layers $(NODE_STAMP)
	$(CDK) synth --quiet $(CDK_FLAGS)

bootstrap: layers $(NODE_STAMP)
	$(CDK) bootstrap $(CDK_FLAGS)

deploy: $(STAMP) $(NODE_STAMP)
	$(BIN)/python layers/build.py
	$(CDK) deploy $(CDK_FLAGS)

destroy: $(STAMP) $(NODE_STAMP)
	$(BIN)/python layers/build.py --code-only
	$(CDK) destroy $(CDK_FLAGS)

clean:
	rm -rf $(VENV) .build cdk.out .mypy_cache .ruff_cache .pytest_cache .import_linter_cache
