# net247: `make demo` runs the five-country demo federation, `make test` the whole suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv demo test lint ci clean node

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "needs $(PYTHON) (apt-get install python3.11 python3.11-venv)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m deploy.federation demo $(if $(SCENARIO),--scenario,)

node: $(STAMP)
	$(PY) manage.py node init && $(PY) manage.py node run --port $(or $(PORT),8000)

test: $(STAMP)
	@bash deploy/ensure-chromium.sh || true
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
