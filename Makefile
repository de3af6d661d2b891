# Frontline: two commands on a fresh machine — `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench check lint messages screenshots browser install clean nginx prod-local prod-smoke

# A fresh venv with everything pinned in requirements*.txt; reinstalled when they change.
$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# Debian's chromium for the Playwright browser tests (never a downloaded browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium and CJK fonts for the browser tests"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

# Debian's nginx for the local production stack.
nginx:
	@command -v nginx >/dev/null 2>&1 || { \
		echo "Installing Debian's nginx for the local production stack"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq nginx-light >/dev/null; }

# The production stack on this machine (deploy/local/stack.py): nginx with TLS on
# https://localhost:8443 -> two gunicorn "hosts" -> PostgreSQL, Redis, a task worker, the timers.
prod-local: $(STAMP) nginx
	$(PY) deploy/local/stack.py up

# Start that stack, run the smoke test through nginx (deploy/local/smoke.py), stop it.
prod-smoke: $(STAMP) nginx
	$(PY) deploy/local/stack.py smoke

run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_initial_data
	$(PY) manage.py runserver 127.0.0.1:8000

# SQLite by default; PostgreSQL when DATABASE_URL is set. One pytest-xdist worker per core
# (each with its own test database and browser); TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
test: $(STAMP) browser
	$(PY) -m pytest -n $(TEST_WORKERS)

# Refresh the user guides' screenshots (docs/screenshots) from the browser tests.
screenshots: $(STAMP) browser
	FRONTLINE_SCREENSHOTS=1 $(PY) -m pytest -n $(TEST_WORKERS) -m browser

bench: $(STAMP)
	$(PY) bench/run.py

# Bugbear and import order (ruff), and DESIGN's dependency rules (import-linter, pyproject.toml).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	PYTHONPATH=site $(VENV)/bin/lint-imports --no-cache

check: $(STAMP)
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.production \
	DJANGO_SECRET_KEY=check-only-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ \
	DJANGO_ALLOWED_HOSTS=frontline.example.gov.cn \
	$(PY) manage.py check --deploy --fail-level WARNING

# Each app keeps its own catalogue (APP/locale); site/ holds home and people.
MESSAGE_DIRS := site courses exams assessment competitions
messages: $(STAMP)
	for dir in $(MESSAGE_DIRS); do \
		(cd $$dir && ../$(PY) ../manage.py makemessages -l zh_Hans --no-obsolete --ignore=static) || exit 1; \
	done
	$(PY) manage.py compilemessages -l zh_Hans --ignore=.venv

clean:
	rm -rf $(VENV) staticfiles
