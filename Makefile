# dramaline: `make demo` and `make test` set everything up on a fresh machine (Python 3.11 + pip + root).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEMO_DIR := demo/janitor-heir

.PHONY: install demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml scripts/setup.sh scripts/apt-packages.txt
	PYTHON=$(PYTHON) VENV=$(VENV) bash scripts/setup.sh
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/dramaline demo --out $(DEMO_DIR) --episodes 5
	$(VENV)/bin/dramaline export $(DEMO_DIR) --format markdown
	@echo "demo episodes: $(CURDIR)/$(DEMO_DIR)/build/final  (script: $(CURDIR)/$(DEMO_DIR)/exports)"

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(PY) -m pytest -n 2 -q --ignore=tests/produce/test_ray_executor.py
	# Ray's local start has a fixed 15 s budget for its agent; it gets the machine to itself.
	$(PY) -m pytest -q tests/produce/test_ray_executor.py

test: lint typecheck unit

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	# Byte-compiled, as an installed package is: where PYTHONDONTWRITEBYTECODE is set, every command
	# would otherwise compile the package's modules from source (0.08 s of each build's start-up).
	$(PY) -m compileall -q src
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
