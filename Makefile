# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8080

.PHONY: install run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# A regular (non-editable) install: what users get, assets included.
install: $(BIN)/python
	$(BIN)/python -m pip install --quiet ".[test]"

run: install
	$(BIN)/custvalue-kg serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest

clean:
	rm -rf $(VENV) build dist *.egg-info
