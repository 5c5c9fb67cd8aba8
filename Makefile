# seminar — `make run` serves the app, `make test` runs every test, `make lint` checks the code.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := seminar

.PHONY: run serve serve-install test lint translations bench clean-venv

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(DEV_STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d seminar/translations -f >/dev/null

run: $(STAMP) translations
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-if-empty
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python -m seminar.serve

# A region's server: migrations, then serve; never loads the demo (deploy/README.md).
serve: $(STAMP) translations
	$(BIN)/flask db upgrade
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python -m seminar.serve

serve-install: $(STAMP) translations

test: $(DEV_STAMP) translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check seminar tests bench migrations
	$(BIN)/mypy

bench: $(DEV_STAMP)
	$(BIN)/python -m bench

clean-venv:
	rm -rf $(VENV)
