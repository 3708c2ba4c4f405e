# The front door. `make` alone lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
WB := $(VENV)/bin/workbench
SYSDEPS_DEBIAN := chromium postgresql openjdk-17-jre-headless

.PHONY: help venv install install-dev sysdeps report test test-fast sample bench lint format explore screenshots docs clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  make %-12s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

venv: $(PY) ## Create .venv with the machine's python3 if missing

$(VENV)/.installed-runtime: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[dev,explore,postgres,spark]'
	@touch $@ $(VENV)/.installed-runtime

install: $(VENV)/.installed-runtime ## Install the package and what reports need

install-dev: $(VENV)/.installed-dev ## Install the package with test, explore, postgres and spark extras

sysdeps: ## Install the system packages the tests drive (chromium, postgresql, a JDK) when root
	@bash .ci/sysdeps.sh $(SYSDEPS_DEBIAN)

report: install ## Render the management report from data/sample/ (English and Chinese) into reports/
	$(WB) report management
	$(WB) report management -p lang zh
	@echo "index of all reports: reports/index.html"

test: install-dev sysdeps ## Install everything, then run pytest over the package and the notebooks (nbval)
	$(PY) -m pytest tests workbench --doctest-modules --nbval-lax notebooks -p no:cacheprovider

test-fast: install-dev ## The package tests only, without browser, database and Spark
	$(PY) -m pytest tests -m "not browser and not postgres and not spark" -p no:cacheprovider

sample: install ## Regenerate data/sample/ (byte for byte the committed files)
	$(WB) sample --out data/sample

bench: install-dev ## Measure speed and memory against the peers; writes BENCHMARKS.md
	$(PY) benchmarks/run.py

lint: install-dev ## ruff check and format check
	$(VENV)/bin/ruff check workbench tests benchmarks scripts
	$(VENV)/bin/ruff format --check workbench tests benchmarks scripts

format: install-dev ## Apply ruff's formatting and fixable lint
	$(VENV)/bin/ruff format workbench tests benchmarks scripts
	$(VENV)/bin/ruff check --fix workbench tests benchmarks scripts

explore: install-dev ## Serve the explorers as web apps (Voila) on http://127.0.0.1:8866
	$(VENV)/bin/voila notebooks/explore --port=8866 --no-browser --Voila.ip=127.0.0.1

screenshots: install-dev ## Regenerate docs/screenshots/ (needs Debian's fonts-noto-cjk for Chinese)
	$(PY) scripts/screenshots.py

docs: install ## Regenerate docs/data_model.md from the schema
	$(WB) schema --out docs/data_model.md

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache build *.egg-info
