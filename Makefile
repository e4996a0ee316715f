# Kapacitet Midt — the two commands a newcomer needs are `make report` and `make test`.
# Everything installs into .venv with pip from pyproject.toml.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_RAW ?= data_raw

.PHONY: report test lab lint bench demo ingest clean-data help

help:
	@echo "make report   set up .venv if needed, write demo data if data_raw/ is empty, ingest, run the report"
	@echo "make test     lint and run the test suite"
	@echo "make lab      open JupyterLab with the project's kernel"
	@echo "make bench    run the benchmarks (results in docs/benchmarks.md)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

report: $(STAMP)
	@if [ -z "$$(ls -A $(DATA_RAW) 2>/dev/null | grep -v '^README.md$$')" ]; then \
		$(BIN)/capacity demo --data-raw $(DATA_RAW); \
	fi
	$(BIN)/capacity report --data-raw $(DATA_RAW)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lab: $(STAMP)
	$(BIN)/capacity lab

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py
