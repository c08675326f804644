VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: demo test lint bench clean browser

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/hf-lineage demo --out demo-out

# Headless Chromium for the browser tests of the HTML pages (Debian packages).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -q && apt-get install -y -q chromium chromium-driver; } || \
	  echo "chromium could not be installed: the browser tests will be skipped"

# Lint, format and type checks of the packages (CI runs it before the tests).
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy lineage growth cli.py

test: $(VENV)/.installed browser
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

bench: $(VENV)/.installed
	$(PY) bench/crawl_bench.py
	$(PY) bench/graph_bench.py
	$(PY) bench/growth_bench.py
	$(PY) bench/html_bench.py

clean:
	rm -rf $(VENV) demo-out .pytest_cache .ruff_cache *.egg-info
