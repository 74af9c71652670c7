# kam — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
KAM_HOME ?= $(CURDIR)/var
export KAM_HOME

.PHONY: run test test-sqlite test-postgres lint bench venv dev clean messages

# The venv is rebuilt when pyproject.toml changes; the stamp files make it idempotent.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

venv: $(VENV)/.installed
dev: $(VENV)/.installed-dev

run: $(VENV)/.installed
	$(BIN)/kam migrate
	$(BIN)/kam demo --if-empty
	$(BIN)/kam serve

# The whole suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set
# (.ci/run sets it after starting a local server).
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -n 2 --dist loadfile
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL =="; \
		DATABASE_URL="$$TEST_DATABASE_URL" $(BIN)/python -m pytest -n 2 --dist loadfile -m "not browser"; \
	fi

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check kam config tests bench
	$(BIN)/ruff format --check kam config tests bench
	$(BIN)/mypy kam config bench

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench

messages: $(VENV)/.installed-dev
	cd kam && ../$(BIN)/django-admin makemessages -l fr --settings=config.settings.local --pythonpath=.. 
	cd kam && ../$(BIN)/django-admin compilemessages --settings=config.settings.local --pythonpath=..

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
