# One-command set-up: `make plan` (a day's plan on the shipped data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The delivery day to plan: tomorrow in Asia/Shanghai unless given (make plan DAY=2026-11-23).
DAY ?= $(shell TZ=Asia/Shanghai date -d tomorrow +%F)
export DAGSTER_HOME := $(CURDIR)/dagster_home
# dg warns unless the active virtual environment is the project's .venv; make activates none.
export VIRTUAL_ENV := $(CURDIR)/$(VENV)
# VERBOSE=1 shows the full Dagster DEBUG log and the HiGHS log as they come.
VERBOSE ?=

.PHONY: install plan solve-example test test-fast lint bench

$(BIN)/suandian: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(BIN)/suandian

# The bundled full-size day (11 data centres, 96 steps, 3 scenarios) solved into data/runs/.
solve-example: install
	$(BIN)/suandian solve data/examples/large-14/instance.json --out data/runs/example/plan \
		$(if $(VERBOSE),,--quiet)
	@$(BIN)/suandian show data/runs/example/plan

# The main job: one delivery day's forecast, instance, plan, checks and report, through Dagster.
# Prints one line per step and the day's key figures; the full log goes to data/runs/logs/.
plan: install
	@$(BIN)/python -m pipelines.launch $(DAY) $(if $(VERBOSE),--verbose)

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest -q

test-fast: install
	$(BIN)/pytest -q -m "not slow"

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python benchmarks/bench_solve.py
