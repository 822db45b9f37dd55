# Two commands on a fresh machine with nothing but Python 3:
#   make demo   sets everything up and builds the sample project with its reel
#   make test   sets everything up and runs the tests
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export QT_QPA_PLATFORM ?= offscreen

.PHONY: setup pg demo test lint app bench clean screenshots bundle bundle-test

setup: $(STAMP)

# Setup is quiet when it works: pip's output goes to $(SETUP_LOG), printed only when a step fails.
SETUP_LOG := $(VENV)/setup.log
# The extras make setup installs (a variable: a comma written inside $(call ...) would split its argument)
EXTRAS := dev,farm
quietly = { $(1); } >>$(SETUP_LOG) 2>&1 || { cat $(SETUP_LOG); echo "make $(or $(MAKECMDGOALS),setup) failed; log: $(SETUP_LOG)" >&2; exit 1; }

# torch first: on machines with the CPU wheel on disk this takes it instead of a multi-GB CUDA build
$(STAMP): pyproject.toml
	@echo "setting up $(VENV)"
	@$(PYTHON) -m venv $(VENV) && : >$(SETUP_LOG)
	@$(call quietly,$(PY) -m pip install --quiet --upgrade pip)
	@$(call quietly,$(PY) -m pip install --quiet "torch==2.13.0" || $(PY) -m pip install --quiet "torch>=2.4")
	@$(call quietly,$(PY) -m pip install --quiet -e ".[$(EXTRAS)]")
	@touch $(STAMP)

demo: setup
	$(VENV)/bin/previz demo previz-demo

# The tests start their own PostgreSQL server; this installs Debian's package when it is missing.
pg:
	@tools/ensure-postgres $(PYTHON)

test: setup pg
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check previz tests benchmarks resources
	$(VENV)/bin/ruff format --check previz tests benchmarks resources
	$(VENV)/bin/lint-imports

app: setup
	@test -d previz-demo || $(VENV)/bin/previz demo previz-demo
	QT_QPA_PLATFORM= $(VENV)/bin/previz app previz-demo/the-last-keeper.previz

# The README's pictures of the app (docs/app_*.png, docs/review_mode.png, docs/compare.png), made offscreen
screenshots: setup
	$(PY) docs/make_screenshots.py
	$(PY) docs/make_review_screenshots.py

bench: setup
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# The desktop bundle (PyInstaller, one folder in dist/previz; no torch or model libraries: those live in
# the GPU runtime). Slow (minutes, CPU-heavy), so not part of `make test`.
BUNDLE_STAMP := $(VENV)/.bundle-installed
BUNDLE_EXTRAS := $(EXTRAS),bundle
$(BUNDLE_STAMP): $(STAMP) pyproject.toml
	@$(call quietly,$(PY) -m pip install --quiet -e ".[$(BUNDLE_EXTRAS)]")
	@touch $(BUNDLE_STAMP)

bundle: $(BUNDLE_STAMP)
	$(PY) tools/bundle-build

# Runs the built bundle: --version, demo, an export, the app opened and closed, a read-only location.
bundle-test: setup
	$(PY) tools/bundle-test dist/previz

clean:
	rm -rf $(VENV) previz-demo *.egg-info build dist
