# Two commands on a fresh machine with only Python 3.11+ and make: `make demo`, `make test`.
# Both bootstrap .venv themselves and are idempotent (the install re-runs only when pyproject changes).

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.maas-fleet-installed
REPORTS ?= reports

.PHONY: demo test lint typecheck unit bench clean install docs lock install-locked install-deploy

# Hash-pinned dependency sets for CI and the deploy pipelines (pip install --require-hashes): the
# runtime set (what `pulumi up`, preflight, verify and audit need) and the runtime + dev set (tests).
# `make lock` refreshes both from pyproject.toml against PyPI itself (no local mirrors or wheel
# caches, whose files may differ); the quickstart keeps installing from pyproject.toml, so a fresh
# clone works with any Python 3.11+.
LOCK_ENV := env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_INDEX_URL -u PIP_CONSTRAINT PIP_CONFIG_FILE=/dev/null
PIP_COMPILE := $(LOCK_ENV) $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-find-links --no-emit-index-url --resolver=backtracking

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "maas-fleet needs Python 3.11 or newer on PATH" >&2; exit 2; }
	@echo "make install: creating $(VENV) and installing maas-fleet with its dev tools (about a minute the first time)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "make install: [1/2] upgrading pip"
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "make install: [2/2] installing maas-fleet and its dependencies (pip lists each package as it goes)"
	@{ $(BIN)/python -m pip install --progress-bar off -e '.[dev]' 2>&1; echo $$? > $(VENV)/.pip-status; } \
		| grep --line-buffered -E '^(Collecting|Successfully installed|ERROR)' \
		| sed -u -e 's/^Collecting /  fetching /' -e 's/^Successfully installed .*/  installed/'; \
		exit $$(cat $(VENV)/.pip-status)
	@touch $(STAMP)
	@echo "make install: done ($(BIN)/maas)"

lock: $(STAMP)
	$(PIP_COMPILE) --upgrade --output-file requirements/runtime.lock pyproject.toml
	$(PIP_COMPILE) --upgrade --extra dev --output-file requirements/dev.lock pyproject.toml

# CI: the locked runtime + dev set, every file checked against its hash, then the project itself.
install-locked:
	@test -n "$(PYTHON)" || { echo "maas-fleet needs Python 3.11 or newer on PATH" >&2; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/dev.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Deploy pipelines: the locked runtime set only (no test tools on the machine that holds the keys).
install-deploy:
	@test -n "$(PYTHON)" || { echo "maas-fleet needs Python 3.11 or newer on PATH" >&2; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/runtime.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation .

# One story: plan the dev stack, then serve exactly the endpoints that plan declares from the local
# emulator and verify them (the verify table names the endpoints the plan showed).
demo: $(STAMP)
	$(BIN)/maas plan --stack dev
	$(BIN)/maas verify --emulate --stack dev --report-dir $(REPORTS)/demo
	@# The audit page against a SIMULATED control plane for the dev stack (no Azure): started in the
	@# background, its exports sourced from --env-out, stopped when the page is written.
	@mkdir -p $(REPORTS)/demo && rm -f $(REPORTS)/demo/simulated.env
	@unset AZURE_SUBSCRIPTION_ID ARM_SUBSCRIPTION_ID MAAS_ARM_ENDPOINT MAAS_ACCESS_TOKEN; \
	$(BIN)/maas emulate --control-plane --stack dev --env-out $(abspath $(REPORTS))/demo/simulated.env >/dev/null & pid=$$!; \
	i=0; while [ ! -f $(abspath $(REPORTS))/demo/simulated.env ]; do \
		kill -0 $$pid 2>/dev/null || exit 1; i=$$((i+1)); [ $$i -lt 300 ] || { kill $$pid; exit 1; }; sleep 0.1; done; \
	. $(abspath $(REPORTS))/demo/simulated.env && \
	$(BIN)/maas audit --stack dev --format html --out $(REPORTS)/demo/audit.html; rc=$$?; \
	kill $$pid; wait $$pid; \
	[ $$rc -eq 0 ] && echo "audit page (against the SIMULATED control plane): $(REPORTS)/demo/audit.html" && \
	echo "  its endpoint names end in the simulated subscription's hash; the plan's (marked *) use a placeholder"; \
	exit $$rc

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

docs: $(STAMP)
	$(BIN)/python -m provisioning.docs README.md

clean:
	rm -rf $(VENV) $(REPORTS) build *.egg-info
