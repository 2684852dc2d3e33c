# The two commands of the README's quick start:
#   make demo   set everything up, run golive against the bundled demo deployment
#   make test   set everything up, run ruff, mypy --strict and the whole test suite
# Both work from a fresh clone: they create .venv, install golive and its tools into
# it, and install the Debian packages the tests need (PostgreSQL, Chromium).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.golive-installed

.PHONY: demo test lint typecheck pytest system-deps bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

system-deps:
	@if [ -x scripts/install-system-deps.sh ] || [ -f scripts/install-system-deps.sh ]; then \
		bash scripts/install-system-deps.sh; fi

demo: $(STAMP)
	$(BIN)/golive demo

lint: $(STAMP)
	$(BIN)/ruff check golive checks tests bench
	$(BIN)/ruff format --check golive checks

typecheck: $(STAMP)
	$(BIN)/mypy golive checks

pytest: $(STAMP) system-deps
	$(BIN)/pytest

test: lint typecheck pytest

bench: $(STAMP)
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache
