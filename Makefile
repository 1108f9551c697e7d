# dramaline: `make demo` and `make test` set everything up on a fresh machine (Python 3.11 + pip + root).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEMO_PREMISE := A janitor humiliated at his ex-wife's wedding is secretly the heir of the richest family in the city
DEMO_DIR := demo/janitor-heir

.PHONY: install demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml scripts/setup.sh scripts/apt-packages.txt
	PYTHON=$(PYTHON) VENV=$(VENV) bash scripts/setup.sh scripts/apt-packages.txt
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	rm -rf $(DEMO_DIR)
	$(VENV)/bin/dramaline new "$(DEMO_PREMISE)" --episodes 20 --seed 7 --out $(DEMO_DIR)
	$(VENV)/bin/dramaline export $(DEMO_DIR) --format markdown
	$(VENV)/bin/dramaline export $(DEMO_DIR) --format fountain
	@echo "demo series: $(CURDIR)/$(DEMO_DIR)  (read it: $(VENV)/bin/dramaline show $(DEMO_DIR))"

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(PY) -m pytest -n 2 -q

test: lint typecheck unit

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) demo .pytest_cache .mypy_cache .ruff_cache
