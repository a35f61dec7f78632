# The README's two commands. Everything they need is installed from here.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
# Every bundled distribution, installed in editable mode.
DISTS := -e themes/default -e .
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
SOURCES := pyproject.toml themes/default/pyproject.toml $(wildcard plugins/*/pyproject.toml themes/*/pyproject.toml)

.PHONY: run test lint install clean demo-data banner messages perf

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): $(BIN)/python $(SOURCES)
	$(PIP) install --quiet $(DISTS) $(foreach p,$(wildcard plugins/*/pyproject.toml),-e $(dir $(p))) $(foreach t,$(filter-out themes/default/pyproject.toml,$(wildcard themes/*/pyproject.toml)),-e $(dir $(t)))
	touch $@

$(TEST_STAMP): $(STAMP)
	$(PIP) install --quiet -e ".[test]"
	touch $@

install: $(STAMP)

# The ini `make run` serves; its [DEFAULT] http_port sets both the listening
# port and the issuer, and the banner below reads them from it.
DEV_INI ?= etc/development.ini

demo-data: $(STAMP)
	mkdir -p var
	$(BIN)/ostiary $(DEV_INI) init
	$(BIN)/ostiary $(DEV_INI) load etc/demo.toml
	@$(MAKE) --no-print-directory banner

banner:
	@issuer=$$($(BIN)/python -c "import sys; from pyramid.paster import get_appsettings; \
		print(get_appsettings(sys.argv[1])['ostiary.issuer'])" $(DEV_INI)) && \
	echo "" && \
	echo "Ostiary demo on $$issuer" && \
	echo "  issuer         $$issuer" && \
	echo "  client         demo-rp / demo-secret" && \
	echo "  redirect URI   http://127.0.0.1:9999/cb" && \
	echo "  post-logout    http://127.0.0.1:9999/logged-out" && \
	echo "  scopes         openid profile email offline_access api" && \
	echo "  user           alice / alice-password" && \
	echo ""

run: demo-data
	$(BIN)/pserve $(DEV_INI)

# The browser tests load two npm packages from git-ignored var/npm: the
# accessibility scan injects axe-core, the single-page application test runs
# panva's oauth4webapi. One npm install for both (a second install with
# --no-save would remove the first). Without npm those tests skip (fail in CI).
AXE_VERSION := 4.14.1
OAUTH4WEBAPI_VERSION := 3.8.8
NPM_STAMP := var/npm/.axe-core-$(AXE_VERSION)-oauth4webapi-$(OAUTH4WEBAPI_VERSION)

$(NPM_STAMP):
	@if command -v npm >/dev/null; then \
		npm install --prefix var/npm --no-save --no-audit --no-fund --silent \
			axe-core@$(AXE_VERSION) oauth4webapi@$(OAUTH4WEBAPI_VERSION) && touch $@; \
	else echo "npm not found: the axe-core scan and the single-page application test will be skipped"; fi

# ruff (configured in pyproject.toml) checks lint and format before the tests.
lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint $(TEST_STAMP) $(NPM_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Ostiary beside node oidc-provider 9 (README, Performance): needs wrk, and
# node with npm for the reference; e.g. make perf PERF_ARGS="--argon2 min".
perf: $(TEST_STAMP)
	$(BIN)/python tests/perf/versus_node.py $(PERF_ARGS)

# Extract the texts of templates and code, merge them into the .po files and
# compile the .mo files (committed, so a fresh clone needs no gettext tools).
messages: $(TEST_STAMP)
	$(BIN)/python tools/messages.py

clean:
	rm -rf $(VENV) var/Data.fs* build *.egg-info core/*.egg-info
