# Two entry points that do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ROBOT_DIRS := $(wildcard examples robots shared_keywords tests)

.PHONY: demo test lint format install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Both first make sure of a browser: found (RPA_BROWSER_EXECUTABLE, system paths, Playwright's), else installed.
demo: $(STAMP)
	$(BIN)/rpa browser ensure
	$(BIN)/python examples/flexloen/demo.py

# Two test processes (pytest-xdist) by default: most tests wait on child processes and databases.
# PYTEST_WORKERS=0 runs them in this process, one at a time.
PYTEST_WORKERS ?= 2

test: $(STAMP)
	$(BIN)/rpa browser ensure
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/robocop check $(ROBOT_DIRS)
	$(BIN)/robocop format --check $(ROBOT_DIRS)

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .rpa runs .pytest_cache test-artifacts
