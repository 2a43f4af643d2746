# Both targets set everything up on a fresh machine, then run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench install postgres chromium mpi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet --no-deps 'pabutools==1.2.3'
	touch $(STAMP)

install: $(STAMP) mpi

demo: $(STAMP)
	$(BIN)/commonplan demo

# The storage tests use the PostgreSQL server this machine kind runs on 127.0.0.1:5432;
# start it when it is down.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start || true

# The browser tests drive Debian's Chromium (never a downloaded browser); install it when missing.
chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

# The MPI extra (`values --ranks N`, docs/deploy.md): Debian's PETSc, built with Open MPI
# (petsc-dev, about 30 s), and petsc4py of the same version compiled against it into the venv
# (about 5 minutes once on 2 busy cores; pip keeps the wheel). Not Debian's python3-petsc4py: it is
# built for Debian's numpy 1.24 and does not import beside the venv's numpy 2; not PyPI's petsc,
# which compiles all of PETSc.
PETSC_ARCH_DIR = ls -d /usr/lib/petscdir/petsc3.*/x86_64-linux-gnu-real 2>/dev/null | head -1
mpi: $(STAMP)
	@dir=$$($(PETSC_ARCH_DIR)); test -n "$$dir" -a -f "$$dir/include/petsc.h" && command -v mpiexec >/dev/null \
	  || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends petsc-dev)
	@$(BIN)/python -c "import petsc4py" 2>/dev/null || { \
	  dir=$$($(PETSC_ARCH_DIR)); version=$$(basename $$(dirname $$dir) | sed 's/^petsc//'); \
	  $(BIN)/python -m pip install --quiet setuptools wheel 'cython<3' && \
	  PETSC_DIR=$$dir $(BIN)/python -m pip install --quiet --no-build-isolation "petsc4py==$$version.*"; }

test: $(STAMP) postgres chromium mpi
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
