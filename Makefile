# net247: `make demo` runs the five-country demo federation, `make test` the whole suite.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: venv demo test lint ci clean node screenshots lock audit-deps

$(STAMP): pyproject.toml requirements.lock
	bash deploy/bootstrap.sh $(VENV)
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m deploy.federation demo $(if $(SCENARIO),--scenario,)

node: $(STAMP)
	$(PY) manage.py node init && $(PY) manage.py node run --port $(or $(PORT),8000)

test: $(STAMP)
	@bash deploy/ensure-chromium.sh || true
	@bash deploy/ensure-unbound.sh || true
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(PY) manage.py makemigrations --check --dry-run

lock: $(STAMP)  # after changing a pin in pyproject.toml: every package, pinned with hashes
	$(VENV)/bin/pip-compile --quiet --generate-hashes --extra dev --strip-extras --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links --output-file requirements.lock pyproject.toml

audit-deps: $(STAMP)  # the lock is complete; no known vulnerability (live source, else snapshot)
	$(PY) -m deploy.audit_deps

screenshots:  # after `make test`: the browser tests' screenshots become the README's
	mkdir -p docs/screenshots && cp var/screenshots/duty-desk.png var/screenshots/alert-page.png \
	  var/screenshots/duty-desk-phone.png var/screenshots/thread.png docs/screenshots/
	cp var/screenshots/case-page-ru-1366.png docs/screenshots/case-page.png
	cp var/screenshots/thread-ru-1366.png docs/screenshots/conversation.png
	cp var/screenshots/takedown-board-ru-1366.png docs/screenshots/takedown-board.png
	cp var/screenshots/takedown-statistics-ru-1366.png docs/screenshots/takedown-statistics.png
	cp var/screenshots/rota-ru-phone.png docs/screenshots/rota-phone.png

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
