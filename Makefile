PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
# Lint only the folders that exist: an empty folder is not in a fresh clone.
LINT_PATHS := $(wildcard prototyper tests benchmarks)

.PHONY: run test bench bench-quick wheel-check

# (Re)install whenever pyproject.toml or the pinned versions change.
$(STAMP): pyproject.toml constraints.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --upgrade pip
	$(VENV)/bin/python -m pip install -c constraints.txt -e '.[dev]'
	touch $@

# Opens the window on the default preset (safe browsing).
run: $(STAMP)
	$(VENV)/bin/prototyper

test: $(STAMP)
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest -n auto $(PYTEST_ARGS)

# The built wheel, installed outside the checkout, runs its commands (as CI does).
wheel-check:
	PYTHON=$(PYTHON) bash .ci/wheel-check

# One table of every speed and memory goal (BENCH_ARGS=--quick: fewer repeats, as in CI;
# --verbose: each benchmark's own tables too). Times are shown, never asserted.
bench: $(STAMP)
	$(VENV)/bin/python benchmarks/table.py $(BENCH_ARGS)

bench-quick: $(STAMP)
	$(VENV)/bin/python benchmarks/table.py --quick $(BENCH_ARGS)
