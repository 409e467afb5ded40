# Two commands: `make run` (set up, build, validate, serve) and `make test`;
# `make test-fast` is the quick loop while working (docs/develop.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
OUT ?= dist
# Wiki pages to import: the seed page, when ../shared is beside the project.
WIKI ?= $(wildcard ../shared/seeds)
# DECP v2 contract files (space-separated), opt-in: e.g.
#   make run DECP=../shared/data/decp-v2/marches_concessions.json
DECP ?=
# INSEE Sirene stock files (space-separated), opt-in, with DECP: e.g.
#   make run DECP=decp.json SIRENE="StockUniteLegale_utf8.zip StockEtablissement_utf8.zip"
SIRENE ?=
# Generated contracts for `make bench`'s national case (CONTRACTS=1500000: the whole file).
CONTRACTS ?= 200000

.PHONY: install run test test-fast build conformance bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# The query editor's JavaScript (npm package @zazuko/yasgui), never committed.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(STAMP) node_modules/.package-lock.json

build: install
	$(BIN)/achat-graph build $(if $(WIKI),--wiki $(WIKI)) $(foreach f,$(DECP),--decp $(f)) $(foreach f,$(SIRENE),--sirene $(f)) --out $(OUT)

run: build
	$(BIN)/achat-graph serve --dist $(OUT) $(if $(DECP),--store $(OUT)/store) --host $(HOST) --port $(PORT)

test: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest -m "not conformance"

# Everything but the browser and the slow (real-server) tests, on every core.
test-fast: install
	$(BIN)/pytest -n auto -q -m "not conformance and not browser and not slow"

conformance: install
	$(BIN)/pytest -m conformance

bench: install
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/build.py
	$(BIN)/python benchmarks/build.py --contracts $(CONTRACTS) --update
	$(BIN)/python benchmarks/serve.py
	$(BIN)/python benchmarks/decp.py

clean:
	rm -rf $(VENV) node_modules $(OUT) $(OUT).builds
