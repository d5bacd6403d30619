PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
# Lint only the folders that exist: an empty folder is not in a fresh clone.
LINT_PATHS := $(wildcard prototyper tests benchmarks)

.PHONY: run test bench wheel-check

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
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest $(PYTEST_ARGS)

# The built wheel, installed outside the checkout, runs its commands (as CI does).
wheel-check:
	PYTHON=$(PYTHON) bash .ci/wheel-check

bench: $(STAMP)
	@set -e; for f in benchmarks/*.py; do \
		[ -e "$$f" ] || continue; \
		echo "== $$f"; $(VENV)/bin/python "$$f"; \
	done
