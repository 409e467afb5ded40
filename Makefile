# Two commands: `make run` (set up, build, validate, serve) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test build lint conformance bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the project's dependency list changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent

install: $(STAMP) node_modules/.package-lock.json

build: install
	$(BIN)/achat-graph build --wiki data/wiki --out dist

run: build
	$(BIN)/achat-graph serve --dist dist --host $(HOST) --port $(PORT)

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest -m "not conformance"

conformance: install
	$(BIN)/pytest -m conformance

bench: install
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/build.py
	$(BIN)/python benchmarks/serve.py

clean:
	rm -rf $(VENV) node_modules dist dist.builds
