# Kỹ Năng Số: `make run` starts the site, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.lock | cksum | cut -d' ' -f1)
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: install lock system-deps node-deps run test lint format messages bench bench-completion clean .venv-ralph

# Installs exactly what requirements-dev.lock pins, every file checked against its hash.
$(STAMP): requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

# Ralph, the Learning Record Store the xAPI tests and benchmark start (tests/support/lrs.py), in a virtualenv of
# its own: its pins clash with the site's. Exactly what requirements-ralph.lock pins, every file checked by hash.
RALPH_STAMP := .venv-ralph/.installed-$(shell cat requirements-ralph.lock | cksum | cut -d' ' -f1)
$(RALPH_STAMP): requirements-ralph.lock
	test -x .venv-ralph/bin/python || $(PYTHON) -m venv .venv-ralph
	.venv-ralph/bin/python -m pip install --quiet --require-hashes --no-deps -r requirements-ralph.lock
	rm -f .venv-ralph/.installed-* && touch $(RALPH_STAMP)

.venv-ralph: $(RALPH_STAMP)

# After editing requirements.txt or requirements-dev.txt (ranges): pin and hash both locks again.
# requirements.lock (runtime, production) takes the same versions as requirements-dev.lock.
lock: install
	uv pip compile requirements-dev.txt --generate-hashes --python-version 3.11 --quiet -o requirements-dev.lock
	uv pip compile requirements.txt --generate-hashes --python-version 3.11 --quiet -c requirements-dev.lock -o requirements.lock

# Debian packages (Chromium for browser tests, fonts with Vietnamese coverage, gettext).
system-deps:
	bash .ci/system-deps.sh

# axe-core (npm) for the accessibility tests; the lock file pins it.
NODE_STAMP := node_modules/.package-lock.json
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

node-deps: $(NODE_STAMP)

run: install
	python manage.py migrate --noinput
	python manage.py seed_demo
	@echo ""
	@echo "Site:  http://127.0.0.1:$${WEB_PORT:-8000}/        Admin: http://127.0.0.1:$${WEB_PORT:-8000}/admin/"
	@echo "Admin login: admin@kynangso.local / kynangso-demo-2026 (other demo accounts above)"
	@echo "Starting web, the Celery workers (bulk sending; scheduled and everything else) and beat (Ctrl+C stops all)..."
	honcho -f Procfile.dev start

test: install system-deps .venv-ralph
	$(MAKE) --no-print-directory node-deps
	ruff check .
	ruff format --check .
	lint-imports --no-logo
	mypy
	DJANGO_SETTINGS_MODULE=lms.settings.test python manage.py check
	DJANGO_SETTINGS_MODULE=lms.settings.test python manage.py makemigrations --check --dry-run
	python -m pytest --cov --cov-report=term:skip-covered

lint:
	ruff check .
	ruff format --check .
	lint-imports --no-logo
	mypy

format: install
	ruff check --fix .
	ruff format .

# Extract UI strings, re-template the Vietnamese we ship for Wagtail and Django (locale_upstream/sync.py
# lists what an upgrade added) and compile every catalogue.
messages: install
	python manage.py makemessages --locale vi --ignore ".venv/*" --ignore "var/*" --ignore "tests/*" --ignore "bench/*" --ignore "node_modules/*" --ignore "locale_upstream/*" --no-obsolete
	python locale_upstream/sync.py
	python manage.py compilemessages --locale vi --ignore ".venv/*" --ignore "node_modules/*"

# Requests per second of the bare view, home, tutorial and search pages, and of the
# complete-lesson POST, under gunicorn on PostgreSQL (docs/performance.md).
# Extra options: make bench BENCH_ARGS="--json" (pages), make bench-completion.
bench: install
	@command -v wrk >/dev/null || $$([ "$$(id -u)" -eq 0 ] || echo sudo) apt-get install -y wrk
	@python bench/pages.py $(BENCH_ARGS)
	@python bench/completion.py

bench-completion: install
	@command -v wrk >/dev/null || $$([ "$$(id -u)" -eq 0 ] || echo sudo) apt-get install -y wrk
	@python bench/completion.py $(BENCH_ARGS)

# 100,000 due reminders planned and sent through a stub provider by one worker, beside the
# no-op task rate on the same broker (PostgreSQL + Redis; updates docs/performance.md).
.PHONY: bench-reminders
bench-reminders: install
	@python bench/reminders.py $(BENCH_ARGS)

# Resolving a 100,000-person audience segment and enqueuing its campaign messages (about a minute;
# its own database kns_wt6b_bench_campaigns or BENCH_DATABASE_URL, dropped afterwards).
.PHONY: bench-campaigns
bench-campaigns: install
	@python bench/campaigns.py $(BENCH_ARGS)

# Compliance report and unit manager's page on 100,000 people in 2,000 units (about 500,000
# assignments) on PostgreSQL: median/p95 and query counts (docs/performance.md). The generated
# database (kns_bench_compliance) is kept; BENCH_ARGS="--fresh" generates it again.
.PHONY: bench-compliance
bench-compliance: install
	@python bench/compliance.py $(BENCH_ARGS)

# Operations dashboard and public transparency page on a year of activity: 100,000 people in 2,000 units,
# 500,000 assignments, 1,000,000 lesson completions (PostgreSQL; docs/performance.md). The generated database
# (kns_bench_insights) is kept; BENCH_ARGS="--fresh" generates it again.
.PHONY: bench-insights
bench-insights: install
	@python bench/insights.py $(BENCH_ARGS)

# Roster import: check (dry run) and import of 10,000-row CSV and XLSX files on a fresh PostgreSQL
# database, and a re-import that must change nothing (docs/performance.md). BENCH_ARGS="--sqlite" for SQLite.
.PHONY: bench-roster
bench-roster: install
	@python bench/roster.py $(BENCH_ARGS)

# xAPI statements per second through one Celery worker to a real Ralph LRS, beside the worker's no-op task
# rate in the same run (docs/performance.md, "xAPI"). SQLite + the filesystem broker unless DATABASE_URL is set.
.PHONY: bench-xapi
bench-xapi: install .venv-ralph
	@python bench/xapi.py $(BENCH_ARGS)

# Delivery through failures: kill -9 of workers at 30 % and 60 % of a 12,000-message send, Redis and
# PostgreSQL restarted mid-send, a slow SMS provider. Starts its own PostgreSQL (port 5440) and Redis
# (6390), a real SMTP server (aiosmtpd) and an SMS gateway stub (docs/performance.md; about 40 minutes).
# BENCH_ARGS="--scenario kill" for one scenario.
.PHONY: bench-worker-kill
bench-worker-kill: install
	@python bench/worker_kill.py $(BENCH_ARGS)

clean:
	rm -rf var/ .pytest_cache .ruff_cache .import_linter_cache .mypy_cache .coverage htmlcov
