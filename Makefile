# Two commands on a fresh machine with nothing but Python 3:
#   make demo   sets everything up and builds the sample project with its reel
#   make test   sets everything up and runs the tests
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export QT_QPA_PLATFORM ?= offscreen

.PHONY: setup demo test lint app bench clean screenshots

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first: on machines with the CPU wheel on disk this takes it instead of a multi-GB CUDA build
	$(PY) -m pip install --quiet "torch==2.13.0" || $(PY) -m pip install --quiet "torch>=2.4"
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: setup
	$(VENV)/bin/previz demo previz-demo

test: setup
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check previz tests benchmarks resources
	$(VENV)/bin/ruff format --check previz tests benchmarks resources
	$(VENV)/bin/lint-imports

app: setup
	@test -d previz-demo || $(VENV)/bin/previz demo previz-demo
	QT_QPA_PLATFORM= $(VENV)/bin/previz app previz-demo/the-last-keeper.previz

bench: setup
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) previz-demo *.egg-info
