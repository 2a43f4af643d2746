# Both targets set everything up on a fresh machine, then run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench install postgres chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet --no-deps 'pabutools==1.2.3'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/commonplan demo

# The storage tests use the PostgreSQL server this machine kind runs on 127.0.0.1:5432;
# start it when it is down.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start || true

# The browser tests drive Debian's Chromium (never a downloaded browser); install it when missing.
chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

test: $(STAMP) postgres chromium
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m mypy
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n 2 tests

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/labour_values.py
	$(BIN)/python bench/plans.py
	$(BIN)/python bench/plan_harmony.py --compare
	$(BIN)/python bench/needs.py
	$(BIN)/python bench/service_load.py
	$(BIN)/python bench/ledger.py
	$(BIN)/python bench/ballots.py --rounds 3
	$(BIN)/python bench/stv.py
	$(BIN)/python bench/budgets.py
