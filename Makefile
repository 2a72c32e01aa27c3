# The two commands a newcomer needs:  make run   and   make test   (make help lists the others)
# Both create the locked environment in .venv on first use.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: help run test test-all lint env lock ui clean bench

# Both tiers on every core: pytest-xdist, whole modules per worker, in the order tests/conftest.py sets (longest
# first). PARALLEL= runs them in one process.
PARALLEL ?= -n auto --no-loadscope-reorder

run: $(STAMP)  ## run the whole pipeline on the embedded data and build the site
	$(VENV)/bin/bicentennial run

test: $(STAMP)  ## fast tier: unit tests + the tests that read one shared pipeline build (about 5 min on 2 cores)
	$(PY) -m pytest $(PARALLEL) -m "not slow" $(PYTEST_ARGS)

test-all: $(STAMP)  ## both tiers: adds concurrent runs, reproduce, determinism, browsers, PostgreSQL (installs chromium/postgresql as root)
	scripts/test-system-deps $(PY) -m pytest $(PARALLEL) $(PYTEST_ARGS)

lint: $(STAMP)  ## ruff and mypy (pyproject.toml), sqlfluff on the dbt models (dbt_project/.sqlfluff)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/sqlfluff lint dbt_project/models dbt_project/tests

env: $(STAMP)

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /  make \1\t/' | expand -t 18

ui: $(STAMP)  ## open the Dagster UI on 127.0.0.1:3000
	$(VENV)/bin/bicentennial ui

bench: $(STAMP)  ## benchmarks (on demand, not part of the tests)
	$(PY) -m benchmarks

# The environment is the hashed lock, installed exactly (uv when available, pip otherwise).
# Bytecode is compiled at install time: with PYTHONDONTWRITEBYTECODE set (as on our CI machines) Python
# would otherwise recompile every library from source in every process (pipeline start-up 10 s → 5 s).
$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check uv==0.13.9 \
	  && $(VENV)/bin/uv pip install -q --compile-bytecode --python $(PY) --require-hashes -r requirements.lock \
	  || $(PY) -m pip install -q --disable-pip-version-check --require-hashes -r requirements.lock
	$(VENV)/bin/uv pip install -q --python $(PY) --no-deps -e . \
	  || $(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

lock:  ## re-resolve the pinned dependencies into requirements.lock (needs uv)
	uv pip compile pyproject.toml --extra test --python-version 3.11 --generate-hashes \
	  --no-header --no-annotate -o requirements.lock

clean:
	rm -rf build
