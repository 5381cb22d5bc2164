# Crystal Palace: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint typecheck bench clean check-contract

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## run: install everything, check the reference data loads, and start the API (http://127.0.0.1:8000/docs)
run: install
	$(BIN)/crystal-palace identify "CNC(C)Cc1ccc2OCOc2c1"
	$(BIN)/crystal-palace serve --host 127.0.0.1 --port 8000

## test: install what the tests need and run them all (ruff, mypy, pytest, the CLI contract)
test: install
	$(BIN)/ruff check src tests bench tools
	$(BIN)/mypy
	$(BIN)/python -m pytest -q --doctest-modules src tests
	@if [ -x ../shared/tools/check-contract ]; then ../shared/tools/check-contract; \
	 elif [ "$$CI" = "true" ]; then echo "../shared/tools/check-contract is missing" >&2; exit 1; fi

lint: install
	$(BIN)/ruff check src tests bench tools

typecheck: install
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/screen.py

check-contract: install
	../shared/tools/check-contract

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
