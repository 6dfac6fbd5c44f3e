# The two commands: `make run` (app with demo data on SQLite at http://127.0.0.1:5000)
# and `make test` (every test, on SQLite and on PostgreSQL). Both create and reuse .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-sqlite test-postgres bench bench-scale bench-scale-postgres lint venv deps dev-deps system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

deps: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt

dev-deps: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt

# The conversion certificate PDF embeds a CJK TrueType font (Debian's WenQuanYi Zen Hei).
run: deps
	bash scripts/system-deps.sh fonts-wqy-zenhei || echo "warning: fonts-wqy-zenhei missing; certificate PDFs need it (or CERTIFICATE_FONT)"
	$(FLASK) init-db
	$(FLASK) seed-demo
	SMS_SHOW_CODES=1 $(FLASK) run --host $(HOST) --port $(PORT)

# Debian packages the tests drive: chromium (browser tests), postgresql (the second
# run), a CJK font and poppler-utils (certificate PDF checks).
system-deps:
	bash scripts/system-deps.sh

test: dev-deps system-deps test-sqlite test-postgres

test-sqlite:
	$(BIN)/pytest -n 2

# PostgreSQL: TEST_DATABASE_URL if given, else a throw-away local server.
test-postgres:
	bash scripts/with-postgres.sh $(BIN)/pytest -n 2 -m "not browser"

bench: dev-deps
	$(BIN)/python -m bench

# Every list page of every role at 1 000 000 learner achievements (and the growth from
# 100 000), under gunicorn; on SQLite, then on a throw-away PostgreSQL.
bench-scale: deps
	$(BIN)/python -m bench.scale

bench-scale-postgres: deps
	bash scripts/with-postgres.sh $(BIN)/python -m bench.scale

lint: dev-deps
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) test-output .pytest_cache
