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

demo: $(STAMP)
	$(BIN)/maas plan --stack dev
	$(BIN)/maas verify --emulate --report-dir $(REPORTS)/demo

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
