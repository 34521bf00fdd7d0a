# Curbside: `make run` and `make test` work on a fresh machine (they install into .venv first).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench eval clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The main job: the neck example's consult, on the built-in knowledge base.
run: install
	$(BIN)/curbside kb validate
	$(BIN)/curbside ask "$$(cat examples/neck.txt)"

test: install
	$(BIN)/curbside kb validate
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy

bench: install
	$(BIN)/python -m curbside.bench

# Own evaluation set; the report lands in docs/accuracy.md.
eval: install
	$(BIN)/curbside eval tests/gold/cases.jsonl --report docs/accuracy.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist src/*.egg-info
