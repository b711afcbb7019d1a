# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON   ?= python3
VENV     ?= .venv
BIN      := $(VENV)/bin
HOST     ?= 127.0.0.1
PORT     ?= 8080

.PHONY: install run test lint system-packages bench bench-scale clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# A regular (non-editable) install: what users get, assets included.
install: $(BIN)/python
	$(BIN)/python -m pip install --quiet ".[test]"

# System packages the tests use: Debian's chromium for the browser tests (never a downloaded
# browser build) and Debian's Virtuoso, one of the stores the named queries are checked on.
CHROMIUM := /usr/bin/chromium
VIRTUOSO := /usr/bin/virtuoso-t
system-packages:
	@if [ ! -x $(CHROMIUM) ] || [ ! -x $(VIRTUOSO) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium chromium-driver fonts-dejavu-core virtuoso-opensource-7-bin >/dev/null; \
	  else \
	    echo "install Debian's packages first: sudo apt-get install chromium chromium-driver" \
	         "fonts-dejavu-core virtuoso-opensource-7-bin"; \
	    exit 1; \
	  fi; \
	fi

run: install
	$(BIN)/custvalue-kg serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .

# The service and UI suites run a second time with a real `oxigraph serve` behind the service
# (the scale-out path); tests of the embedded store's own machinery are skipped there.
SERVICE_SUITES := tests/test_api.py tests/test_openapi.py tests/test_ops.py \
	tests/test_service_description.py tests/test_service_safety.py tests/test_sparql_protocol.py \
	tests/test_graph_store.py tests/test_ui_*.py

test: install system-packages
	$(BIN)/ruff check .
	$(BIN)/pytest
	$(BIN)/pytest --store-backend=oxigraph $(SERVICE_SUITES)

bench: install
	$(BIN)/python bench/pages.py

# Scale against Oxigraph's server and rdflib-endpoint (about an hour at 100k + 1M triples);
# prints the tables and writes docs/benchmarks.md. E.g. make bench-scale SCALE_ARGS="--sizes 10M"
SCALE_ARGS ?=
bench-scale: $(BIN)/python
	$(BIN)/python -m pip install --quiet ".[bench]"
	$(BIN)/python bench/scale.py $(SCALE_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info
