# The two set-up commands: `make demo` and `make test`. Everything else is a helper for them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO_PASSWORD ?= hirebench-demo
TRANSLATIONS := hirebench/translations

.PHONY: demo test install translations assets i18n lint sandbox docker serve clean compose-test

demo: install docker sandbox
	$(BIN)/hirebench init-db
	$(BIN)/hirebench seed-demo --password '$(DEMO_PASSWORD)'
	$(BIN)/hirebench serve --host $(HOST) --port $(PORT)

# The suite runs in TEST_WORKERS processes (pytest-xdist), each taking a whole file at a time so
# that a file's module fixtures (a browser, a seeded server) start once; TEST_WORKERS=0 runs it in
# one process. Each worker has a Redis database of its own (tests/conftest.py).
TEST_WORKERS ?= 2
test: install
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

install: $(STAMP) translations assets

# Front-end assets, built from npm packages and served from static/build (docs/design.md): the
# stylesheet (Bootstrap 5 and the theme, compiled by Sass), the page chrome's script and the code
# editor (CodeMirror 5), each rebuilt only when its own inputs change.
NPM_STAMP := static/node_modules/.hirebench-installed
ASSETS := static/build/app.css static/build/ui.js static/build/editor.js static/build/pdfview.js
assets: $(ASSETS)
$(NPM_STAMP): static/package.json static/package-lock.json
	@command -v npm >/dev/null 2>&1 || sh .ci/apt-install.sh nodejs npm
	npm ci --prefix static --no-audit --no-fund --loglevel=error
	touch $@
static/build/app.css: $(NPM_STAMP) static/src/app.scss $(wildcard static/src/theme/*.scss)
	npm run --prefix static --silent build:css
static/build/ui.js: $(NPM_STAMP) static/src/ui.js
	npm run --prefix static --silent build:ui
static/build/editor.js: $(NPM_STAMP) static/src/editor.js
	npm run --prefix static --silent build:editor
# The PDF preview (pdf.js): loaded by review pages only when a PDF is shown; the worker, CMaps
# and standard fonts are copied beside it into static/build/pdfjs/.
static/build/pdfview.js: $(NPM_STAMP) static/src/pdfview.js
	npm run --prefix static --silent build:pdf

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "hirebench needs Python 3.11 or newer (found $$($(PYTHON) --version))"; exit 1; }
	@$(PYTHON) -m venv --help >/dev/null 2>&1 && $(PYTHON) -c 'import ensurepip' 2>/dev/null || \
		sh .ci/apt-install.sh python3-venv
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d $(TRANSLATIONS) -D messages 2>&1 | grep -v '^compiling' || true

# Re-extract UI strings after changing templates or code; then translate the new entries.
i18n: $(STAMP)
	$(BIN)/pybabel extract -F $(TRANSLATIONS)/babel.cfg -k _l -k lazy_gettext --no-location \
		--sort-output --project hirebench -w 100 -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -w 100 --no-fuzzy-matching

lint: $(STAMP)
	$(BIN)/ruff check hirebench tests bench sandbox
	$(BIN)/ruff format --check hirebench tests bench sandbox
	$(BIN)/mypy hirebench sandbox/runner

docker:
	@sh sandbox/ensure-docker.sh || echo "WARNING: no Docker engine: the portal runs, but code grading is unavailable."

sandbox: install
	@if docker info >/dev/null 2>&1; then $(BIN)/hirebench sandbox build; \
	else echo "WARNING: skipping the sandbox image build: no Docker engine."; fi

# docker-compose.yml on images built offline from Debian packages (docs/operations.md,
# "docker-compose"): the build is cached by content hash, then tests/ops/test_compose.py runs.
compose-test: install sandbox
	@command -v docker-compose >/dev/null 2>&1 || sh .ci/apt-install.sh docker-compose
	$(BIN)/hirebench compose build --offline
	$(BIN)/pytest -m compose tests/ops/test_compose.py $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache static/node_modules static/build
