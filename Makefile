# The two commands: `make run` (app with demo data on SQLite at http://127.0.0.1:5000)
# and `make test` (every test, on SQLite and on PostgreSQL). Both create and reuse .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

# `make serve`: as in production (gunicorn, app/gunicorn_conf.py); set DATABASE_URL, SECRET_KEY etc.
.PHONY: lock serve run test test-sqlite test-postgres bench bench-scale bench-scale-postgres lint venv deps dev-deps system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

deps: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt

dev-deps: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt

# Re-pin after editing requirements.in / requirements-dev.in (pins already there are kept).
lock: dev-deps
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		-o requirements.txt requirements.in
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		-o requirements-dev.txt requirements.in requirements-dev.in

# The conversion certificate PDF embeds a CJK TrueType font (Debian's WenQuanYi Zen Hei).
run: deps
	bash scripts/system-deps.sh fonts-wqy-zenhei || echo "warning: fonts-wqy-zenhei missing; certificate PDFs need it (or CERTIFICATE_FONT)"
	$(FLASK) init-db
	$(FLASK) seed-demo
	# The job consumer (SQLite queue in instance/) runs beside the web server and stops with it.
	$(BIN)/huey_consumer app.consumer.huey -w 2 -k thread & consumer=$$!; \
	trap 'kill $$consumer 2>/dev/null' EXIT INT TERM; \
	SMS_SHOW_CODES=1 $(FLASK) run --host $(HOST) --port $(PORT)

# init-db at every start is safe: it takes a lock (a PostgreSQL advisory lock, a file lock
# beside a SQLite database), so hosts starting together take turns and the later ones find
# the schema and the reference data in place.
serve: deps
	$(FLASK) serve

# Debian packages the tests drive: chromium (browser tests), postgresql (the second
# run), redis-server (the job queue), a CJK font and poppler-utils (certificate PDF checks).
system-deps:
	bash scripts/system-deps.sh

test: dev-deps system-deps test-sqlite test-postgres

test-sqlite:
	$(BIN)/pytest -n 2 -m "not load and not faults"

# PostgreSQL: TEST_DATABASE_URL if given, else a throw-away local server. The deployment
# tests (load, faults) run one after the other on one worker (xdist group "deployment").
test-postgres:
	bash scripts/with-postgres.sh $(BIN)/pytest -n 2 --dist loadgroup -m "not browser or load or faults"

bench: dev-deps
	$(BIN)/python -m bench

# Every list page of every role at 1 000 000 learner achievements (and the growth from
# 100 000), under gunicorn; on SQLite, then on a throw-away PostgreSQL.
bench-scale: deps
	$(BIN)/python -m bench.scale

# PostgreSQL with the memory a server of its size is given (README, deployment step 3):
# both datasets (1M ≈ 1.03 GB, 100k ≈ 0.12 GB) in shared buffers, not the default 128 MB.
bench-scale-postgres: deps
	PG_SETTINGS="-c shared_buffers=2GB -c effective_cache_size=6GB" bash scripts/with-postgres.sh $(BIN)/python -m bench.scale

# ruff over everything; mypy over the typed modules ([tool.mypy] in pyproject.toml).
lint: dev-deps
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) test-output .pytest_cache
