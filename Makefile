# One-command set-up: `make plan` (a day's plan on the shipped data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DAY ?= 2026-11-23

.PHONY: install plan solve-example test test-fast lint bench

$(BIN)/suandian: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(BIN)/suandian

# The bundled full-size day (11 data centres, 96 steps, 3 scenarios) solved into data/runs/.
solve-example: install
	$(BIN)/suandian solve data/examples/qingyang-full-day.json --out data/runs/example/plan

plan: solve-example

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest -q

test-fast: install
	$(BIN)/pytest -q -m "not slow"

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python benchmarks/bench_solve.py
