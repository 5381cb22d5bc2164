# Crystal Palace: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint typecheck bench clean check-contract

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# the legal engine's compiled parts are rebuilt when their source changes (setup.py: COMPILED)
COMPILED_SRC := $(addprefix src/crystal_palace/legal/,_molview.c $(addsuffix .py,engine generic generic_match \
                generic_model molview pieces query_screen ring_classes ring_systems substituent_chains \
                substituent_rules substituent_templates substituents))

$(STAMP): $(BIN)/python pyproject.toml setup.py $(COMPILED_SRC)
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## run: install everything, load the demo data into the embedded store, and start the web application
## (http://127.0.0.1:8000/; the first run prints an admin login)
run: install
	$(BIN)/crystal-palace identify "CNC(C)Cc1ccc2OCOc2c1"
	$(BIN)/crystal-palace demo generate --seizures 2000 --seed 1
	$(BIN)/crystal-palace warn run --since 2000-01-01 --period month > /dev/null
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
	find src -name "*.so" -delete
