# The two commands of the README's quick start:
#   make demo   set everything up, run golive against the bundled demo deployment
#   make test   set everything up, run ruff, mypy --strict and the whole test suite
# Both work from a fresh clone: they create .venv, install golive and its tools into
# it, and install the Debian packages the tests need (PostgreSQL, Chromium).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.golive-installed

.PHONY: demo test lint typecheck pytest system-deps node-apps bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

system-deps:
	@if [ -x scripts/install-system-deps.sh ] || [ -f scripts/install-system-deps.sh ]; then \
		bash scripts/install-system-deps.sh; fi

# The Node acceptance app's packages, from its committed package-lock.json. Idempotent
# (skipped while node_modules matches the lockfile) and offline-tolerant: without npm or
# the registry, tests/test_node_app.py skips, saying why.
NODE_APP := tests/apps/node_app
node-apps:
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "npm not found: tests/test_node_app.py will skip"; \
	elif [ ! -f $(NODE_APP)/node_modules/.package-lock.json ] || \
		[ $(NODE_APP)/package-lock.json -nt $(NODE_APP)/node_modules/.package-lock.json ]; then \
		(cd $(NODE_APP) && npm ci --no-audit --no-fund --prefer-offline --loglevel=error) || \
		echo "npm ci failed (offline?): tests/test_node_app.py will skip"; fi

demo: $(STAMP)
	$(BIN)/golive demo

lint: $(STAMP)
	$(BIN)/ruff check golive checks tests bench
	$(BIN)/ruff format --check golive checks

typecheck: $(STAMP)
	$(BIN)/mypy golive checks

pytest: $(STAMP) system-deps node-apps
	$(BIN)/pytest

test: lint typecheck pytest

bench: $(STAMP)
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache
