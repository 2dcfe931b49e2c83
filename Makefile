# Two commands on a fresh machine with only Python 3.11+ and make: `make demo`, `make test`.
# Both bootstrap .venv themselves and are idempotent (the install re-runs only when pyproject changes).

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.maas-fleet-installed
REPORTS ?= reports

.PHONY: demo test lint typecheck unit bench clean install docs

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "maas-fleet needs Python 3.11 or newer on PATH" >&2; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# One story: plan the dev stack, then serve exactly the endpoints that plan declares from the local
# emulator and verify them (the verify table names the endpoints the plan showed).
demo: $(STAMP)
	$(BIN)/maas plan --stack dev
	$(BIN)/maas verify --emulate --stack dev --report-dir $(REPORTS)/demo

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
