# The two commands of the README: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test lint venv clean

venv: $(INSTALLED)

# Re-install when the dependencies change. torch goes first with its exact pin, so that no
# later requirement can pull a CUDA build of it.
$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[dev,craft]"
	touch $@

run: $(INSTALLED)
	PATH="$(CURDIR)/$(BIN):$$PATH" scripts/run

test: $(INSTALLED)
	PATH="$(CURDIR)/$(BIN):$$PATH" scripts/test

lint: $(INSTALLED)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy ocr/engine ocr/bench ocr/training

clean:
	rm -rf $(VENV) var
