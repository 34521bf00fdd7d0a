# Curbside: `make run` and `make test` work on a fresh machine (they install into .venv first).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run ask test lint bench eval clean browser

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The main job: the web page and API on the built-in knowledge base at http://127.0.0.1:8000
# (embedded SQLite under CURBSIDE_HOME, default ~/.curbside). `make ask` prints the neck example's consult.
HOST ?= 127.0.0.1
PORT ?= 8000
run: install
	$(BIN)/curbside kb validate
	$(BIN)/curbside care load examples/clinic/clinic.yaml
	$(BIN)/curbside library add examples/clinic/pages
	$(BIN)/curbside serve --host $(HOST) --port $(PORT)

ask: install
	$(BIN)/curbside ask "$$(cat examples/neck.txt)"

test: install
	$(BIN)/curbside kb validate
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy

bench: install
	$(BIN)/python -m curbside.bench

# Own evaluation set, and the shared development set when it sits beside the project (figures only;
# it is never copied in). The report lands in docs/accuracy.md.
DEVSET := ../shared/eval/avey_vignettes.jsonl
eval: install
	$(BIN)/curbside eval tests/gold/cases.jsonl --report docs/accuracy.md
	$(BIN)/curbside eval tests/gold/clinical_cases.jsonl --report docs/.accuracy-clinical.md && \
	  { echo; cat docs/.accuracy-clinical.md; } >> docs/accuracy.md && rm -f docs/.accuracy-clinical.md
	$(BIN)/curbside eval tests/gold/interview_cases.jsonl --report docs/.accuracy-iv.md && \
	  { echo; cat docs/.accuracy-iv.md; } >> docs/accuracy.md && rm -f docs/.accuracy-iv.md
	$(BIN)/curbside eval tests/gold/interview_cases.jsonl --interview --report docs/.accuracy-iv.md && \
	  { echo; cat docs/.accuracy-iv.md; } >> docs/accuracy.md && rm -f docs/.accuracy-iv.md
	if [ -f $(DEVSET) ]; then \
	  tmp=$$(mktemp -d); $(BIN)/python scripts/avey_to_cases.py $(DEVSET) > $$tmp/dev.jsonl; \
	  $(BIN)/curbside eval $$tmp/dev.jsonl --misses 0 --report $$tmp/dev.md && \
	  { echo; sed 's/^# Evaluation: dev.jsonl/# Evaluation: shared development set (400 vignettes)/' $$tmp/dev.md; } >> docs/accuracy.md; \
	  rm -rf $$tmp; fi

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist src/*.egg-info
