# Two commands: `make run` (install + serve the default scenario) and `make test` (install + whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 5000
# test processes (pytest-xdist): the suite's tests spread over this many workers, each with its own PostgreSQL database
TEST_WORKERS ?= 2
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: install install-dev install-browser install-fonts install-catalogs run test bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements-dev.txt $(STAMP)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(BENCH_STAMP): requirements-bench.txt $(DEV_STAMP)
	$(PY) -m pip install --quiet -r requirements-bench.txt
	touch $@

## install: the runtime dependencies into .venv, the compiled message catalogs and the CJK font PDFs embed
install: $(STAMP) install-fonts install-catalogs

## install-catalogs: compile the message catalogs of the web pages (zh_CN, en) and of the command line (zh_CN)
install-catalogs: $(STAMP)
	$(VENV)/bin/pybabel compile -d web/translations --statistics
	$(VENV)/bin/pybabel compile -d planner/cli/translations -D cli --statistics

## install-fonts: Debian's WenQuanYi Zen Hei, the TrueType CJK font embedded in PDF reports (as root)
install-fonts:
	@bash scripts/install-fonts.sh

install-dev: $(DEV_STAMP) install-browser install-fonts install-catalogs

## install-browser: Debian's chromium for the Playwright browser tests (needs root or an existing chromium)
install-browser:
	@bash scripts/install-browser.sh

## run: load the default scenario into the embedded SQLite store if empty, then serve the web UI
run: install
	$(PY) -m planner init --if-empty
	PORT=$(PORT) $(PY) -m web

## test: install what the tests need and run the whole pytest suite
test: install-dev
	@eval "$$(bash scripts/start-postgres.sh)"; export TEST_POSTGRES_URL; \
	  echo "PostgreSQL for the tests: $${TEST_POSTGRES_URL:-none (those tests skip)}"; \
	  $(PY) -m pytest -q -n $(TEST_WORKERS) --dist worksteal

## bench: every benchmark script (installs the peer libraries they compare against, e.g. spopt)
bench: $(BENCH_STAMP)
	for b in bench/[a-z]*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) instance .cache
